from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "kinlink.exchange"
    label = "exchange"
    verbose_name = "Cross-border exchange"

    def ready(self) -> None:
        from kinlink.cases.panels import Panel, register_panel
        from kinlink.exchange import holds, receiving, requests, types  # noqa: F401 -- registries
        from kinlink.exchange.selectors import case_panel_context

        register_panel(
            Panel(
                key="exchange",
                order=35,
                template="exchange/partials/panel.html",
                context=case_panel_context,
            )
        )
