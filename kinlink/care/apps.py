from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "kinlink.care"
    label = "care"

    def ready(self) -> None:
        # Guards, signal receivers and the case-page panel register themselves on import.
        from kinlink.care import guards  # noqa: F401
