"""Development data for the matcher: cases and tracing requests in the format of
`shared/bench/TRACING_FORMAT.md`, with the truth beside them.

    .venv/bin/python bench/tracing_data.py --seed 1 --cases 4000 --requests 1500 --out DIR

writes DIR/cases.csv, DIR/requests.csv and DIR/truth.csv (request_id, case_id or empty,
origin group). Seeded: one seed gives the same files byte for byte. Seed 1 is the
development set the rules were tuned on; the evaluation set uses seed 2 (`bench/tracing.py`).

The model: families of one to four children (twins among them) in seven origin groups, each
with its naming convention (`tracing_names.py`): family names (West Africa), patronymic
chains (Eritrea, Ethiopia), Arabic names with particles and compounds (Syria and the Arab
world), given name and father's name (Afghanistan), two surnames (Central America),
family name first (Vietnam), Cyrillic script (Ukraine). A host-country caseworker writes a
case in her own transcription habit, with an assessed age or a 1 January placeholder; a
relative writes the request, often in the family's own script, with the real date of birth
(sometimes day and month swapped). Both make typos, use nicknames, drop fields. Requests
without a true case are drawn first from the unregistered siblings and twins of registered
children, and namesakes are planted, so that what must not be confused is there.
"""

from __future__ import annotations

import argparse
import csv
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import tracing_tails as tails
from tracing_names import GROUPS

COLUMNS = [
    "record_id",
    "given_name",
    "family_name",
    "other_names",
    "sex",
    "date_of_birth",
    "birth_year",
    "age_estimate",
    "record_date",
    "nationality",
    "place_of_origin",
    "father_name",
    "mother_name",
]
GROUP_SHARES = {
    "West Africa": 0.20,
    "Horn of Africa": 0.16,
    "Afghanistan": 0.16,
    "Syria/Arab": 0.16,
    "Central America": 0.14,
    "Vietnam": 0.08,
    "Ukraine": 0.10,
}
KEYBOARD_NEIGHBOURS = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "y": "tu", "z": "x",
}  # fmt: skip


@dataclass(frozen=True)
class Name:
    spellings: tuple[str, ...]
    native: str = ""
    weight: float = field(default=0.0, compare=False)


def parse(pool: str) -> list[Name]:
    names = []
    for entry in pool.split():
        latin, _, native = entry.partition("=")
        spellings = tuple(s.replace("_", " ") for s in latin.split("/"))
        names.append(Name(spellings, native.replace("_", " ")))
    return names


@dataclass
class Pools:
    group: str
    convention: str
    nationalities: list[str]
    male: list[Name]
    female: list[Name]
    family: list[Name]
    places: list[Name]
    nicknames: dict[str, list[str]]


def _plain(text: str) -> str:
    return strip_accents(text).lower().replace(" ", "").replace("-", "")


def _tail_names(group: str, kind: str) -> list[Name]:
    """The long tail of one pool (`tracing_tails.py`), its spellings and native script."""
    from faker.providers.person import es_CO, fr_DZ, uk_UA

    shuffle = random.Random(f"{group}/{kind}")  # the same tail whatever the data seed
    if group == "Ukraine":
        source = {
            "male": uk_UA.Provider.first_names_male,
            "female": uk_UA.Provider.first_names_female,
            "family": uk_UA.Provider.last_names,
        }[kind]
        cyrillic = list(source)
        shuffle.shuffle(cyrillic)
        return [Name(tuple(tails.romanise_ukrainian(c)), c) for c in cyrillic]
    if group == "Central America":
        source = {
            "male": es_CO.Provider.first_names_male,
            "female": es_CO.Provider.first_names_female,
            "family": es_CO.Provider.last_names,
        }[kind]
        return [
            Name(tuple(tails.habit_variants(name, group)), "", share)
            for name, share in source.items()
        ]
    if group == "Vietnam" and kind == "family":
        names = []
        for entry in tails.VIETNAM_FAMILY_SHARES.split():
            spelled, _, share = entry.partition(":")
            for spelling in spelled.split("/"):
                names.append(Name((spelling, strip_accents(spelling)), "", float(share) / 100))
        return names
    lists = {
        ("West Africa", "male"): tails.WEST_AFRICA_MALE,
        ("West Africa", "female"): tails.WEST_AFRICA_FEMALE,
        ("West Africa", "family"): tails.WEST_AFRICA_FAMILY,
        ("Horn of Africa", "male"): tails.HORN_MALE,
        ("Horn of Africa", "female"): tails.HORN_FEMALE,
        ("Afghanistan", "male"): tails.AFGHAN_MALE,
        ("Afghanistan", "female"): tails.AFGHAN_FEMALE,
        ("Afghanistan", "family"): tails.AFGHAN_FAMILY,
        ("Vietnam", "male"): tails.VIETNAM_MALE,
        ("Vietnam", "female"): tails.VIETNAM_FEMALE,
    }
    if group == "Syria/Arab":
        source = {
            "male": fr_DZ.Provider.first_names_male,
            "female": fr_DZ.Provider.first_names_female,
            "family": fr_DZ.Provider.last_names,
        }[kind]
        latin = list(source)
        shuffle.shuffle(latin)
    else:
        latin = [name.replace("_", " ") for name in lists.get((group, kind), "").split()]
    names = []
    for name in latin:
        native = ""
        if group in {"Syria/Arab", "Afghanistan"}:
            native = tails.native_arabic(name, persian=group == "Afghanistan")
        elif group == "Horn of Africa":
            native = tails.native_geez(name)
        names.append(Name(tuple(tails.habit_variants(name, group)), native))
    return names


def _weighted(head: list[Name], tail: list[Name]) -> list[Name]:
    """Head then tail, without a name twice, weighted: measured shares where the source has
    them, else a Zipf law of exponent 1 over rank."""
    seen: set[str] = set()
    merged: list[Name] = []
    measured = {_plain(n.spellings[0]): n.weight for n in tail if n.weight}
    for name in head + tail:
        key = _plain(name.spellings[0])
        if key in seen:
            continue
        seen.add(key)
        merged.append(name)
    if measured:
        # The head's names take their measured share; a head name the source lacks, and
        # the rest, take the Zipf weight of their rank scaled to the measured ones.
        scale = max(measured.values())
        return [
            Name(n.spellings, n.native, measured.get(_plain(n.spellings[0])) or scale / (i + 1))
            for i, n in enumerate(merged)
        ]
    return [Name(n.spellings, n.native, 1.0 / (i + 1)) for i, n in enumerate(merged)]


def load_pools() -> dict[str, Pools]:
    pools = {}
    for group, data in GROUPS.items():
        nicknames: dict[str, list[str]] = {}
        for entry in data.get("nicknames", "").split():
            name, _, short = entry.partition("=")
            nicknames[name] = short.split("/")
        pools[group] = Pools(
            group,
            data["convention"],
            data["nationality"].split(),
            _weighted(parse(data["male"]), _tail_names(group, "male")),
            _weighted(parse(data["female"]), _tail_names(group, "female")),
            _weighted(parse(data.get("family", "")), _tail_names(group, "family"))
            if data.get("family")
            else [],
            parse(data["places"]),
            nicknames,
        )
    return pools


@dataclass
class Child:
    id: int
    family: Family
    sex: str
    given: Name
    given2: Name | None
    dob: date


@dataclass
class Family:
    pools: Pools
    surname: Name | None
    surname2: Name | None  # the mother's first surname (Spanish)
    father: Name
    grandfather: Name
    mother: Name
    mother_family: Name | None
    place: Name
    nationality: str
    children: list[Child] = field(default_factory=list)


class Generator:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.pools = load_pools()
        self.children: list[Child] = []
        self._cumulative: dict[int, list[float]] = {}

    # --- the population -------------------------------------------------------------

    def pick(self, names: list[Name]) -> Name:
        # By each name's weight (`load_pools`); places, which carry none, Zipf-like.
        cumulative = self._cumulative.get(id(names))
        if cumulative is None:
            total = 0.0
            cumulative = []
            for i, name in enumerate(names):
                total += name.weight or 1.0 / (i + 1) ** 0.8
                cumulative.append(total)
            self._cumulative[id(names)] = cumulative
        return self.rnd.choices(names, cum_weights=cumulative)[0]

    def family(self, pools: Pools) -> Family:
        rnd = self.rnd
        has_surname = pools.convention in {"family", "arab", "spanish", "vietnam", "slavic"}
        if pools.convention == "afghan":
            has_surname = rnd.random() < 0.6
        return Family(
            pools=pools,
            surname=self.pick(pools.family) if has_surname and pools.family else None,
            surname2=self.pick(pools.family) if pools.convention == "spanish" else None,
            father=self.pick(pools.male),
            grandfather=self.pick(pools.male),
            mother=self.pick(pools.female),
            mother_family=self.pick(pools.family if pools.family else pools.male),
            place=self.pick(pools.places),
            nationality=rnd.choice(pools.nationalities),
        )

    def populate(self, n_children: int) -> None:
        rnd = self.rnd
        groups = list(GROUP_SHARES)
        shares = list(GROUP_SHARES.values())
        families: list[Family] = []
        while len(self.children) < n_children:
            pools = self.pools[rnd.choices(groups, shares)[0]]
            fam = self.family(pools)
            # Namesakes: another family of the group with the same family name.
            same_group = [f for f in families[-200:] if f.pools is pools]
            if same_group and rnd.random() < 0.15:
                fam.surname = rnd.choice(same_group).surname
            count = rnd.choices([1, 2, 3, 4], [0.35, 0.3, 0.2, 0.15])[0]
            for i in range(count):
                sex = rnd.choice("MF")
                pool = pools.male if sex == "M" else pools.female
                given = self.pick(pool)
                # Siblings do not share a given name.
                while any(c.given == given for c in fam.children) and len(pool) > 1:
                    given = rnd.choice(pool)
                if same_group and rnd.random() < 0.05:
                    # A namesake child: same given name as a child of another family.
                    other = rnd.choice(same_group)
                    if other.children and other.children[0].sex == sex:
                        given = other.children[0].given
                given2 = (
                    self.pick(pool)
                    if pools.convention == "spanish" and rnd.random() < 0.5
                    else None
                )
                if i == 1 and rnd.random() < 0.12:
                    dob = fam.children[0].dob  # twins
                else:
                    dob = date(2007, 1, 1) + timedelta(days=rnd.randrange(365 * 13))
                child = Child(len(self.children), fam, sex, given, given2, dob)
                fam.children.append(child)
                self.children.append(child)
            families.append(fam)

    # --- writing a record -------------------------------------------------------------

    def spell(self, name: Name | None, native_p: float = 0.0, upper_p: float = 0.0) -> str:
        if name is None:
            return ""
        rnd = self.rnd
        if name.native and rnd.random() < native_p:
            return name.native
        text = name.spellings[0] if rnd.random() < 0.5 else rnd.choice(name.spellings)
        if rnd.random() < 0.5:
            text = strip_accents(text)
        if rnd.random() < upper_p:
            text = text.upper()
        return text

    def typo(self, text: str) -> str:
        rnd = self.rnd
        if len(text) < 4 or not text.isascii():
            return text
        i = rnd.randrange(1, len(text) - 1)
        kind = rnd.random()
        if kind < 0.3:
            return text[:i] + text[i + 1 :]
        if kind < 0.5:
            return text[:i] + text[i] + text[i:]
        if kind < 0.8:
            near = KEYBOARD_NEIGHBOURS.get(text[i].lower(), "e")
            return text[:i] + rnd.choice(near) + text[i + 1 :]
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]

    def names(self, child: Child, native_p: float) -> tuple[str, str, str, str, list[str]]:
        rnd = self.rnd
        fam = child.family
        conv = fam.pools.convention
        # A writer uses one script for the whole record.
        native_p = 1.0 if rnd.random() < native_p else 0.0
        sp = self.spell
        given = sp(child.given, native_p)
        if child.given.spellings[0] in fam.pools.nicknames and rnd.random() < 0.15:
            given = rnd.choice(fam.pools.nicknames[child.given.spellings[0]])
        father = sp(fam.father, native_p)
        mother = sp(fam.mother, native_p)
        aliases: list[str] = []
        if conv == "family":
            family = sp(fam.surname, native_p, upper_p=0.3)
            if rnd.random() < 0.3:
                father += " " + sp(fam.surname)
            if rnd.random() < 0.5:
                mother += " " + sp(fam.mother_family)
        elif conv == "arab":
            surname = sp(fam.surname, native_p, upper_p=0.2)
            style = rnd.random()
            if style < 0.5:
                family = surname
            elif style < 0.8:
                family = sp(fam.father, native_p) + " " + surname
            else:
                family = f"{sp(fam.father, native_p)} {sp(fam.grandfather, native_p)} {surname}"
            if rnd.random() < 0.3:
                father += " " + sp(fam.grandfather, native_p)
            if rnd.random() < 0.5:
                mother += " " + sp(fam.mother_family, native_p)
        elif conv == "patronymic":
            style = rnd.random()
            if style < 0.5:
                family = sp(fam.father, native_p)
            elif style < 0.9:
                family = sp(fam.father, native_p) + " " + sp(fam.grandfather, native_p)
            else:
                family = ""
            if rnd.random() < 0.5:
                father += " " + sp(fam.grandfather, native_p)
            if rnd.random() < 0.5:
                mother += " " + sp(fam.mother_family, native_p)
        elif conv == "afghan":
            family = sp(fam.surname, native_p) if fam.surname and rnd.random() < 0.7 else ""
        elif conv == "spanish":
            if child.given2 and rnd.random() < 0.6:
                given += " " + sp(child.given2)
            pat, mat = sp(fam.surname, upper_p=0.2), sp(fam.surname2, upper_p=0.2)
            style = rnd.random()
            family = pat + " " + mat if style < 0.6 else pat if style < 0.95 else f"{pat}-{mat}"
            if rnd.random() < 0.5:
                father += " " + sp(fam.surname)
            mother += " " + sp(fam.surname2)
        elif conv == "vietnam":
            middle = "Văn" if child.sex == "M" else "Thị"
            if rnd.random() < 0.5:
                middle = strip_accents(middle)
            surname = sp(fam.surname)
            style = rnd.random()
            if style < 0.6:
                given, family = f"{middle} {given}", surname
            elif style < 0.85:
                given, family = f"{surname} {middle}", given
            else:
                given, family = f"{surname} {middle} {given}", ""
        else:  # slavic
            family = sp(fam.surname, native_p)
            if rnd.random() < 0.3:
                mother += " " + sp(fam.surname, native_p)
        if rnd.random() < 0.08:
            aliases.append(sp(child.given, native_p=0.5))
        if rnd.random() < 0.12:
            if rnd.random() < 0.5:
                given = self.typo(given)
            else:
                family = self.typo(family)
        return given, family, father, mother, aliases

    def record(self, child: Child, record_id: str, side: str) -> dict[str, str]:
        rnd = self.rnd
        fam = child.family
        native_p = 0.35 if side == "request" else 0.08
        given, family, father, mother, aliases = self.names(child, native_p)
        native_p = 1.0 if not (given + family).isascii() else 0.0
        record_date = date(2024, 1, 1) + timedelta(days=rnd.randrange(900))
        age = (record_date - child.dob).days // 365
        dob = birth_year = age_estimate = ""
        roll = rnd.random()
        if side == "case":
            if roll < 0.3:
                dob = self.write_date(child.dob, swap_p=0.05)
            elif roll < 0.6:
                assessed = max(0, age + rnd.choice([-1, 0, 0, 1, 1, 2, 2, 3]))
                dob = f"{record_date.year - assessed}-01-01"
            elif roll < 0.7:
                birth_year = str(child.dob.year)
            else:
                age_estimate = str(max(0, age + rnd.choice([-1, 0, 0, 1, 1, 2, 2, 3])))
        elif roll < 0.55:
            dob = self.write_date(child.dob, swap_p=0.08)
        elif roll < 0.7:
            birth_year = str(child.dob.year)
        elif roll < 0.95:
            age_estimate = str(age + (rnd.choice([-1, 1]) if rnd.random() < 0.3 else 0))
        sex = child.sex if rnd.random() < 0.96 else rnd.choice(["", "", "", "MF"[child.sex == "M"]])
        nationality = fam.nationality
        nat_roll = rnd.random()
        if nat_roll < 0.08:
            nationality = ""
        elif nat_roll < 0.13 and side == "case":
            nationality = rnd.choice(fam.pools.nationalities)
        place = ""
        place_p = 0.55 if side == "case" else 0.8
        place_roll = rnd.random()
        if place_roll < place_p:
            place = self.spell(fam.place, native_p)
        elif place_roll < place_p + 0.12:
            place = self.spell(rnd.choice(fam.pools.places), native_p)
        return {
            "record_id": record_id,
            "given_name": given,
            "family_name": family,
            "other_names": ";".join(aliases),
            "sex": sex,
            "date_of_birth": dob,
            "birth_year": birth_year,
            "age_estimate": age_estimate,
            "record_date": record_date.isoformat(),
            "nationality": nationality,
            "place_of_origin": place,
            "father_name": father if rnd.random() < (0.6 if side == "case" else 0.85) else "",
            "mother_name": mother if rnd.random() < (0.45 if side == "case" else 0.8) else "",
        }

    def write_date(self, day: date, swap_p: float) -> str:
        rnd = self.rnd
        if day.day <= 12 and day.day != day.month and rnd.random() < swap_p * 4:
            return f"{day.year}-{day.day:02d}-{day.month:02d}"
        if rnd.random() < 0.03:
            return (day + timedelta(days=rnd.choice([-10, -1, 1, 10]))).isoformat()
        return day.isoformat()


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def generate(seed: int, n_cases: int, n_requests: int, match_rate: float = 0.7):
    """Cases, requests and truth rows (request_id, case_id or "", group)."""
    gen = Generator(seed)
    n_unmatched = int(n_requests * (1 - match_rate))
    gen.populate(n_cases + n_unmatched * 2 + 100)
    rnd = gen.rnd
    children = list(gen.children)
    rnd.shuffle(children)
    registered = children[:n_cases]
    unregistered = children[n_cases:]
    registered_ids = {c.id for c in registered}
    cases = [gen.record(c, f"C{i + 1:06d}", "case") for i, c in enumerate(registered)]
    case_of = {c.id: f"C{i + 1:06d}" for i, c in enumerate(registered)}
    matched = rnd.sample(registered, n_requests - n_unmatched)
    # Unmatched requests: first the unregistered siblings and twins of registered children.
    hard = [c for c in unregistered if any(s.id in registered_ids for s in c.family.children)]
    hard_ids = {c.id for c in hard}
    easy = [c for c in unregistered if c.id not in hard_ids]
    n_hard = min(len(hard), int(n_unmatched * 0.7))
    unmatched = rnd.sample(hard, n_hard) + rnd.sample(easy, min(len(easy), n_unmatched - n_hard))
    sought = [(c, case_of[c.id]) for c in matched] + [(c, "") for c in unmatched]
    rnd.shuffle(sought)
    requests, truth = [], []
    for i, (child, case_id) in enumerate(sought):
        request_id = f"R{i + 1:06d}"
        requests.append(gen.record(child, request_id, "request"))
        truth.append(
            {"request_id": request_id, "case_id": case_id, "group": child.family.pools.group}
        )
    return cases, requests, truth


def write(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    cases, requests, truth = generate(args.seed, args.cases, args.requests)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "cases.csv", cases, COLUMNS)
    write(args.out / "requests.csv", requests, COLUMNS)
    write(args.out / "truth.csv", truth, ["request_id", "case_id", "group"])
    print(f"{len(cases)} cases, {len(requests)} requests written to {args.out}")


if __name__ == "__main__":
    main()
