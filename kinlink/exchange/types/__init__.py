"""The request types, one module each; importing this package registers them all."""

from kinlink.exchange.types import (  # noqa: F401
    art33,
    document_retrieval,
    family_evaluation,
    follow_up_report,
    return_handover,
    tracing,
    transfer,
    welfare_check,
)
