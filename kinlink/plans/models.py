"""Plans that carry a decided solution out (step 7), follow it up (step 8) and close the case.

Every line of an action plan and every follow-up visit opens a hub `Task` (`source_id` is the
line's or the visit's id), so that deadlines, overdue flags and "my day" work the same for all
apps. Only the case's summary facts are read from other tracks; this app imports none of them.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import Solution
from kinlink.core.fields import EncryptedTextField
from kinlink.core.models import BaseModel, VersionedModel


class ActionPlan(VersionedModel):
    """The action plan of step 7, drawn from the template of the case's decided solution.

    One current plan per solution and case; its lines are edited until a supervisor approves it
    (`approved_at`), and the follow-up step may start only on an approved plan of the decided
    solution. A line added or changed after approval takes the approval away
    (`approval_lost_at`): the plan is approved again. A review of the solution or a reopening
    supersedes every approved plan (`superseded_at`): guards ignore it and a new plan is made.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="action_plans")
    solution = models.CharField(_("solution"), max_length=20, choices=Solution.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved on"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_comments = EncryptedTextField(_("comments when sent back"), blank=True)
    approval_lost_at = models.DateTimeField(_("changed after approval on"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "solution"],
                condition=models.Q(superseded_at__isnull=True),
                name="action_plan_one_per_solution",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.solution}"


class ActionPlanItem(VersionedModel):
    """One line of an action plan: what, by whom (here, or a partner agency abroad), by when.

    Exactly one of `owner` and `partner_agency` names who does it; the line's task follows
    every edit. A line from the solution's template keeps the template's English title
    (`title_from_template`) and reads in each reader's language (`display_title`); a line a
    person wrote or retitled keeps the words typed.
    """

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("action"), max_length=300)
    title_from_template = models.BooleanField(default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("done here by"),
    )
    partner_agency = models.CharField(
        _("done abroad by (partner agency)"), max_length=200, blank=True
    )
    due_on = models.DateField(_("due"))

    class Meta:
        verbose_name = _("action plan line")
        verbose_name_plural = _("action plan lines")
        ordering = ["position", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(owner__isnull=False) & models.Q(partner_agency=""))
                | (models.Q(owner__isnull=True) & ~models.Q(partner_agency="")),
                name="action_item_one_doer",
            )
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return gettext(self.title) if self.title_from_template else self.title


class RiskResult(models.TextChoices):
    SAFE = "safe", _("Safe")
    SAFE_WITH_CONDITIONS = "safe_with_conditions", _("Safe with conditions")
    UNSAFE = "unsafe", _("Unsafe")


class ReturnPreparation(VersionedModel):
    """What must be true before a child returns (SG-05): one record per case, filled over time.

    A return is possible only with a risk and security assessment not rated unsafe, a carer who
    agreed in writing, and the receiving agency's confirmation that it will receive the child.
    """

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="return_preparation"
    )
    risk_assessed_on = models.DateField(
        _("risk and security assessment done on"), null=True, blank=True
    )
    risk_result = models.CharField(
        _("result of the risk assessment"), max_length=25, choices=RiskResult.choices, blank=True
    )
    risk_assessed_by = models.CharField(_("assessed by"), max_length=200, blank=True)
    risk_conditions = EncryptedTextField(_("conditions or concerns"), max_length=2000, blank=True)
    carer_name = models.CharField(_("carer's name"), max_length=200, blank=True)
    carer_relationship = models.CharField(
        _("carer's relationship to the child"), max_length=100, blank=True
    )
    carer_agreed_on = models.DateField(
        _("date of the carer's written agreement"), null=True, blank=True
    )
    reception_agency = models.CharField(_("receiving agency"), max_length=200, blank=True)
    reception_confirmed_on = models.DateField(_("reception confirmed on"), null=True, blank=True)
    reception_reference = models.CharField(
        _("receiving agency's reference"), max_length=100, blank=True
    )

    personal_fields: ClassVar[frozenset[str]] = frozenset({"carer_name"})

    class Meta:
        verbose_name = _("return preparation")
        verbose_name_plural = _("return preparations")

    def __str__(self) -> str:
        return f"{self.case} · return"

    @property
    def risk_ok(self) -> bool:
        return bool(self.risk_assessed_on) and self.risk_result in {
            RiskResult.SAFE,
            RiskResult.SAFE_WITH_CONDITIONS,
        }

    @property
    def carer_agreed(self) -> bool:
        return bool(self.carer_name and self.carer_agreed_on)

    @property
    def reception_confirmed(self) -> bool:
        return bool(self.reception_agency and self.reception_confirmed_on)


class FollowUpTemplate(models.TextChoices):
    KINSHIP_ABROAD = "kinship_abroad", _("Kinship placement abroad: twice a month for 12 months")
    AFTER_REUNIFICATION = (
        "after_reunification",
        _("After reunification: monthly for 3 months, then quarterly to 12 months"),
    )
    CUSTOM = "custom", _("Custom: every N days for M months")


class FollowUpPlan(VersionedModel):
    """The follow-up of step 8: a schedule of visits and who makes them (here or abroad).

    Creating it schedules every visit, each with its task; a custom schedule needs its
    interval in days and duration in months. One at a time per case: a second waits until every
    visit of the first is done, unless a review or a reopening superseded the first
    (`superseded_at`, set with the action plans').
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="follow_ups")
    template = models.CharField(_("schedule"), max_length=20, choices=FollowUpTemplate.choices)
    start_on = models.DateField(_("start date"))
    interval_days = models.PositiveSmallIntegerField(_("every (days)"), null=True, blank=True)
    months = models.PositiveSmallIntegerField(_("for (months)"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible person here"),
    )
    partner_agency = models.CharField(
        _("responsible partner agency abroad"), max_length=200, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    superseded_at = models.DateTimeField(_("superseded on"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up plan")
        verbose_name_plural = _("follow-up plans")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(owner__isnull=False) & models.Q(partner_agency=""))
                | (models.Q(owner__isnull=True) & ~models.Q(partner_agency="")),
                name="follow_up_one_responsible",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.template}"


class FollowUpVisit(VersionedModel):
    """One scheduled visit; `done_on` is set when its report is written."""

    plan = models.ForeignKey(FollowUpPlan, on_delete=models.CASCADE, related_name="visits")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField(_("visit"))
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["due_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="follow_up_visit_number")
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.number}"


class NotSeenReason(models.TextChoices):
    ABDUCTED = "abducted", _("Abducted")
    AT_SCHOOL = "at_school", _("At school")
    DETENTION = "detention", _("In detention")
    STREET = "street", _("Moved to the street")
    OTHER_CAREGIVER = "other_caregiver", _("Moved to another caregiver")
    VISITING = "visiting", _("Visiting elsewhere")
    WORKING = "working", _("Working")
    OTHER = "other", _("Other")


class VisitReport(BaseModel):
    """What a follow-up visit found; written once, by a user here or by the partner abroad.

    A child not seen needs the reason. Saving it marks the visit done and closes its task.
    """

    visit = models.OneToOneField(FollowUpVisit, on_delete=models.CASCADE, related_name="report")
    visited_on = models.DateField(_("visited on"))
    child_seen = models.BooleanField(_("the child was seen"))
    reason_not_seen = models.CharField(
        _("why the child was not seen"), max_length=20, choices=NotSeenReason.choices, blank=True
    )
    well_being = EncryptedTextField(_("well-being"), max_length=4000, blank=True)
    safety = EncryptedTextField(_("safety"), max_length=4000, blank=True)
    school = EncryptedTextField(_("school or training"), max_length=4000, blank=True)
    concerns = EncryptedTextField(_("concerns"), max_length=4000, blank=True)
    actions_taken = EncryptedTextField(_("actions taken"), max_length=4000, blank=True)
    further_visits_needed = models.BooleanField(_("further visits needed"), default=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    written_by_agency = models.CharField(
        _("written by (partner agency abroad)"), max_length=200, blank=True
    )

    class Meta:
        verbose_name = _("visit report")
        verbose_name_plural = _("visit reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(child_seen=True) | ~models.Q(reason_not_seen=""),
                name="visit_report_reason_not_seen",
            )
        ]

    def __str__(self) -> str:
        return f"{self.visit} · {self.visited_on}"


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met and the child is safe")
    NO_LONGER_WANTED = "no_longer_wanted", _("The child or family no longer want support")
    TURNED_18 = "turned_18", _("Turned 18 with the transition prepared")
    DEATH = "death", _("Death of the child")
    TRANSFERRED = "transferred", _("Transferred (receiving agency accepted)")
    REPATRIATED = "repatriated", _("Repatriated, with a case open on the receiving side")
    NOT_SEEN = "not_seen", _("Not seen during verification")
    OTHER = "other", _("Other")


class ClosureStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Sent back")


class Closure(VersionedModel):
    """A request to close the case (SG-16): reason, checklist, carer at closure.

    Created only complete (see `services.closure_problems`); a supervisor approves it (the case
    closes) or sends it back (the case returns to its previous step and a new request is due).
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="closures")
    reason = models.CharField(_("reason"), max_length=20, choices=ClosureReason.choices)
    reason_other = EncryptedTextField(_("other reason"), max_length=2000, blank=True)
    goals_met_or_explained = models.BooleanField(
        _("the plan's goals are met, or why not is explained"), default=False
    )
    goals_note = EncryptedTextField(_("about the goals"), max_length=4000, blank=True)
    child_safe = models.BooleanField(_("the child is safe"), default=False)
    carer_name = models.CharField(_("carer at closure: name"), max_length=200, blank=True)
    carer_relationship = models.CharField(
        _("carer at closure: relationship"), max_length=100, blank=True
    )
    carer_address = EncryptedTextField(_("carer at closure: address"), max_length=1000, blank=True)
    follow_up_completed = models.BooleanField(_("follow-up completed"), default=False)
    child_informed = models.BooleanField(_("the child was informed"), default=False)
    receiving_case_reference = models.CharField(
        _("case reference on the receiving side"), max_length=100, blank=True
    )
    no_receiving_case_reason = EncryptedTextField(
        _("why there is no case on the receiving side"), max_length=2000, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ClosureStatus.choices,
        default=ClosureStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comments = EncryptedTextField(_("supervisor's comments"), blank=True)

    personal_fields: ClassVar[frozenset[str]] = frozenset({"carer_name"})

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="requested"),
                name="closure_one_request_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.reason}"


# The solutions that move the child away from where she lives now (SG-13).
MOVING_SOLUTIONS = frozenset({Solution.RETURN, Solution.THIRD_COUNTRY, Solution.ADOPTION_KAFALA})


class SiblingDecision(VersionedModel):
    """For a brother or sister living with the child, whether the decided solution keeps them
    together (SG-13). Separating them needs reasons and a supervisor's approval (a cases
    `Approval`); the latest decision per sibling and solution counts."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    sibling = models.ForeignKey(
        "cases.CasePerson",
        on_delete=models.PROTECT,
        related_name="sibling_decisions",
        verbose_name=_("brother or sister"),
    )
    solution = models.CharField(_("solution"), max_length=20, choices=Solution.choices)
    together = models.BooleanField(_("the solution keeps them together"))
    reasons = EncryptedTextField(_("why they are separated"), max_length=2000, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("sibling decision")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(together=True) | ~models.Q(reasons=""),
                name="sibling_separation_has_reasons",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.solution}"

    @property
    def settled(self) -> bool:
        """Kept together, or separated with a supervisor's approval."""
        return self.together or self.approved_at is not None


class CarerKind(models.TextChoices):
    """With whom the child is to live abroad; a parent's care is not a placement (Art. 33
    HC1996 covers foster families, institutions and kafala; Art. 82 Brussels IIb exempts it)."""

    PARENT = "parent", _("A parent")
    RELATIVE = "relative", _("Relatives (kinship care)")
    FOSTER_FAMILY = "foster_family", _("A foster family")
    INSTITUTION = "institution", _("Institutional care")
    KAFALA = "kafala", _("Kafala")


class PlacementAbroad(VersionedModel):
    """A placement of the child in another country, and the receiving state's consent (SG-07).

    One per case. It says where (`receiving_country`) and with whom the child is to live;
    when the law between this node's country and the receiving one asks for consent (HC1996
    Art. 33, Brussels IIb Art. 82; `kinlink.directory.framework`), the solution cannot be
    implemented until the consent is recorded: the authority that gave it, the date and the
    reference of its document. The exchange between nodes will later bring the consent from
    the peer node; until then it is recorded by hand.
    """

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="placement_abroad"
    )
    receiving_country = models.CharField(_("receiving country"), max_length=2)
    carer_kind = models.CharField(_("to live with"), max_length=15, choices=CarerKind.choices)
    consent_authority = models.CharField(
        _("consent given by (receiving authority)"), max_length=300, blank=True
    )
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_reference = models.CharField(
        _("reference of the consent document"), max_length=200, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("placement abroad")
        verbose_name_plural = _("placements abroad")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(consent_authority="")
                    & models.Q(consent_given_on__isnull=True)
                    & models.Q(consent_reference="")
                )
                | (
                    ~models.Q(consent_authority="")
                    & models.Q(consent_given_on__isnull=False)
                    & ~models.Q(consent_reference="")
                ),
                name="placement_consent_complete_or_absent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.receiving_country}"

    @property
    def consent_recorded(self) -> bool:
        return bool(self.consent_authority and self.consent_given_on and self.consent_reference)
