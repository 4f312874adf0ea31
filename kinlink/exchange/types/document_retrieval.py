"""Document retrieval: ask the partner for a birth certificate, an identity document or a
school record; the documents come back attached to the reply."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kinlink.exchange.registry import RequestType, register
from kinlink.exchange.types.common import CHILD, AnswerForm, read_the_reply_task


def on_reply(request: Any, data: dict[str, Any]) -> None:
    read_the_reply_task(request, _("documents"))


DOCUMENT_RETRIEVAL = register(
    RequestType(
        code="document_retrieval",
        label=_("Retrieval of documents"),
        purpose=_("Obtain civil-status, identity or school documents of the child."),
        legal_hook="ISS network",
        fields=(CHILD,),
        deadline_days=42,
        reply_form=AnswerForm,
        on_reply=on_reply,
    )
)
