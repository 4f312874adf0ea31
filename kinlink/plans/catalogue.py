"""What plans are made of: the action-plan template of each solution and the follow-up schedules.

Pure data and date arithmetic, no database: services turn these into rows and tasks.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import Solution
from kinlink.plans.models import FollowUpTemplate


@dataclass(frozen=True)
class TemplateLine:
    title: Promise
    days: int  # default due date: this many days after the plan is made
    abroad: bool = False  # usually done by the partner agency in the other country


# The ISS return & reintegration steps (domain.md §3.4), the host-country integration
# essentials and the Art. 33 placement sequence (§3.3).
ACTION_PLAN_TEMPLATES: dict[str, list[TemplateLine]] = {
    Solution.RETURN: [
        TemplateLine(_("Assess reintegration options"), 14, abroad=True),
        TemplateLine(_("Prepare the child"), 30),
        TemplateLine(_("Organise departure and journey"), 45),
        TemplateLine(_("Family and social reintegration"), 75, abroad=True),
        TemplateLine(_("Educational or professional reintegration"), 90, abroad=True),
        TemplateLine(_("Psychological and medical support"), 90, abroad=True),
        TemplateLine(_("Safety of everyone involved"), 45),
        TemplateLine(_("Individualised follow-up"), 120, abroad=True),
    ],
    Solution.HOST: [
        TemplateLine(_("Secure residence status"), 90),
        TemplateLine(_("School or vocational training"), 30),
        TemplateLine(_("Housing and care arrangement"), 30),
        TemplateLine(_("Health and psychosocial support"), 30),
        TemplateLine(_("Independent-living preparation"), 180),
        TemplateLine(_("Family contact arrangements"), 30),
    ],
    Solution.THIRD_COUNTRY: [
        TemplateLine(_("Art. 33 consultation and consent of the receiving state"), 45),
        TemplateLine(_("Travel documents"), 60),
        TemplateLine(_("Receiving agency confirmation"), 60, abroad=True),
        TemplateLine(_("Preparation of the child and family"), 75),
        TemplateLine(_("Escorted journey and handover"), 90),
        TemplateLine(_("Post-placement monitoring"), 120, abroad=True),
    ],
}


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


KINSHIP_INTERVAL_DAYS = 15
KINSHIP_VISITS = 24
REUNIFICATION_MONTHS = (1, 2, 3, 6, 9, 12)


def visit_dates(
    template: str, start_on: date, interval_days: int | None = None, months: int | None = None
) -> list[date]:
    """The due dates of every visit of a follow-up schedule, starting after `start_on`.

    Kinship placement abroad: every 15 days, 24 visits (twice a month for 12 months). After
    reunification: months 1, 2, 3, 6, 9 and 12. Custom: every N days until M months have passed.
    """
    if template == FollowUpTemplate.KINSHIP_ABROAD:
        return [
            start_on + timedelta(days=KINSHIP_INTERVAL_DAYS * n)
            for n in range(1, KINSHIP_VISITS + 1)
        ]
    if template == FollowUpTemplate.AFTER_REUNIFICATION:
        return [add_months(start_on, m) for m in REUNIFICATION_MONTHS]
    if not interval_days or not months:
        return []
    end = add_months(start_on, months)
    dates = []
    day = start_on + timedelta(days=interval_days)
    while day <= end:
        dates.append(day)
        day += timedelta(days=interval_days)
    return dates
