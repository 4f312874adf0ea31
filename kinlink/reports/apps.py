from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kinlink.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from kinlink.reports import network  # noqa: F401 -- the statistics envelope handler
