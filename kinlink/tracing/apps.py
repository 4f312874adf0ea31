from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "kinlink.tracing"
    label = "tracing"
    verbose_name = "Family tracing"

    def ready(self) -> None:
        # The case-page panel registers itself on import.
        from kinlink.tracing import panels  # noqa: F401
