"""The rows of exports: case lists (identifying for staff, de-identified for analysts) and
indicators. Each starts from the policy's scope; each is refused above the configured size."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kinlink.cases.models import Case, CaseType, RiskLevel, Sex, Stage
from kinlink.directory.reference import country_name
from kinlink.reports.indicators import (
    Period,
    Result,
    age_at_referral,
    age_band,
    nationality_of,
)


class TooLarge(Exception):
    def __init__(self, rows: int, limit: int) -> None:
        super().__init__(f"{rows} rows, limit {limit}")
        self.rows = rows
        self.limit = limit


def _label(enum: Any, value: str) -> str:
    return str(enum(value).label) if value in enum.values else value


def check_size(rows: int) -> None:
    limit = settings.KINLINK_EXPORT_MAX_ROWS
    if rows > limit:
        raise TooLarge(rows, limit)


def case_rows(
    cases: QuerySet[Case], period: Period, *, deidentified: bool
) -> tuple[Sequence[str], Iterator[Sequence[Any]], int]:
    """Cases referred in the period: header, rows and their number (checked against the limit
    before a single row is read)."""
    cases = cases.filter(referral_date__range=(period.start, period.end)).order_by(
        "referral_date", "reference"
    )
    count = cases.count()
    check_size(count)
    if deidentified:
        header = [
            _("Row"),
            _("Case type"),
            _("Step"),
            _("Risk level"),
            _("Sex"),
            _("Age band"),
            _("Nationality"),
            _("Referral month"),
        ]
        values = cases.values_list(
            "case_type",
            "stage",
            "risk_level",
            "sex",
            "date_of_birth",
            "age_estimate",
            "referral_date",
            "nationalities",
            "nationality_status",
        )

        def deidentified_rows() -> Iterator[Sequence[Any]]:
            for n, (ctype, stage, risk, sex, dob, estimate, referral, nats, status) in enumerate(
                values.iterator(chunk_size=2000), start=1
            ):
                nationality = nationality_of(nats, status)
                yield [
                    n,
                    _label(CaseType, ctype),
                    _label(Stage, stage),
                    _label(RiskLevel, risk),
                    _label(Sex, sex),
                    age_band(age_at_referral(dob, estimate, referral)),
                    country_name(nationality) if len(nationality) == 2 else nationality,
                    referral.strftime("%Y-%m"),
                ]

        return header, deidentified_rows(), count
    header = [
        _("Reference"),
        _("Given name"),
        _("Family name"),
        _("Name in original script"),
        _("Sex"),
        _("Age"),
        _("Nationalities"),
        _("Case type"),
        _("Step"),
        _("Risk level"),
        _("Team"),
        _("Lead caseworker"),
        _("Referral date"),
    ]
    staff = cases.select_related("team", "lead_caseworker")

    def staff_rows() -> Iterator[Sequence[Any]]:
        for case in staff.iterator(chunk_size=2000):
            yield [
                case.reference,
                case.given_name,
                case.family_name,
                case.original_name,
                _label(Sex, case.sex),
                case.age,
                ", ".join(country_name(c) for c in case.nationalities or []),
                _label(CaseType, case.case_type),
                _label(Stage, case.stage),
                _label(RiskLevel, case.risk_level),
                case.team.name,
                case.lead_caseworker.full_name,
                case.referral_date,
            ]

    return header, staff_rows(), count


def indicator_rows(results: list[Result]) -> tuple[Sequence[str], list[Sequence[Any]]]:
    header = [
        _("Indicator"),
        _("Category"),
        _("Value"),
        _("Numerator"),
        _("Denominator"),
    ]
    rows: list[Sequence[Any]] = []
    for result in results:
        name = str(result.indicator.name)
        rows.append([name, _("All"), result.value, result.numerator, result.denominator])
        for row in result.rows:
            rows.append([name, row.label, row.value, None, None])
    check_size(len(rows))
    return header, rows
