"""Welfare check / information: ask the partner to see how a child is, or for information."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kinlink.exchange.registry import Field, RequestType, child_minimal, register
from kinlink.exchange.types.common import AnswerForm, read_the_reply_task


def on_reply(request: Any, data: dict[str, Any]) -> None:
    read_the_reply_task(request, _("welfare check"))


WELFARE_CHECK = register(
    RequestType(
        code="welfare_check",
        label=_("Welfare check or information"),
        purpose=_("See how the child is, or answer questions about the child's situation."),
        legal_hook="HC1996 Art. 34",
        fields=(Field("child", _("The child: names, sex, age"), child_minimal),),
        deadline_days=14,
        reply_form=AnswerForm,
        on_reply=on_reply,
    )
)
