"""People who use Kinlink, their roles and teams, and what the system tells them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kinlink.core.models import BaseModel


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    GUARDIAN = "guardian", _("Guardian / person of reference")
    PANEL_MEMBER = "panel_member", _("Best-interests panel member")
    CA_LIAISON = "ca_liaison", _("Central-authority liaison")
    NODE_ADMIN = "node_admin", _("Node administrator")
    ANALYST = "analyst", _("Analyst")


class Team(BaseModel):
    """A group of staff inside an agency; supervisors see the cases of their teams."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=120)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="team_name_unique_in_agency")
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of an agency's staff with exactly one role on this node."""

    full_name = models.CharField(_("full name"), max_length=150)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        "directory.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    teams = models.ManyToManyField(
        Team, blank=True, related_name="members", verbose_name=_("teams")
    )
    language = models.CharField(
        _("interface language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    version = models.PositiveIntegerField(default=1)

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def sees_case_content(self) -> bool:
        """Administrators and analysts work on the node, never on a child's file."""
        return self.role not in {Role.NODE_ADMIN, Role.ANALYST}


class NotificationKind(models.TextChoices):
    BREAK_GLASS = "break_glass", _("%(actor)s opened case %(reference)s outside their caseload")
    CASE_ASSIGNED = "case_assigned", _("Case %(reference)s was assigned to you")
    APPROVAL_REQUESTED = (
        "approval_requested",
        _("Case %(reference)s: %(subject)s waits for your approval"),
    )
    APPROVAL_DECIDED = "approval_decided", _("Case %(reference)s: %(subject)s — %(decision)s")
    DETENTION = (
        "detention",
        _("Case %(reference)s: the child is recorded as held in detention. Act now."),
    )
    TASK_OVERDUE = "task_overdue", _("Case %(reference)s: “%(task)s” is overdue")
    AGEING_OUT = "ageing_out", _("Case %(reference)s: the child turns 18 on %(date)s")
    CHILD_MISSING = (
        "child_missing",
        _("Case %(reference)s: the child is reported missing; %(authority)s has been notified."),
    )
    FIRST_RESPONSE_OVERDUE = (
        "first_response_overdue",
        _("Case %(reference)s: the first response is overdue."),
    )
    REQUEST_RECEIVED = (
        "request_received",
        _("Request %(reference)s arrived from %(peer)s: %(type)s"),
    )
    REQUEST_UPDATE = "request_update", _("Request %(reference)s (%(peer)s): %(event)s")
    REQUEST_UNDELIVERED = (
        "request_undelivered",
        _("Request %(reference)s could not be delivered to %(peer)s: %(reason)s"),
    )
    REQUEST_DUE = "request_due", _("Request %(reference)s (%(peer)s): reply due on %(date)s")


class Notification(BaseModel):
    """A message to one user inside Kinlink; it names a record, never a child."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    params = models.JSONField(default=dict)
    link = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The message in the active language; labels among the parameters are translated
        too (they are stored in English, see `notification_send`)."""
        params = {name: gettext(str(v)) if v else v for name, v in self.params.items()}
        return str(NotificationKind(self.kind).label) % params


class RoleChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second administrator")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class RoleChange(BaseModel):
    """A change of someone's role, or a new administrator account, waiting for a second
    administrator: whoever asked for it cannot approve it, and nobody's own role is changed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_changes")
    from_role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    to_role = models.CharField(max_length=20, choices=Role.choices)
    # A new account asked for with an administrator's role stays switched off until approved.
    activates = models.BooleanField(default=False)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True)
    status = models.CharField(
        max_length=10, choices=RoleChangeStatus.choices, default=RoleChangeStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="one_pending_role_change_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.to_role}"
