"""Agencies of this node (the country directory grows here in a later step)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kinlink.core.models import BaseModel


class Agency(BaseModel):
    """A child-protection agency whose staff work on this node; every case belongs to one."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country"), max_length=2)
    code = models.SlugField(_("code"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
