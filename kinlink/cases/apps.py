from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "kinlink.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # The hub's own guards register themselves on import.
        from kinlink.cases import guards  # noqa: F401
