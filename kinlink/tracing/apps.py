from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "kinlink.tracing"
    label = "tracing"
    verbose_name = "Family tracing"

    def ready(self) -> None:
        # The case-page panel and the retention hold register themselves on import.
        from kinlink.tracing import holds, panels  # noqa: F401
