"""Base models every domain row builds on, and the node's own settings."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """A UUID identity (never guessable, safe to show) and creation/update times.

    `full_clean` also holds a `TextField` to its `max_length`, which Django enforces only in
    forms: a service refuses the over-long text its form refuses, on SQLite as on PostgreSQL.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if not isinstance(field, models.TextField) or not field.max_length:
                continue
            if (exclude and field.name in exclude) or field.name in errors:
                continue
            try:
                MaxLengthValidator(field.max_length)(getattr(self, field.attname) or "")
            except ValidationError as error:
                errors[field.name] = error.error_list
        if errors:
            raise ValidationError(errors)


class VersionedModel(BaseModel):
    """A row edited by people: each save through a service bumps `version`.

    Edit forms carry the version they were rendered with; a save whose version is no longer
    current is refused (`kinlink.core.concurrency.StaleEdit`), never silently applied.
    """

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class MFAEnforcement(models.TextChoices):
    EVERYONE = "everyone", _("Every account")
    CASE_DATA = "case_data", _("Accounts that see case data")
    OFF = "off", _("Nobody (demonstration only)")


class RetentionAction(models.TextChoices):
    ANONYMISE = "anonymise", _("Anonymise the case (statistics are kept)")
    DELETE = "delete", _("Delete the case and everything in it")


class NodeSettings(models.Model):
    """Policy values an administrator sets for this node; exactly one row (pk=1)."""

    risk_high_response_hours = models.PositiveIntegerField(
        _("first response for high risk (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
    )
    risk_medium_response_hours = models.PositiveIntegerField(
        _("first response for medium risk (hours)"),
        default=72,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    risk_low_response_hours = models.PositiveIntegerField(
        _("first response for low risk (hours)"),
        default=168,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 90)],
    )
    guardian_appointment_days = models.PositiveIntegerField(
        _("days to appoint a guardian for an unaccompanied child"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    ageing_out_months = models.PositiveIntegerField(
        _("months before the 18th birthday to start transition planning"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    tracing_before_adoption_months = models.PositiveIntegerField(
        _("months of tracing before adoption or kafala may be considered"),
        default=24,
        validators=[MinValueValidator(6), MaxValueValidator(120)],
    )
    bid_panel_quorum = models.PositiveIntegerField(
        _("members needed for a best-interests panel"),
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(9)],
    )
    trafficking_reflection_days = models.PositiveIntegerField(
        _("recovery and reflection period for suspected trafficking (days)"),
        default=30,
        validators=[MinValueValidator(30), MaxValueValidator(365)],
    )
    mfa_enforcement = models.CharField(
        _("who must sign in with a second factor"),
        max_length=10,
        choices=MFAEnforcement.choices,
        default=MFAEnforcement.EVERYONE,
    )
    retention_years = models.PositiveIntegerField(
        _("years a closed case is kept"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    retention_action = models.CharField(
        _("what happens to a case after that"),
        max_length=10,
        choices=RetentionAction.choices,
        default=RetentionAction.ANONYMISE,
    )
    # The peer node (its node id) that gathers the network's statistics; blank: none.
    network_statistics_peer = models.CharField(
        _("network node that receives this node's statistics"), max_length=64, blank=True
    )
    # The peer node (its node id) that keeps this node's signed audit checkpoints; blank: none.
    audit_witness_peer = models.CharField(
        _("network node that witnesses this node's audit trail"), max_length=64, blank=True
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("node settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="node_settings_single_row")
        ]

    def __str__(self) -> str:
        return str(_("Node settings"))

    @classmethod
    def current(cls) -> NodeSettings:
        defaults = settings.KINLINK_RISK_RESPONSE_DEFAULTS
        obj, _created = cls.objects.get_or_create(
            pk=1,
            defaults={
                "risk_high_response_hours": defaults["high"],
                "risk_medium_response_hours": defaults["medium"],
                "risk_low_response_hours": defaults["low"],
            },
        )
        return obj

    def response_time(self, risk_level: str) -> timedelta:
        hours = {
            "high": self.risk_high_response_hours,
            "medium": self.risk_medium_response_hours,
            "low": self.risk_low_response_hours,
        }[risk_level]
        return timedelta(hours=hours)
