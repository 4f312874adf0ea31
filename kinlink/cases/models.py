"""The child's case: identity, people around the child, consent, assignment, emergency access."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kinlink.core.fields import EncryptedTextField
from kinlink.core.models import BaseModel, VersionedModel
from kinlink.core.translation import translated


class CaseType(models.TextChoices):
    UASC_HOST = "uasc_host", _("Unaccompanied or separated child in host country")
    RETURN_RECEIVING = "return_receiving", _("Returning child")
    LEFT_BEHIND = "left_behind", _("Child left behind")
    XB_PLACEMENT = "xb_placement", _("Cross-border placement")
    TRACING_ONLY = "tracing_only", _("Tracing only")
    SERVICE_REQUEST = "service_request", _("Single service request")


class Stage(models.TextChoices):
    """Where the case stands in the eight steps (domain.md §1.2); 1–8 then closure."""

    IDENTIFIED = "identified", _("Arrival and identification")
    IMMEDIATE_CARE = "immediate_care", _("Immediate support and care")
    ASSESSMENT = "assessment", _("Assessment")
    INTERIM_CARE = "interim_care", _("Temporary care in the host country")
    FAMILY_EVALUATION = "family_evaluation", _("Family located and evaluated")
    SOLUTION_DETERMINATION = "solution_determination", _("Sustainable solution determined")
    IMPLEMENTATION = "implementation", _("Solution implemented")
    FOLLOW_UP = "follow_up", _("Monitoring and follow-up")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    CLOSED = "closed", _("Closed")

    @classmethod
    def steps(cls) -> list[Stage]:
        """The eight steps of the methodology, in order."""
        return list(cls)[:8]


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Script(models.TextChoices):
    """ISO 15924 codes of the scripts names are most often written in."""

    ARAB = "Arab", _("Arabic")
    ETHI = "Ethi", _("Ge'ez (Ethiopic)")
    CYRL = "Cyrl", _("Cyrillic")
    PERSO = "Aran", _("Persian / Pashto (Nastaliq)")
    TFNG = "Tfng", _("Tifinagh")
    DEVA = "Deva", _("Devanagari")
    BENG = "Beng", _("Bengali")
    HANS = "Hans", _("Chinese")
    OTHER = "Zyyy", _("Other script")


class DobBasis(models.TextChoices):
    DOCUMENT = "document", _("Identity document")
    CHILD = "child", _("The child's own statement")
    RELATIVE = "relative", _("A relative's statement")
    AGE_ASSESSMENT = "age_assessment", _("Age assessment")
    ESTIMATE = "estimate", _("Caseworker's estimate")


class NationalityStatus(models.TextChoices):
    KNOWN = "known", _("Known")
    STATELESS = "stateless", _("Stateless")
    UNKNOWN = "unknown", _("Unknown")


class SeparationStatus(models.TextChoices):
    UNACCOMPANIED = "unaccompanied", _("Unaccompanied")
    SEPARATED = "separated", _("Separated")
    ACCOMPANIED = "accompanied", _("Accompanied")


class ReferralSource(models.TextChoices):
    BORDER_POLICE = "border_police", _("Border or police")
    RECEPTION = "reception", _("Reception centre")
    NGO = "ngo", _("Non-governmental organisation")
    PARTNER_ABROAD = "partner_abroad", _("Partner agency abroad")
    SCHOOL = "school", _("School")
    HEALTH = "health", _("Health service")
    COMMUNITY = "community", _("Community or family")
    SELF = "self", _("The child")
    OTHER = "other", _("Other")


class GuardianshipStatus(models.TextChoices):
    NONE = "none", _("Not needed")
    REQUESTED = "requested", _("Requested")
    APPOINTED = "appointed", _("Appointed")
    ENDED = "ended", _("Ended")


class AgeAssessmentStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed")
    REQUESTED = "requested", _("Requested")
    IN_PROGRESS = "in_progress", _("In progress")
    DECIDED = "decided", _("Decided")
    APPEALED = "appealed", _("Appealed")
    FINAL = "final", _("Final")


class LegalStatus(models.TextChoices):
    NONE = "none", _("No procedure")
    APPLIED = "applied", _("Applied, decision pending")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    APPEAL = "appeal", _("Under appeal")
    FINAL = "final", _("Final decision")


class TracingStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    FOUND = "found", _("Family found")
    VERIFIED = "verified", _("Relationship verified")
    REUNIFIED = "reunified", _("Reunified")
    CLOSED_NOT_FOUND = "closed_not_found", _("Closed: not found")


class ContactWish(models.TextChoices):
    """What the child said about contact with the family (the latest record of views)."""

    YES = "yes", _("Wants contact")
    NOT_SURE = "not_sure", _("Not sure")
    NO = "no", _("Does not want contact")


class Solution(models.TextChoices):
    RETURN = "return", _("Return to the country of origin")
    HOST = "host", _("Integration in the host country")
    THIRD_COUNTRY = "third_country", _("Placement in a third country")
    ADOPTION_KAFALA = "adoption_kafala", _("Adoption or kafala")


class Hold(models.TextChoices):
    """A pause of the case's step (cases.lifecycle): the step is kept and resumed."""

    MISSING = "missing", _("Missing")
    SUSPENDED = "suspended", _("Suspended")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")


class Case(VersionedModel):
    """One child's case at this node: the hub every other record hangs on.

    Names are kept as the child writes them (original script, with the script recorded) and as
    the caseworker spells them in Latin letters. `name_index` holds the normalised keys of all
    of them and the aliases, refreshed by every service that writes a name.
    """

    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="cases", verbose_name=_("team")
    )
    lead_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_cases",
        verbose_name=_("lead caseworker"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    given_name = models.CharField(_("given name (Latin letters)"), max_length=100)
    family_name = models.CharField(_("family name (Latin letters)"), max_length=100, blank=True)
    given_name_original = models.CharField(
        _("given name (original script)"), max_length=100, blank=True
    )
    family_name_original = models.CharField(
        _("family name (original script)"), max_length=100, blank=True
    )
    original_script = models.CharField(
        _("original script"), max_length=4, choices=Script.choices, blank=True
    )
    aliases = models.JSONField(_("other names"), default=list, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    dob_estimated = models.BooleanField(_("date of birth is estimated"), default=False)
    dob_basis = models.CharField(
        _("basis of the date of birth"), max_length=20, choices=DobBasis.choices, blank=True
    )
    age_estimate = models.PositiveSmallIntegerField(
        _("estimated age (years)"), null=True, blank=True
    )
    age_disputed = models.BooleanField(_("age disputed"), default=False)
    nationality_status = models.CharField(
        _("nationality status"),
        max_length=10,
        choices=NationalityStatus.choices,
        default=NationalityStatus.KNOWN,
    )
    nationalities = models.JSONField(_("nationalities"), default=list, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    country_of_origin = models.CharField(_("country of origin"), max_length=2, blank=True)
    place_of_origin = models.CharField(_("place of origin"), max_length=200, blank=True)
    current_location = models.CharField(_("current location"), max_length=200, blank=True)

    case_type = models.CharField(_("case type"), max_length=20, choices=CaseType.choices)
    separation_status = models.CharField(
        _("separation status"), max_length=15, choices=SeparationStatus.choices
    )
    referral_source = models.CharField(
        _("referred by"), max_length=20, choices=ReferralSource.choices
    )
    referral_date = models.DateField(_("referral date"))
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    first_response_due_at = models.DateTimeField(_("first response due"))
    first_response_at = models.DateTimeField(_("first response given"), null=True, blank=True)
    # Set once by the deadline job: when it found the first response overdue (the lead was
    # told) and, for a high-risk case, when it escalated it to the supervisors (SG-17).
    first_response_overdue_since = models.DateTimeField(null=True, blank=True)
    first_response_escalated_at = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(
        _("step"), max_length=25, choices=Stage.choices, default=Stage.IDENTIFIED
    )
    # Lifecycle (cases.lifecycle): a hold pauses the step; the previous step is where a
    # sent-back closure or a resumed case returns to.
    hold = models.CharField(_("on hold"), max_length=20, choices=Hold.choices, blank=True)
    hold_reason = EncryptedTextField(_("reason for the hold"), max_length=2000, blank=True)
    previous_stage = models.CharField(max_length=25, choices=Stage.choices, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    reopened_at = models.DateTimeField(_("reopened on"), null=True, blank=True)
    # Retention (cases.retention) counts from the approval of the latest closure; a reopened
    # case has none until it is closed again. An anonymised case keeps only what statistics use.
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised on"), null=True, blank=True)
    # Summary facts of the parallel tracks, kept by the apps that own the records
    # (through `cases.services.case_facts_update`) so that every safeguard can read them.
    guardianship_status = models.CharField(
        _("guardianship"),
        max_length=12,
        choices=GuardianshipStatus.choices,
        default=GuardianshipStatus.NONE,
    )
    age_assessment_status = models.CharField(
        _("age assessment"),
        max_length=12,
        choices=AgeAssessmentStatus.choices,
        default=AgeAssessmentStatus.NOT_NEEDED,
    )
    legal_status = models.CharField(
        _("legal status"), max_length=10, choices=LegalStatus.choices, default=LegalStatus.NONE
    )
    # An asylum or protection claim lodged and not refused: the authorities of the country of
    # origin are not contacted without a recorded reason (SG-09).
    protection_sought = models.BooleanField(_("international protection sought"), default=False)
    tracing_status = models.CharField(
        _("tracing"),
        max_length=20,
        choices=TracingStatus.choices,
        default=TracingStatus.NOT_STARTED,
    )
    tracing_started_on = models.DateField(_("tracing started on"), null=True, blank=True)
    child_views_recorded_at = models.DateTimeField(
        _("child's views last recorded"), null=True, blank=True
    )
    decided_solution = models.CharField(
        _("decided solution"), max_length=20, choices=Solution.choices, blank=True
    )
    trafficking_reflection_until = models.DateField(
        _("trafficking reflection period until"), null=True, blank=True
    )
    # The latest family verification confirmed the relationship and the willingness of the
    # child and the adult (SG-10); an approved exception to the guardian rule (SG-03); what
    # the child last said about contact with the family (SG-15).
    family_verified_at = models.DateTimeField(_("family verified"), null=True, blank=True)
    guardian_exception_at = models.DateTimeField(
        _("decisions without a guardian approved"), null=True, blank=True
    )
    child_wants_family_contact = models.CharField(
        _("the child's wish about family contact"),
        max_length=10,
        choices=ContactWish.choices,
        blank=True,
    )
    # Set by the daily deadline job when the 18th birthday is near (SG-14).
    ageing_out_since = models.DateField(_("ageing out since"), null=True, blank=True)
    name_index = models.TextField(default="", editable=False)

    # Values that name, date or place the child: the append-only audit trail keeps that they
    # changed, never what they were, so that retention can erase them (audit.services).
    personal_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "given_name",
            "family_name",
            "given_name_original",
            "family_name_original",
            "aliases",
            "date_of_birth",
            "place_of_origin",
            "current_location",
        }
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["agency", "stage"], name="case_agency_stage"),
            models.Index(fields=["lead_caseworker", "-created_at"], name="case_lead_recent"),
            models.Index(fields=["team", "-created_at"], name="case_team_recent"),
            models.Index(fields=["first_response_due_at"], name="case_response_due"),
            models.Index(fields=["stage", "closed_at"], name="case_stage_closed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_estimate__isnull=True) | models.Q(age_estimate__lte=25),
                name="case_age_estimate_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def display_name(self) -> str:
        if self.anonymised_at and not self.given_name:
            return str(_("Anonymised case"))
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @property
    def original_name(self) -> str:
        return " ".join(p for p in (self.given_name_original, self.family_name_original) if p)

    def age_on(self, day: date) -> int | None:
        """Age in whole years: from the date of birth, or the estimate aged since referral."""
        if self.date_of_birth:
            dob = self.date_of_birth
            return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
        if self.age_estimate is not None:
            return self.age_estimate + max(0, (day - self.referral_date).days // 365)
        return None

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())

    @property
    def is_overdue(self) -> bool:
        return self.first_response_at is None and self.first_response_due_at < timezone.now()

    @property
    def step_number(self) -> int | None:
        steps = Stage.steps()
        return steps.index(Stage(self.stage)) + 1 if self.stage in steps else None


class CaseSequence(models.Model):
    """The last readable reference number given per prefix and year."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="case_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class AssignmentRole(models.TextChoices):
    COWORKER = "coworker", _("Co-worker")
    GUARDIAN = "guardian", _("Guardian / person of reference")
    PANEL = "panel", _("Best-interests panel")
    CA_LIAISON = "ca_liaison", _("Central-authority liaison")


class CaseAssignment(BaseModel):
    """A person other than the lead who works on the case and therefore sees it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments"
    )
    role = models.CharField(max_length=12, choices=AssignmentRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user", "role"], name="assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.role}"


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    SISTER = "sister", _("Sister")
    BROTHER = "brother", _("Brother")
    GRANDMOTHER = "grandmother", _("Grandmother")
    GRANDFATHER = "grandfather", _("Grandfather")
    AUNT = "aunt", _("Aunt")
    UNCLE = "uncle", _("Uncle")
    COUSIN = "cousin", _("Cousin")
    OTHER_FAMILY = "other_family", _("Other family")
    CARER = "carer", _("Carer (not family)")
    GUARDIAN = "guardian", _("Guardian / person of reference")
    OTHER = "other", _("Other")


class Person(BaseModel):
    """Someone in a child's life; one person may be linked to several cases in several roles."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+")
    full_name = models.CharField(_("full name (Latin letters)"), max_length=200)
    full_name_original = models.CharField(
        _("full name (original script)"), max_length=200, blank=True
    )
    country = models.CharField(_("country of residence"), max_length=2, blank=True)
    contact = models.CharField(_("contact (phone, address)"), max_length=300, blank=True)

    personal_fields: ClassVar[frozenset[str]] = frozenset(
        {"full_name", "full_name_original", "contact"}
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name


class CasePerson(BaseModel):
    """A person's link to one case: how they are related and what they do for the child."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="case_links")
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    is_carer = models.BooleanField(_("currently cares for the child"), default=False)
    is_guardian = models.BooleanField(_("guardian / person of reference"), default=False)
    # A brother or sister living with the child (or in care with them): a solution that
    # moves the child needs a decision on keeping them together (SG-13).
    lives_with_child = models.BooleanField(_("lives with the child"), default=False)
    notes = EncryptedTextField(_("notes"), max_length=2000, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.person} ({self.relationship})"


class ConsentGiver(models.TextChoices):
    CHILD = "child", _("The child (assent)")
    PARENT = "parent", _("Parent")
    GUARDIAN = "guardian", _("Guardian / person of reference")
    CARER = "carer", _("Carer")
    OTHER = "other", _("Other")


class ConsentScope(models.TextChoices):
    SERVICES = "services", _("Case management and services")
    TRACING = "tracing", _("Family tracing")
    SHARING = "sharing", _("Sharing with partner agencies abroad")
    REPORTING = "reporting", _("Use in anonymous statistics")


class LegalBasis(models.TextChoices):
    VITAL_INTERESTS = "vital_interests", _("Vital interests of the child (urgent protection)")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation or court order")
    PUBLIC_TASK = "public_task", _("Public-interest task of the agency")
    CHILD_NOT_ABLE = "child_not_able", _("The child cannot yet give assent; guardian pending")


class Consent(BaseModel):
    """Consent or assent given to the agency, or the recorded reason to act without it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    given_by = models.CharField(
        _("given by"), max_length=10, choices=ConsentGiver.choices, blank=True
    )
    given_by_name = models.CharField(_("name of who gave it"), max_length=200, blank=True)
    scopes = models.JSONField(_("covers"), default=list, blank=True)
    given_on = models.DateField(_("date"), default=timezone.localdate)
    language = models.CharField(_("language used"), max_length=3, blank=True)
    legal_basis = models.CharField(
        _("legal basis for acting without consent"),
        max_length=20,
        choices=LegalBasis.choices,
        blank=True,
    )
    reason_without_consent = EncryptedTextField(
        _("why consent could not be obtained"), max_length=2000, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    personal_fields: ClassVar[frozenset[str]] = frozenset({"given_by_name"})

    class Meta:
        ordering = ["-given_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(given_by="") | ~models.Q(legal_basis=""),
                name="consent_or_legal_basis",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.given_by or self.legal_basis}"

    @property
    def without_consent(self) -> bool:
        return not self.given_by


class BreakGlassGrant(BaseModel):
    """An emergency access to a case outside one's scope: a written reason, three hours."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass_grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=2000)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"], name="break_glass_active")]

    def __str__(self) -> str:
        return f"{self.case} · {self.expires_at:%Y-%m-%d %H:%M}"


class MissingReport(VersionedModel):
    """The child reported missing (T15): when last seen, and which police or authority was told,
    when. Recording it puts the case on hold (missing) and alerts the supervisors and the
    guardian; resuming the case marks the child found. One open report per case.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="missing_reports")
    last_seen_at = models.DateTimeField(_("last seen"))
    circumstances = EncryptedTextField(_("where and how the child went missing"), max_length=2000)
    authority = models.CharField(_("police or authority notified"), max_length=200)
    notified_at = models.DateTimeField(_("notified on"))
    authority_reference = models.CharField(
        _("their reference (report number)"), max_length=100, blank=True
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField(_("found on"), null=True, blank=True)

    class Meta:
        verbose_name = _("missing-child report")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(found_at__isnull=True),
                name="missing_one_open_report_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.notified_at:%Y-%m-%d}"


class TaskKind(models.TextChoices):
    GUARDIAN = "guardian", _("Guardian appointment")
    ASSESSMENT = "assessment", _("Assessment")
    SUPPORT_PLAN = "support_plan", _("Support plan")
    LEGAL_DEADLINE = "legal_deadline", _("Legal-status deadline")
    ACTION = "action", _("Action plan task")
    FOLLOW_UP = "follow_up", _("Follow-up visit")
    TRANSITION_PLAN = "transition_plan", _("Transition to adulthood plan")
    RISK_REVIEW = "risk_review", _("Risk review")
    OTHER = "other", _("Other")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Task(VersionedModel):
    """Something someone must do for the child by a date: here or by a partner abroad.

    `overdue` is kept by the scheduled deadline job so that lists and dashboards need no date
    arithmetic; `source_id` points at the record that opened the task (a goal, a visit…).

    A title the system wrote is its English message id, with `title_params` (a dict, perhaps
    empty): `display_title` translates it into the reader's language. A title a person typed has
    no parameters (None) and is shown as typed.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    title = models.CharField(_("task"), max_length=300)
    title_params = models.JSONField(null=True, blank=True, default=None)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("owner"),
    )
    partner_agency = models.CharField(
        _("partner agency abroad"),
        max_length=200,
        blank=True,
        help_text=_("When the task is done by an agency in another country."),
    )
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    overdue = models.BooleanField(default=False)
    escalated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="task_open_due"),
            models.Index(fields=["owner", "status"], name="task_owner_status"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title in the reader's language (as typed, when a person typed it)."""
        if self.title_params is None:
            return self.title
        return translated(self.title, self.title_params)


class ApprovalSubject(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    SUPPORT_PLAN = "support_plan", _("Individual support plan")
    BID_SUBMISSION = "bid_submission", _("Best-interests submission")
    ACTION_PLAN = "action_plan", _("Action plan")
    CLOSURE = "closure", _("Closure")
    SIBLING_SEPARATION = "sibling_separation", _("Separation of siblings")
    GUARDIAN_EXCEPTION = "guardian_exception", _("Decisions without a guardian")
    CROSS_BORDER = "cross_border", _("Cross-border request")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Sent back")


class Approval(VersionedModel):
    """A request that a supervisor approves or sends back with comments.

    The subject record is named by `subject` and `object_id`; what approval changes in it is
    done by the handler its app registers (`cases.workflow.approval_handler`). One decision
    only: a second supervisor deciding at the same moment finds it already decided.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    subject = models.CharField(_("subject"), max_length=20, choices=ApprovalSubject.choices)
    object_id = models.UUIDField()
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comments = EncryptedTextField(_("comments"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "object_id"],
                condition=models.Q(status="pending"),
                name="one_pending_approval_per_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.subject}"
