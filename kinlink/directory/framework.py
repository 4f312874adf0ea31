"""Which law applies between two countries on a date, and what a placement there requires.

`framework_between(a, b, on=day)` is what other code calls (the case lifecycle's Art. 33
guard, the "between two countries" page). It reads the directory's treaty statuses and
applies the rules below; it never reads a child's record.

The rules, in order, for placing a child from A with a carer in B:

1. Both are EU Member States bound by Regulation (EU) 2019/1111 (Brussels IIb) on the date,
   i.e. both members and neither is Denmark (Denmark is not bound, recital 96 and Protocol
   No 22), and the date is on or after 1 August 2022 (Art. 100): the Art. 82 procedure, with the
   receiving state's prior consent, except for a placement with a parent. Between Member
   States it applies rather than the 1996 Convention (Art. 97(1)(a)).
   From 1 March 2005 to 31 July 2022, Regulation (EC) 2201/2003 (Brussels IIa) Art. 56 did.
2. Otherwise, both are bound by the 1996 Hague Convention: Art. 33 consultation, and the
   placement may be decided only after the receiving state's central or competent authority
   consented. Art. 33 covers placement in a foster family or institutional care and kafala,
   not care by a parent.
3. Otherwise no treaty procedure: the network's own route (or a bilateral agreement), with the
   same care (UN Guidelines for the Alternative Care of Children, paras 137–139).

When a needed status has no entry-into-force date, or an instrument's list of parties is
incomplete and a country has no row, the answer is "unknown" and says what is missing: the
caller decides how careful to be (the lifecycle guard then asks for the consent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinlink.directory.models import (
    Agency,
    AgencyKind,
    Country,
    Instrument,
    InstrumentCoverage,
    TreatyStatus,
)
from kinlink.directory.reference import country_name

# Denmark is an EU Member State but not bound by Brussels IIa or IIb (Protocol No 22 on the
# position of Denmark; Regulation 2019/1111, recital 96).
NOT_BOUND_BY_BRUSSELS = frozenset({"DK"})
BRUSSELS_IIB_FROM = date(2022, 8, 1)  # Regulation 2019/1111, Art. 100(1)
BRUSSELS_IIA_FROM = date(2005, 3, 1)  # Regulation 2201/2003, Art. 72


class Procedure:
    """The procedure a placement from A with a carer in B must follow."""

    BRUSSELS_IIB = "brussels_iib_art82"
    BRUSSELS_IIA = "brussels_iia_art56"
    HC1996 = "hc1996_art33"
    NONE = "none"
    UNKNOWN = "unknown"

    LABELS = {
        BRUSSELS_IIB: gettext_lazy(
            "Brussels IIb, Art. 82: the receiving Member State's consent before the placement"
        ),
        BRUSSELS_IIA: gettext_lazy(
            "Brussels IIa, Art. 56: consultation and consent of the receiving Member State"
        ),
        HC1996: gettext_lazy(
            "1996 Hague Convention, Art. 33: consultation and the receiving state's consent "
            "before the placement"
        ),
        NONE: gettext_lazy("No treaty procedure: the network's route, with the same care"),
        UNKNOWN: gettext_lazy("Cannot be told from the directory: check the status tables"),
    }


@dataclass(frozen=True)
class Standing:
    """One country's status towards one instrument on the date."""

    country: str
    status: TreatyStatus | None
    bound: bool | None  # None: not known from the directory

    @property
    def verified(self) -> bool:
        return self.status is not None and self.status.verified


@dataclass(frozen=True)
class InstrumentBetween:
    instrument: str
    a: Standing
    b: Standing

    @property
    def label(self) -> str:
        return str(Instrument(self.instrument).label)

    @property
    def in_force_in_both(self) -> bool | None:
        if self.a.bound is False or self.b.bound is False:
            return False
        if self.a.bound is None or self.b.bound is None:
            return None
        return True


@dataclass
class Framework:
    """The answer for countries A (sending) and B (receiving) on one date."""

    a: str
    b: str
    on: date
    with_parent: bool
    instruments: list[InstrumentBetween]
    procedure: str
    consent_required: bool | None
    reasons: list[str] = field(default_factory=list)
    country_a: Country | None = None
    country_b: Country | None = None
    agencies_a: list[Agency] = field(default_factory=list)
    agencies_b: list[Agency] = field(default_factory=list)

    @property
    def procedure_label(self) -> str:
        return str(Procedure.LABELS[self.procedure])

    def instrument(self, code: str) -> InstrumentBetween:
        return next(i for i in self.instruments if i.instrument == code)

    @property
    def central_authorities_b(self) -> list[Agency]:
        return [a for a in self.agencies_b if a.kind == AgencyKind.CENTRAL_AUTHORITY]


def _standing(
    code: str, instrument: str, statuses: dict[tuple[str, str], TreatyStatus], complete: bool
) -> Standing:
    status = statuses.get((code, instrument))
    if status is None:
        # A country missing from a complete list of parties is not a party.
        return Standing(code, None, False if complete else None)
    return Standing(code, status, None)


def _bound(standing: Standing, on: date) -> Standing:
    if standing.status is None:
        return standing
    return Standing(standing.country, standing.status, standing.status.binds_on(on))


def framework_between(
    a: str, b: str, *, on: date, with_parent: bool = False, with_contacts: bool = True
) -> Framework:
    """What is in force in both A and B on `on`, and what placing a child from A with a carer
    in B requires (see the module's rules). `with_parent`: the carer is a parent.
    `with_contacts=False` skips reading the two countries' sheets and agencies (for guards).
    Two queries, four with the contacts."""
    a, b = a.upper(), b.upper()
    statuses = {
        (s.country.code, s.instrument): s
        for s in TreatyStatus.objects.filter(country__code__in={a, b}).select_related("country")
    }
    complete = set(
        InstrumentCoverage.objects.filter(parties_complete=True).values_list(
            "instrument", flat=True
        )
    )
    instruments = [
        InstrumentBetween(
            code,
            _bound(_standing(a, code, statuses, code in complete), on),
            _bound(_standing(b, code, statuses, code in complete), on),
        )
        for code in Instrument.values
    ]
    framework = Framework(
        a=a,
        b=b,
        on=on,
        with_parent=with_parent,
        instruments=instruments,
        procedure=Procedure.NONE,
        consent_required=False,
    )
    _decide(framework)
    if not with_contacts:
        return framework
    countries = {c.code: c for c in Country.objects.filter(code__in={a, b})}
    framework.country_a, framework.country_b = countries.get(a), countries.get(b)
    agencies = list(Agency.objects.filter(country__in={a, b}).order_by("kind", "name"))
    framework.agencies_a = [x for x in agencies if x.country == a]
    framework.agencies_b = [x for x in agencies if x.country == b]
    return framework


def _decide(f: Framework) -> None:
    names = {"a": country_name(f.a), "b": country_name(f.b)}
    if f.a == f.b:
        f.reasons.append(_("Both are the same country: no cross-border procedure."))
        return
    eu = f.instrument(Instrument.EU)
    hc1996 = f.instrument(Instrument.HC1996)
    both_eu = eu.in_force_in_both
    if both_eu and f.on >= BRUSSELS_IIA_FROM:
        outside = NOT_BOUND_BY_BRUSSELS & {f.a, f.b}
        if outside:
            f.reasons.append(
                _(
                    "Both are EU Member States, but Denmark is not bound by the Brussels "
                    "regulations: they do not apply between them."
                )
            )
        else:
            iib = f.on >= BRUSSELS_IIB_FROM
            f.procedure = Procedure.BRUSSELS_IIB if iib else Procedure.BRUSSELS_IIA
            f.consent_required = not f.with_parent
            f.reasons.append(
                _(
                    "%(a)s and %(b)s are both EU Member States bound by Regulation "
                    "(EU) 2019/1111: its Art. 82 applies between them rather than Art. 33 of "
                    "the 1996 Convention."
                )
                % names
                if iib
                else _(
                    "%(a)s and %(b)s were both EU Member States bound by Regulation "
                    "(EC) 2201/2003 on that date: its Art. 56 applied between them."
                )
                % names
            )
            if f.with_parent:
                f.reasons.append(_("A placement with a parent needs no consent under Art. 82."))
            else:
                f.reasons.append(
                    _(
                        "Some Member States waive the consent for placements with close "
                        "relatives: check the receiving state's communication to the "
                        "European Judicial Network."
                    )
                )
            return
    in_both = hc1996.in_force_in_both
    if in_both:
        f.procedure = Procedure.HC1996
        f.consent_required = not f.with_parent
        f.reasons.append(
            _(
                "The 1996 Hague Convention is in force for both %(a)s and %(b)s on this date: "
                "a placement in a foster family, institutional care or kafala in %(b)s needs "
                "Art. 33 consultation and the consent of its central or competent authority."
            )
            % names
        )
        if f.with_parent:
            f.reasons.append(_("Care by a parent is not a placement under Art. 33."))
        return
    if in_both is None:
        f.procedure = Procedure.UNKNOWN
        f.consent_required = None
        missing = [country_name(s.country) for s in (hc1996.a, hc1996.b) if s.bound is None]
        f.reasons.append(
            _(
                "The directory cannot tell whether the 1996 Hague Convention is in force for "
                "%(countries)s on this date (no date of entry into force recorded): check the "
                "HCCH status table before deciding a placement."
            )
            % {"countries": ", ".join(missing)}
        )
        return
    not_bound = [country_name(s.country) for s in (hc1996.a, hc1996.b) if s.bound is False]
    f.reasons.append(
        _(
            "The 1996 Hague Convention is not in force for %(countries)s on this date: Art. 33 "
            "does not apply. Use the network's route (home study and the receiving agency's "
            "agreement) with the same care."
        )
        % {"countries": ", ".join(not_bound)}
    )
