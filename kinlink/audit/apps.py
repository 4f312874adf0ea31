from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kinlink.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from kinlink.audit import (
            checkpoints,  # noqa: F401  (the checkpoint envelope handler)
            signals,  # noqa: F401  (connects the login listeners)
        )
