"""Tracing requests, the log of what was done for them, the verification of a found family,
and the matcher's suggestions that a person confirms or rejects.

A tracing request is filed by a relative looking for a child (the inquirer and the child as
the relative describes him) or by a child looking for family (on the child's own case). The
matcher (`kinlink.tracing.matching`) compares a relative's request with the cases whose child
consented to tracing, and cases with cases to catch a child registered twice. What it finds is
stored as a `Suggestion`; nothing is linked or merged until a caseworker confirms it, and a
rejected pair is kept so that it is never suggested again.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kinlink.cases.models import Case, Relationship, Sex
from kinlink.core.fields import EncryptedTextField
from kinlink.core.models import BaseModel, VersionedModel

TEXT = 4000


class FiledBy(models.TextChoices):
    RELATIVE = "relative", _("A relative looking for a child")
    CHILD = "child", _("A child looking for family")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    FOUND = "found", _("Found")
    VERIFIED = "verified", _("Relationship verified")
    REUNIFIED = "reunified", _("Reunified")
    CLOSED_NOT_FOUND = "closed_not_found", _("Closed: not found")


class Origin(models.TextChoices):
    LOCAL = "local", _("Filed at this agency")
    ABROAD = "abroad", _("Received from a partner abroad")


class TracingRequest(VersionedModel):
    """One search for a person: who asks, whom they look for, and where it stands.

    `case` is the child's case here: the child's own case when the child looks for family,
    or — for a relative's request — the case a caseworker confirmed as the child sought.
    A request received from a partner node keeps the incoming cross-border request
    (`incoming`) so that the partner is answered on its thread.
    """

    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("team")
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tracing_requests",
        verbose_name=_("handled by"),
    )
    filed_by = models.CharField(_("filed by"), max_length=10, choices=FiledBy.choices)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.LOCAL)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tracing_requests",
        verbose_name=_("the child's case"),
    )
    incoming = models.OneToOneField(
        "exchange.CrossBorderRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tracing_request",
    )
    # Who asks (a relative's request).
    inquirer_name = models.CharField(_("inquirer's name"), max_length=200, blank=True)
    inquirer_relationship = models.CharField(
        _("relationship to the person sought"),
        max_length=20,
        choices=Relationship.choices,
        blank=True,
    )
    inquirer_contact = models.CharField(
        _("inquirer's contact (phone, address)"), max_length=300, blank=True
    )
    # Whom they look for.
    sought_given_name = models.CharField(_("given name sought"), max_length=100)
    sought_family_name = models.CharField(_("family name sought"), max_length=100, blank=True)
    sought_name_original = models.CharField(
        _("name in the original script"), max_length=200, blank=True
    )
    sought_other_names = models.JSONField(_("other names"), default=list, blank=True)
    sought_sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    sought_date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sought_age = models.PositiveSmallIntegerField(_("age (years)"), null=True, blank=True)
    sought_nationality = models.CharField(_("nationality"), max_length=2, blank=True)
    sought_place_of_origin = models.CharField(_("place of origin"), max_length=200, blank=True)
    sought_father_name = models.CharField(_("father's name"), max_length=200, blank=True)
    sought_mother_name = models.CharField(_("mother's name"), max_length=200, blank=True)
    last_seen = EncryptedTextField(_("last seen: where and when"), max_length=TEXT, blank=True)
    filed_on = models.DateField(_("filed on"))
    closed_reason = EncryptedTextField(_("why it was closed"), max_length=TEXT, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)

    personal_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "inquirer_name",
            "inquirer_contact",
            "sought_given_name",
            "sought_family_name",
            "sought_name_original",
            "sought_other_names",
            "sought_date_of_birth",
            "sought_place_of_origin",
            "sought_father_name",
            "sought_mother_name",
        }
    )

    class Meta:
        verbose_name = _("tracing request")
        verbose_name_plural = _("tracing requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agency", "status"], name="tracing_agency_status")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(filed_by="child") | models.Q(case__isnull=False),
                name="tracing_child_request_has_case",
            ),
            models.CheckConstraint(
                condition=models.Q(sought_age__isnull=True) | models.Q(sought_age__lte=120),
                name="tracing_sought_age_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def sought_name(self) -> str:
        return " ".join(p for p in (self.sought_given_name, self.sought_family_name) if p)

    @property
    def is_open(self) -> bool:
        return self.status not in {RequestStatus.REUNIFIED, RequestStatus.CLOSED_NOT_FOUND}


class ActionKind(models.TextChoices):
    STATUS = "status", _("Status changed")
    CONTACT = "contact", _("Contact made")
    SEARCH = "search", _("Search done")
    MATCH = "match", _("Matching")
    ABROAD = "abroad", _("Partner abroad")
    NOTE = "note", _("Note")


class TracingAction(BaseModel):
    """One line of a request's log: what was done, when and by whom. Never edited."""

    request = models.ForeignKey(TracingRequest, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=10, choices=ActionKind.choices)
    text = EncryptedTextField(_("what was done"), max_length=TEXT)
    done_on = models.DateField(_("date"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-done_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.request} · {self.kind}"


class TracingVerification(BaseModel):
    """How the relationship between the child and the family found was verified (SG-10).

    The same facts as the case's family verification (`assessments.FamilyVerification`):
    who the adult is, how and by whom the relationship was verified, whether what the child
    and the adult say matches, whether both want to live together. Never edited: a later
    verification is a new record and the latest counts. A request reaches "relationship
    verified" only with a verification of the link, and "reunified" only with one that
    confirms all four.
    """

    request = models.ForeignKey(
        TracingRequest, on_delete=models.CASCADE, related_name="verifications"
    )
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
        verbose_name = _("verification")
        ordering = ["-verified_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.request} · {self.verified_on}"

    @property
    def link_verified(self) -> bool:
        return self.relationship_confirmed and self.information_matches

    @property
    def confirmed(self) -> bool:
        return self.link_verified and self.child_willing and self.adult_willing


class SuggestionKind(models.TextChoices):
    REQUEST = "request", _("Tracing request and case")
    DUPLICATE = "duplicate", _("Possible duplicate cases")


class SuggestionStatus(models.TextChoices):
    NEW = "new", _("To review")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class Suggestion(VersionedModel):
    """A pair the matcher found alike: a tracing request and a case, or two cases.

    `evidence` is the matcher's field-by-field explanation (field, both values, level,
    weight, counted). A pair is stored once, whatever its fate: a rejected pair stays, so
    the matcher never suggests it again (the unique constraints). Two cases are stored in
    one order (`case` has the smaller id), so that A–B and B–A are one pair.
    """

    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=SuggestionKind.choices)
    request = models.ForeignKey(
        TracingRequest,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suggestions",
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    other_case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(_("score"))
    suggested = models.BooleanField(default=False)
    evidence = models.JSONField(default=list)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.NEW,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = EncryptedTextField(_("reason"), max_length=TEXT, blank=True)

    class Meta:
        verbose_name = _("suggested match")
        verbose_name_plural = _("suggested matches")
        ordering = ["-score", "created_at"]
        indexes = [models.Index(fields=["agency", "status", "-score"], name="suggestion_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "case"],
                condition=models.Q(request__isnull=False),
                name="suggestion_request_case_once",
            ),
            models.UniqueConstraint(
                fields=["case", "other_case"],
                condition=models.Q(other_case__isnull=False),
                name="suggestion_case_pair_once",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="request", request__isnull=False, other_case__isnull=True)
                    | models.Q(kind="duplicate", request__isnull=True, other_case__isnull=False)
                ),
                name="suggestion_kind_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.score:.2f}"
