"""The country directory: countries and the instruments in force there, agencies (this node's
own and those abroad), legal notes per country (domain.md §2.3, §5).

Everything here is reference data about states and organisations, never about a child. Every
fact carries its source (title and address) and the date it was checked; a fact that could not
be checked against its source is stored with `verified=False`, never made up. Rows are written
only by `kinlink.directory.services` (an administrator's edit or an import of a directory
file), each write versioned and audited.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from kinlink.core.models import VersionedModel


class Instrument(models.TextChoices):
    """The instruments that decide which procedure a cross-border case follows."""

    HC1996 = "hc1996", _("1996 Hague Child Protection Convention")
    HC1980 = "hc1980", _("1980 Hague Child Abduction Convention")
    HC1993 = "hc1993", _("1993 Hague Intercountry Adoption Convention")
    CRC = "crc", _("UN Convention on the Rights of the Child")
    CMW = "cmw", _("UN Migrant Workers Convention")
    EU = "eu", _("European Union membership (Brussels IIb)")


class StatusKind(models.TextChoices):
    """How a state stands towards an instrument: the last act recorded."""

    SIGNATURE = "signature", _("Signature")
    RATIFICATION = "ratification", _("Ratification")
    ACCESSION = "accession", _("Accession")
    SUCCESSION = "succession", _("Succession")
    MEMBERSHIP = "membership", _("Membership")
    # A compiled source says "state party" without saying how it became one.
    PARTY = "party", _("Party (ratification, accession or succession, not told apart)")


# Kinds that make a state bound once `in_force_on` has come (a signature alone never does).
BINDING_KINDS = frozenset(
    {
        StatusKind.RATIFICATION,
        StatusKind.ACCESSION,
        StatusKind.SUCCESSION,
        StatusKind.MEMBERSHIP,
        StatusKind.PARTY,
    }
)


class SourcedFact(VersionedModel):
    """A fact with its source: title and address (both required), the date it was checked,
    and whether it was verified against that source or is only the best information at hand."""

    source_title = models.CharField(_("source (title)"), max_length=300)
    source_url = models.URLField(_("source (address)"), max_length=500)
    checked_on = models.DateField(_("checked on"))
    verified = models.BooleanField(
        _("verified against the source"),
        default=False,
        help_text=_("Leave unticked when the fact could not be checked against the source."),
    )

    class Meta:
        abstract = True


class InstrumentCoverage(SourcedFact):
    """What the directory knows of one instrument's parties as a whole.

    `parties_complete` says whether every state bound by the instrument has a status row: when
    it is true, a country without a row is not a party; when false, nothing can be concluded
    from a missing row ("not recorded").
    """

    instrument = models.CharField(
        _("instrument"), max_length=10, choices=Instrument.choices, unique=True
    )
    parties_complete = models.BooleanField(_("every party is recorded"), default=False)
    note = models.TextField(_("note"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("instrument coverage")
        verbose_name_plural = _("instrument coverage")
        ordering = ["instrument"]

    def __str__(self) -> str:
        return str(Instrument(self.instrument).label)


class Country(VersionedModel):
    """A country (ISO 3166-1 alpha-2, plus XK for Kosovo) and what a caseworker must know of it
    before acting across its border: the age of majority and the central authority designated
    under the 1996 Hague Convention, each with where it comes from."""

    code = models.CharField(_("country"), max_length=2, unique=True)
    age_of_majority = models.PositiveSmallIntegerField(_("age of majority"), null=True, blank=True)
    age_of_majority_source = models.CharField(
        _("source of the age of majority"), max_length=500, blank=True
    )
    central_authority_name = models.CharField(
        _("central authority (1996 Convention)"), max_length=300, blank=True
    )
    central_authority_contact = models.TextField(
        _("central authority's contact"), max_length=2000, blank=True
    )
    central_authority_source = models.CharField(
        _("source of the central authority"), max_length=500, blank=True
    )

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_of_majority__isnull=True)
                | models.Q(age_of_majority__gte=14, age_of_majority__lte=25),
                name="country_age_of_majority_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class TreatyStatus(SourcedFact):
    """Where one country stands towards one instrument, with dates and source.

    One row per country and instrument. A state is bound from `in_force_on` (for EU membership,
    the accession date) until `ended_on` (denunciation, withdrawal), and only by a binding kind:
    a signature alone binds nothing. A missing date is left empty, never guessed.
    """

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="statuses")
    instrument = models.CharField(_("instrument"), max_length=10, choices=Instrument.choices)
    kind = models.CharField(_("kind"), max_length=15, choices=StatusKind.choices)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    consented_on = models.DateField(
        _("ratified or acceded on"),
        null=True,
        blank=True,
        help_text=_("The date the instrument of ratification, accession… was deposited."),
    )
    in_force_on = models.DateField(_("in force from"), null=True, blank=True)
    ended_on = models.DateField(_("no longer bound from"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("treaty status")
        verbose_name_plural = _("treaty statuses")
        ordering = ["country__code", "instrument"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "instrument"], name="treaty_status_one_per_instrument"
            ),
            models.CheckConstraint(
                condition=~models.Q(source_title="") & ~models.Q(source_url=""),
                name="treaty_status_has_a_source",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(in_force_on__isnull=True)
                | models.Q(ended_on__gt=models.F("in_force_on")),
                name="treaty_status_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country_id} · {self.instrument}"

    def binds_on(self, day: date) -> bool | None:
        """True if bound on `day`, False if not, None if the entry-into-force date is unknown."""
        if self.kind not in BINDING_KINDS:
            return False
        if self.ended_on is not None and day >= self.ended_on:
            return False
        if self.in_force_on is None:
            return None
        return day >= self.in_force_on


class AgencyKind(models.TextChoices):
    NETWORK_MEMBER = "network_member", _("Network member")
    PARTNER = "partner", _("Partner")
    CORRESPONDENT = "correspondent", _("Correspondent")
    CHILD_PROTECTION_AUTHORITY = "cp_authority", _("Child-protection authority")
    CENTRAL_AUTHORITY = "central_authority", _("Central authority")


class Service(models.TextChoices):
    """What an agency can do for a case abroad (domain.md §2.3)."""

    TRACING = "tracing", _("Tracing")
    REUNIFICATION = "reunification", _("Family reunification")
    DOCUMENTS = "documents", _("Document retrieval")
    REPATRIATION = "repatriation", _("Repatriation and reintegration")
    LEGAL = "legal", _("Legal support")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    LONG_TERM = "long_term", _("Long-term planning")
    HOME_STUDY = "home_study", _("Home study (social enquiry)")


class Agency(VersionedModel):
    """An organisation a case may deal with: this node's own agency (every case belongs to one)
    and the agencies, authorities and central authorities of the directory, here or abroad.

    `code` is the agency's identity across nodes: directory files name agencies by it. An
    agency that runs a Kinlink node has both `node_address` (the HTTPS base address of its
    node, where envelopes are posted) and `node_key_fingerprint` (the RFC 7638 SHA-256
    thumbprint of the node's public signing key, base64url, 43 characters), which an
    administrator checks out of band before the exchange trusts that node; the two go together.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country"), max_length=2)
    code = models.SlugField(_("code"), max_length=20, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=AgencyKind.choices,
        default=AgencyKind.CHILD_PROTECTION_AUTHORITY,
    )
    services = models.JSONField(_("services offered"), default=list, blank=True)
    languages = models.JSONField(_("working languages"), default=list, blank=True)
    central_authority_for = models.JSONField(_("central authority under"), default=list, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    address = models.TextField(_("postal address"), max_length=1000, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    contact_notes = models.TextField(_("contact persons and notes"), max_length=2000, blank=True)
    node_address = models.URLField(_("Kinlink node address"), max_length=300, blank=True)
    node_key_fingerprint = models.CharField(
        _("Kinlink node key fingerprint"), max_length=64, blank=True
    )
    source_title = models.CharField(_("source (title)"), max_length=300, blank=True)
    source_url = models.URLField(_("source (address)"), max_length=500, blank=True)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(node_address="") & models.Q(node_key_fingerprint=""))
                | (~models.Q(node_address="") & ~models.Q(node_key_fingerprint="")),
                name="agency_node_address_with_fingerprint",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def runs_kinlink_node(self) -> bool:
        return bool(self.node_address)


class LegalTopic(models.TextChoices):
    GUARDIANSHIP = "guardianship", _("Guardianship")
    FAMILY_REUNIFICATION = "family_reunification", _("Family reunification")
    PLACEMENT = "placement", _("Placement and alternative care")
    AGE_ASSESSMENT = "age_assessment", _("Age assessment")
    RETURN = "return", _("Return")
    ASYLUM = "asylum", _("Asylum and residence")
    KAFALA = "kafala", _("Kafala and adoption")
    TRAFFICKING = "trafficking", _("Trafficking")
    OTHER = "other", _("Other")


class LegalNote(SourcedFact):
    """A law, policy or procedure of one country on one topic, in the words of the
    administrator who wrote it, with its source and the date it was checked."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="legal_notes")
    topic = models.CharField(_("topic"), max_length=25, choices=LegalTopic.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=10000)

    class Meta:
        verbose_name = _("legal note")
        verbose_name_plural = _("legal notes")
        ordering = ["country__code", "topic", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "topic", "title"], name="legal_note_unique_title"
            ),
        ]

    def __str__(self) -> str:
        return self.title
