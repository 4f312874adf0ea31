from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "kinlink.plans"
    label = "plans"

    def ready(self) -> None:
        # Guards, signal receivers and the case-page panel register themselves on import.
        from kinlink.plans import guards  # noqa: F401
