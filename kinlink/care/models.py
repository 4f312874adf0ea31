"""Where and with whom the child lives, who represents the child, the individual support plan
and the legal-status procedures (domain.md §2.2, §2.6; steps 2 and 4 of the methodology).

Detention is never a care option (SG-01): it exists only as a `DetentionRecord`, an incident
that alerts the supervisors and the guardian.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import LegalStatus
from kinlink.core.fields import EncryptedTextField
from kinlink.core.models import VersionedModel

# What a crafted form may send as a care type and must be refused (SG-01).
DETENTION = "detention"


class CareType(models.TextChoices):
    """Where the child may be cared for. Detention is deliberately absent (SG-01)."""

    PARENTS = "parents", _("Parents")
    STEP_PARENT = "step_parent", _("Step-parent")
    CUSTOMARY = "customary", _("Customary caregiver")
    ADULT_SIBLING = "adult_sibling", _("Adult sibling")
    KINSHIP = "kinship", _("Kinship or extended family")
    FOSTER = "foster", _("Foster care")
    RESIDENTIAL = "residential", _("Residential care")
    RECEPTION = "reception", _("Reception centre")
    KAFALA = "kafala", _("Kafala")
    INDEPENDENT = "independent", _("Supervised independent living")
    UNRELATED_ADULT = "unrelated_adult", _("Unrelated adult")
    OTHER = "other", _("Other")


class CareLegalBasis(models.TextChoices):
    COURT_ORDER = "court_order", _("Court order")
    ADMINISTRATIVE = "administrative", _("Administrative measure")
    INFORMAL = "informal", _("Informal arrangement")


class CareEndReason(models.TextChoices):
    MOVED = "moved", _("The child moved to another arrangement")
    ABUSE = "abuse", _("Abuse or exploitation")
    BREAKDOWN = "breakdown", _("Relationship breakdown")
    CARER_UNABLE = "carer_unable", _("The carer can no longer care for the child")
    REUNIFICATION = "reunification", _("Reunification with the family")
    ABSCONDED = "absconded", _("The child left")
    AGE = "age", _("The child came of age")
    OTHER = "other", _("Other")


class CareArrangement(VersionedModel):
    """Where and with whom the child lives, from a start date until an end date.

    At most one arrangement of a case is current (no end date); starting a new one ends the
    current one on the new start date, so the history has no gap and no overlap.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="care_arrangements"
    )
    care_type = models.CharField(_("type of care"), max_length=20, choices=CareType.choices)
    carer_name = models.CharField(_("carer or facility"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    country = models.CharField(_("country"), max_length=2)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=CareLegalBasis.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason for the end"), max_length=20, choices=CareEndReason.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    personal_fields: ClassVar[frozenset[str]] = frozenset({"carer_name", "address"})

    class Meta:
        verbose_name = _("care arrangement")
        verbose_name_plural = _("care arrangements")
        ordering = ["-start_date", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(end_date__isnull=True),
                name="care_one_current_arrangement",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="care_arrangement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(care_type=DETENTION), name="care_type_never_detention"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.care_type} · {self.start_date}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class DetentionRecord(VersionedModel):
    """An incident: the child held in detention or a closed facility (SG-01).

    Never a care option. Recording one alerts the case's supervisors and every guardian
    assigned to the case; the record stays highlighted on the case page until it has ended.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="detentions")
    place = models.CharField(_("place of detention"), max_length=300)
    authority = models.CharField(_("detaining authority"), max_length=200)
    started_on = models.DateField(_("detained since"))
    ended_on = models.DateField(_("released on"), null=True, blank=True)
    notes = EncryptedTextField(_("notes"), max_length=4000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("detention record")
        verbose_name_plural = _("detention records")
        ordering = ["-started_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="detention_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.started_on}"


class GuardianshipState(models.TextChoices):
    """One term of guardianship: requested, then appointed, then replaced or ended."""

    REQUESTED = "requested", _("Requested")
    APPOINTED = "appointed", _("Appointed")
    REPLACED = "replaced", _("Replaced")
    ENDED = "ended", _("Ended")


CURRENT_GUARDIANSHIP = (GuardianshipState.REQUESTED, GuardianshipState.APPOINTED)


class GuardianLegalBasis(models.TextChoices):
    COURT_ORDER = "court_order", _("Court order")
    ADMINISTRATIVE = "administrative", _("Administrative decision")
    BY_LAW = "by_law", _("By operation of law")


class GuardianshipEndReason(models.TextChoices):
    ADULTHOOD = "adulthood", _("The child turned 18")
    REUNIFICATION = "reunification", _("Reunification with a parent")
    REPLACED = "replaced", _("Replaced by another guardian")
    TRANSFER = "transfer", _("The child moved to another jurisdiction")
    NOT_NEEDED = "not_needed", _("No longer needed")
    OTHER = "other", _("Other")


class Guardianship(VersionedModel):
    """One term of a guardian or person of reference for the child (SG-03).

    A term starts as a request (automatically for an unaccompanied child at registration, by
    hand for a separated child), becomes an appointment, and ends replaced or ended. At most
    one term of a case is current (requested or appointed). A guardian who is a Kinlink user
    is assigned to the case, so that she sees it, for as long as her term lasts.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="guardianships")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=GuardianshipState.choices,
        default=GuardianshipState.REQUESTED,
    )
    requested_on = models.DateField(_("requested on"))
    guardian_name = models.CharField(_("guardian's name"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    appointing_authority = models.CharField(_("appointing authority"), max_length=200, blank=True)
    legal_basis = models.CharField(
        _("legal basis"), max_length=20, choices=GuardianLegalBasis.choices, blank=True
    )
    appointed_on = models.DateField(_("appointed on"), null=True, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guardianships",
        verbose_name=_("Kinlink account"),
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason for the end"), max_length=20, choices=GuardianshipEndReason.choices, blank=True
    )
    end_note = EncryptedTextField(_("note on the end"), max_length=2000, blank=True)

    personal_fields: ClassVar[frozenset[str]] = frozenset({"guardian_name"})

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        ordering = ["-requested_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=["requested", "appointed"]),
                name="care_one_current_guardianship",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.status}"


class FamilyContact(models.TextChoices):
    """How the support plan arranges contact with the family (SG-15)."""

    FACILITATED = "facilitated", _("Facilitated")
    SUPERVISED = "supervised", _("Supervised")
    RESTRICTED = "restricted", _("Restricted")
    NONE = "none", _("No contact")


# A plan that keeps the child from the family: it needs a reason, and a logged acknowledgement
# when the child wants contact.
RESTRICTING_CONTACT = frozenset({FamilyContact.RESTRICTED, FamilyContact.NONE})


class SupportPlan(VersionedModel):
    """The child's individual support plan (step 4): one per case, reviewed over time.

    It is approved by a supervisor through a cases `Approval`, only once the child's views are
    on record (SG-04). Changing an approved plan withdraws the approval: the new version needs
    its own. Its contact plan says how the child keeps in touch with the family; restricting
    contact needs a reason and, against the child's wish, an acknowledged warning (SG-15).
    """

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="support_plan")
    concerns = EncryptedTextField(_("protection concerns addressed"), max_length=4000)
    child_participation = EncryptedTextField(
        _("how the child took part"), max_length=2000, blank=True
    )
    review_on = models.DateField(_("next review"))
    family_contact = models.CharField(
        _("contact with the family"),
        max_length=12,
        choices=FamilyContact.choices,
        default=FamilyContact.FACILITATED,
    )
    contact_plan = EncryptedTextField(
        _("how contact with the family happens"), max_length=2000, blank=True
    )
    contact_restriction_reason = EncryptedTextField(
        _("why contact is restricted"), max_length=2000, blank=True
    )
    contact_warning_acknowledged_at = models.DateTimeField(null=True, blank=True)
    contact_warning_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")

    def __str__(self) -> str:
        return f"{self.case} · {_('support plan')}"

    @property
    def is_pending(self) -> bool:
        return self.submitted_at is not None and self.approved_at is None


class GoalArea(models.TextChoices):
    CARE = "care", _("Care")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    LEGAL_STATUS = "legal_status", _("Legal status")
    FAMILY_CONTACT = "family_contact", _("Family contact")
    LEISURE = "leisure", _("Leisure")


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Achieved")


class Goal(VersionedModel):
    """One goal of the support plan: an owner, a due date, and a task until it is achieved."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="goals")
    area = models.CharField(_("area"), max_length=20, choices=GoalArea.choices)
    description = models.TextField(_("goal"), max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.OPEN
    )
    completed_on = models.DateField(_("achieved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["due_on", "created_at"]

    def __str__(self) -> str:
        return f"{self.area} · {self.due_on}"


class ProcedureType(models.TextChoices):
    ASYLUM = "asylum", _("Asylum")
    SUBSIDIARY = "subsidiary", _("Subsidiary protection")
    RESIDENCE = "residence", _("Residence permit")
    STATELESSNESS = "statelessness", _("Statelessness determination")
    BIRTH_REGISTRATION = "birth_registration", _("Birth registration")
    NATIONALITY_DOCUMENTS = "nationality_documents", _("Nationality documents")
    FAMILY_REUNIFICATION = "family_reunification", _("Family reunification")
    OTHER = "other", _("Other")


class ProcedureStatus(models.TextChoices):
    """The states of one procedure; the same values as the case's `LegalStatus` fact."""

    APPLIED = LegalStatus.APPLIED.value, LegalStatus.APPLIED.label
    GRANTED = LegalStatus.GRANTED.value, LegalStatus.GRANTED.label
    REFUSED = LegalStatus.REFUSED.value, LegalStatus.REFUSED.label
    APPEAL = LegalStatus.APPEAL.value, LegalStatus.APPEAL.label
    FINAL = LegalStatus.FINAL.value, LegalStatus.FINAL.label


class LegalProcedure(VersionedModel):
    """A procedure on the child's legal status (asylum, residence, documents…).

    Its next deadline is mirrored by one open task; changing the deadline replaces the task.
    The case's `legal_status` fact follows the most pending status of all its procedures.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="legal_procedures"
    )
    procedure_type = models.CharField(_("procedure"), max_length=25, choices=ProcedureType.choices)
    authority = models.CharField(_("authority"), max_length=200)
    file_number = models.CharField(_("file number"), max_length=100, blank=True)
    lodged_on = models.DateField(_("lodged on"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProcedureStatus.choices,
        default=ProcedureStatus.APPLIED,
    )
    status_changed_at = models.DateTimeField(_("status since"))
    next_deadline = models.DateField(_("next deadline"), null=True, blank=True)
    deadline_what = models.CharField(_("what is due then"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("legal procedure")
        verbose_name_plural = _("legal procedures")
        ordering = ["-lodged_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(next_deadline__isnull=True) | ~models.Q(deadline_what=""),
                name="legal_deadline_says_what",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.procedure_type}"


class GuardianException(VersionedModel):
    """A documented exception to the guardian rule (SG-03): why a substantive decision for this
    child may be taken without an appointed guardian, approved by a supervisor through a cases
    `Approval`. Once approved, the decisions that need a guardian accept the exception."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="guardian_exceptions"
    )
    reason = EncryptedTextField(_("why no guardian is needed for the decisions"), max_length=2000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("exception to the guardian rule")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.created_at:%Y-%m-%d}"


class TransitionPlan(VersionedModel):
    """The plan for the child's 18th birthday (SG-14): how the residence status continues after
    18 (and when the current one ends), housing and the referral to adult services. Recording
    it completes the transition-to-adulthood task; one per case, revised over time."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="transition_plan"
    )
    legal_status_after_18 = EncryptedTextField(
        _("how the residence status continues after 18"), max_length=2000
    )
    residence_valid_until = models.DateField(
        _("the current residence status ends on"), null=True, blank=True
    )
    renewal_due_on = models.DateField(_("renewal or new application due"), null=True, blank=True)
    housing = EncryptedTextField(_("housing after 18"), max_length=2000, blank=True)
    adult_services = EncryptedTextField(
        _("referral to adult services"), max_length=2000, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("transition plan")

    def __str__(self) -> str:
        return f"{self.case} · {_('transition plan')}"
