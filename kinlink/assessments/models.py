"""Assessments and decisions of a child's case (steps 3, 5 and 6; domain.md §2.4–2.5).

Each record hangs on a `cases.Case`; what other apps need to know of it (views recorded, age
assessment status, tracing status, decided solution, reflection period) is copied onto the
case as a summary fact by the services, so that safeguards anywhere can read it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import (
    AgeAssessmentStatus,
    Case,
    ContactWish,
    Relationship,
    RiskLevel,
    Solution,
    TracingStatus,
)
from kinlink.core.fields import EncryptedTextField
from kinlink.core.models import BaseModel, VersionedModel
from kinlink.directory.reference import language_name

TEXT = 4000


class ViewsMethod(models.TextChoices):
    INTERVIEW = "interview", _("Interview")
    DRAWING = "drawing", _("Drawing or play")
    TRUSTED_ADULT = "trusted_adult", _("Through a trusted adult")
    OTHER = "other", _("Other")


class ChildViews(BaseModel):
    """What the child said, how and to whom: read by every later decision (SG-04).

    Never edited: a child's changed wishes are a new record, so decisions keep what they
    weighed.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="child_views")
    heard_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=15, choices=ViewsMethod.choices)
    language = models.CharField(_("language"), max_length=3)
    interpreter_name = models.CharField(_("interpreter"), max_length=200, blank=True)
    present = EncryptedTextField(_("who was present"), max_length=1000, blank=True)
    wishes_family_contact = EncryptedTextField(
        _("wishes on contact with the family"), max_length=TEXT, blank=True
    )
    wants_family_contact = models.CharField(
        _("does the child want contact with the family?"),
        max_length=10,
        choices=ContactWish.choices,
        blank=True,
    )
    wishes_return = EncryptedTextField(_("wishes on return"), max_length=TEXT, blank=True)
    wishes_care = EncryptedTextField(_("wishes on care"), max_length=TEXT, blank=True)
    wishes_school = EncryptedTextField(_("wishes on school"), max_length=TEXT, blank=True)
    wishes_future = EncryptedTextField(_("wishes for the future"), max_length=TEXT, blank=True)
    maturity_note = EncryptedTextField(_("age and maturity"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("child's views")
        verbose_name_plural = _("child's views")
        ordering = ["-heard_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.heard_on}"

    @property
    def language_label(self) -> str:
        return language_name(self.language)


class AssessmentKind(models.TextChoices):
    INITIAL = "initial", _("Initial assessment")
    COMPREHENSIVE = "comprehensive", _("Comprehensive assessment (best-interests assessment)")


class Assessment(VersionedModel):
    """An initial or comprehensive assessment (BIA), approved by a supervisor who is not its
    author; editable by its author's team until it is sent for approval."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    kind = models.CharField(_("kind"), max_length=15, choices=AssessmentKind.choices)
    safety = EncryptedTextField(_("safety"), max_length=TEXT, blank=True)
    care = EncryptedTextField(_("care"), max_length=TEXT, blank=True)
    health = EncryptedTextField(_("health"), max_length=TEXT, blank=True)
    psychosocial = EncryptedTextField(_("psychosocial wellbeing"), max_length=TEXT, blank=True)
    education = EncryptedTextField(_("education"), max_length=TEXT, blank=True)
    legal_status = EncryptedTextField(_("legal status and documents"), max_length=TEXT, blank=True)
    family_links = EncryptedTextField(_("family and community links"), max_length=TEXT, blank=True)
    journey = EncryptedTextField(
        _("journey and exploitation indicators"), max_length=TEXT, blank=True
    )
    strengths = EncryptedTextField(_("strengths"), max_length=TEXT, blank=True)
    recommendation = EncryptedTextField(_("recommendation"), max_length=TEXT)
    completed_on = models.DateField(_("completed on"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    submitted_at = models.DateTimeField(_("sent for approval"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-completed_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.kind} · {self.completed_on}"


class RiskReassessment(BaseModel):
    """A revised risk level with its reasons and the date of the next review (a task)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_reviews")
    previous_level = models.CharField(_("previous level"), max_length=10, choices=RiskLevel.choices)
    new_level = models.CharField(_("new risk level"), max_length=10, choices=RiskLevel.choices)
    reasons = EncryptedTextField(_("reasons"), max_length=TEXT)
    next_review_on = models.DateField(_("next review"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("risk reassessment")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.new_level}"


class AgeMethod(models.TextChoices):
    """Least intrusive first: a medical examination only as the last resort (SG-02)."""

    DOCUMENTS = "documents", _("Documents")
    INTERVIEW = "interview", _("Interview and psychosocial assessment")
    MEDICAL = "medical", _("Medical examination (last resort)")


class AgeAssessment(VersionedModel):
    """An age assessment on serious doubt only, with the consent of the child and guardian.

    The age recorded is the lowest of the range (benefit of the doubt); the child is a child
    until the result is final (SG-02).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="age_assessments")
    reason_for_doubt = EncryptedTextField(_("reason for serious doubt"), max_length=TEXT)
    child_consent = models.BooleanField(_("the child consented"), default=False)
    guardian_consent = models.BooleanField(_("the guardian consented"), default=False)
    methods = models.JSONField(_("methods, in the order used"), default=list)
    assessors = models.TextField(_("assessors (name, profession)"), max_length=2000)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AgeAssessmentStatus.choices,
        default=AgeAssessmentStatus.REQUESTED,
    )
    age_min = models.PositiveSmallIntegerField(_("lowest age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("highest age"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    notes = EncryptedTextField(_("notes (appeal, notification)"), max_length=TEXT, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("age assessment")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_min__lte=models.F("age_max")),
                name="age_assessment_range_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.status}"

    @property
    def recorded_age(self) -> int | None:
        return self.age_min

    def get_methods_display(self) -> list[str]:
        return [str(AgeMethod(m).label) for m in self.methods if m in AgeMethod.values]


class TracingStatusChange(BaseModel):
    """A step of the tracing track, with the do-no-harm check made on every move that involves
    contact (SG-11); a closure as not found is dated, for the adoption rule (SG-06)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tracing_changes")
    previous_status = models.CharField(max_length=20, choices=TracingStatus.choices)
    status = models.CharField(_("tracing status"), max_length=20, choices=TracingStatus.choices)
    tracing_targets = EncryptedTextField(_("whom we trace"), max_length=2000, blank=True)
    alleged_abusers = EncryptedTextField(
        _("people flagged as alleged abusers or exploiters"), max_length=2000, blank=True
    )
    do_no_harm_confirmed = models.BooleanField(default=False)
    note = EncryptedTextField(_("note"), max_length=2000, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("tracing status change")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.status}"


class FamilyVerification(BaseModel):
    """The verification of a family link before any reunification (SG-10): who the adult is,
    how the relationship was verified and by whom, whether the information of the child and
    the adult matches, and whether both want to live together.

    Never edited: a later verification is a new record, and the latest counts. Only a
    verification that confirms all of it lets tracing reach "reunified" and a return go ahead.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="family_verifications")
    adult_name = models.CharField(_("adult the child would live with"), max_length=200)
    relationship = models.CharField(
        _("relationship to the child"), max_length=20, choices=Relationship.choices
    )
    how_verified = EncryptedTextField(_("how the relationship was verified"), max_length=TEXT)
    verified_by = models.CharField(_("verified by (name and agency)"), max_length=200)
    verified_on = models.DateField(_("verified on"))
    relationship_confirmed = models.BooleanField(_("the relationship is confirmed"), default=False)
    information_matches = models.BooleanField(
        _("what the child and the adult say matches"), default=False
    )
    child_willing = models.BooleanField(_("the child wants to live with this adult"), default=False)
    adult_willing = models.BooleanField(
        _("the adult wants and is able to care for the child"), default=False
    )
    notes = EncryptedTextField(_("notes"), max_length=TEXT, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    personal_fields: ClassVar[frozenset[str]] = frozenset({"adult_name"})

    class Meta:
        verbose_name = _("family verification")
        ordering = ["-verified_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.verified_on}"

    @property
    def link_verified(self) -> bool:
        return self.relationship_confirmed and self.information_matches

    @property
    def confirmed(self) -> bool:
        return self.link_verified and self.child_willing and self.adult_willing


class FamilyRecommendation(models.TextChoices):
    REUNIFICATION = "reunification", _("Reunification")
    WITH_SUPPORT = "with_support", _("Reunification with support")
    FURTHER_TRACING = "further_tracing", _("Further tracing")
    ALTERNATIVE_CARE = "alternative_care", _("Alternative care")
    NOT_RECOMMENDED = "not_recommended", _("Reunification not recommended")


class FamilyEvaluation(BaseModel):
    """The evaluation of a located family and home (step 5), by a social worker on site."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="family_evaluations")
    who_was_met = EncryptedTextField(_("who was met"), max_length=2000)
    home_conditions = EncryptedTextField(_("home conditions"), max_length=TEXT)
    capacity = EncryptedTextField(_("capacity and willingness to care"), max_length=TEXT)
    risks = EncryptedTextField(_("risks"), max_length=TEXT, blank=True)
    evaluator_name = models.CharField(_("evaluator"), max_length=200)
    evaluator_agency = models.CharField(_("evaluator's agency"), max_length=200)
    evaluated_on = models.DateField(_("date of the evaluation"))
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=FamilyRecommendation.choices
    )
    # Recorded by a caseworker here, or received from the partner agency abroad that made it.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_from = models.CharField(_("received from"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("family evaluation")
        ordering = ["-evaluated_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.evaluated_on}"


class BIDStatus(models.TextChoices):
    OPEN = "open", _("Being prepared")
    DECIDED = "decided", _("Decided")
    DEFERRED = "deferred", _("Deferred")
    # A review of the solution or a reopening decides again: the old decision no longer counts.
    SUPERSEDED = "superseded", _("Superseded by a review")


class BestInterestsDetermination(VersionedModel):
    """A best-interests determination (step 6): options, a panel, a reasoned decision.

    The report and its options are submitted to a supervisor, who approves the submission;
    the decision is then taken, at the solution-determination step, by a supervisor who wrote
    neither the report nor an approved assessment, before a quorate panel whose members
    declared no conflict and signed confidentiality, with the child heard, the weight given to
    their views written, the child informed, and a review date set (SG-04, SG-08). A review of
    the solution or a reopening supersedes the decision.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="bids")
    report = EncryptedTextField(_("report"), max_length=20000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("report author"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BIDStatus.choices, default=BIDStatus.OPEN
    )
    solution = models.CharField(
        _("chosen solution"), max_length=20, choices=Solution.choices, blank=True
    )
    reasons = EncryptedTextField(_("reasons"), max_length=TEXT, blank=True)
    views_weighed = EncryptedTextField(
        _("how the child's views were weighed"), max_length=TEXT, blank=True
    )
    dissent = EncryptedTextField(_("dissent"), max_length=TEXT, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    child_informed_on = models.DateField(_("child informed on"), null=True, blank=True)
    child_informed_language = models.CharField(
        _("language the child was informed in"), max_length=3, blank=True
    )
    review_on = models.DateField(_("review date"), null=True, blank=True)
    deferral_reason = EncryptedTextField(_("reason for deferral"), max_length=TEXT, blank=True)
    submission_approved_at = models.DateTimeField(_("submission approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("best-interests determination")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.status}"

    @property
    def language_label(self) -> str:
        return language_name(self.child_informed_language) if self.child_informed_language else ""


class BIDOption(BaseModel):
    """One solution the determination weighs, with the child's and guardian's view of it."""

    bid = models.ForeignKey(
        BestInterestsDetermination, on_delete=models.CASCADE, related_name="options"
    )
    solution = models.CharField(_("solution"), max_length=20, choices=Solution.choices)
    pros = EncryptedTextField(_("for"), max_length=TEXT, blank=True)
    cons = EncryptedTextField(_("against"), max_length=TEXT, blank=True)
    risks = EncryptedTextField(_("risks"), max_length=TEXT, blank=True)
    child_view = EncryptedTextField(_("the child's view"), max_length=TEXT, blank=True)
    guardian_view = EncryptedTextField(_("the guardian's view"), max_length=TEXT, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "solution"], name="bid_option_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bid} · {self.solution}"


class BIDPanelMember(BaseModel):
    """A member of the panel: a user of the node or an outside expert, named."""

    bid = models.ForeignKey(
        BestInterestsDetermination, on_delete=models.CASCADE, related_name="panel_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("member (user)"),
    )
    external_name = models.CharField(_("member (outside expert)"), max_length=200, blank=True)
    function = models.CharField(_("function"), max_length=200)
    agency = models.CharField(_("agency"), max_length=200)
    no_conflict_declared = models.BooleanField(_("declared no conflict of interest"), default=False)
    confidentiality_signed = models.BooleanField(_("signed confidentiality"), default=False)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(external_name=""),
                name="bid_member_named",
            ),
            # A panel member counts once towards the quorum (SG-08).
            models.UniqueConstraint(
                fields=["bid", "user"],
                condition=models.Q(user__isnull=False),
                name="bid_member_user_unique",
            ),
            models.UniqueConstraint(
                "bid",
                Lower("external_name"),
                condition=~models.Q(external_name=""),
                name="bid_member_external_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.user.full_name if self.user else self.external_name

    @property
    def eligible(self) -> bool:
        return self.no_conflict_declared and self.confidentiality_signed


class TraffickingConcern(BaseModel):
    """Suspected trafficking, referred to the national referral mechanism; the reflection
    period that follows blocks any return or transfer plan (SG-19)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="trafficking_concerns")
    indicators = EncryptedTextField(_("indicators"), max_length=TEXT)
    referred_on = models.DateField(_("referred to the national referral mechanism on"))
    referred_to = models.CharField(_("referred to"), max_length=200)
    reflection_until = models.DateField(_("reflection period until"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("trafficking concern")
        ordering = ["-referred_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.referred_on}"
