"""The names of the matcher's fields, in the reader's language."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LABELS = {
    "name": _("Names"),
    "birth": _("Birth"),
    "sex": _("Sex"),
    "father_name": _("Father's name"),
    "mother_name": _("Mother's name"),
    "place_of_origin": _("Place of origin"),
    "nationality": _("Nationality"),
}


@register.filter
def field_label(name: str) -> str:
    return str(LABELS.get(name, name.replace("_", " ")))
