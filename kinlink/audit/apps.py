from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kinlink.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from kinlink.audit import signals  # noqa: F401  (connects the login listeners)
