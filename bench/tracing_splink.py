"""Splink (Fellegi–Sunter, EM-trained, DuckDB) on the same CSV files as `kinlink match`,
writing the same matches.csv: the anchor the matcher is measured against.

    .venv/bin/python bench/tracing_splink.py CASES REQUESTS OUT [--dedupe] [--suggest P]

Two set-ups, each as a practitioner would write it with Splink's own examples to hand and
without Kinlink's rules:

- FEBRL (the files carry FEBRL's address columns): Splink's FEBRL4 example less the
  identity number (`docs/demos/examples/duckdb/febrl4` in Splink's repository): blocking on
  both names, the names swapped, the date of birth, state and street, street number and
  street, postcode; NameComparison on both names with term frequencies,
  DateOfBirthComparison, street number exact with term frequencies, postcode
  Damerau-Levenshtein 1 and 2 with term frequencies; λ from deterministic rules (recall
  0.8), u by random sampling, m by EM blocked on the date of birth and on the postcode.
- Family tracing: names romanised with anyascii and lower-cased, first given name and first
  family name kept apart (a chain or a second surname would otherwise never agree);
  birth as a date (the year's middle when only a year or an age is known);
  ForenameSurnameComparison (catches the Vietnamese order) with term frequencies,
  NameComparison on each parent's first name, DateOfBirthComparison, sex, nationality,
  place (Jaro-Winkler); blocking on the first given name, the first family name, birth year
  and sex, the first three letters of both names, the father's first name and birth year;
  λ from deterministic rules, u by random sampling (10⁷ pairs), m by EM blocked on both
  first names and on the birth year with the father's first name (EM blocked on the birth
  year or a single name settles on a class of "same nationality and sex": m ≈ u for names).

A candidate is shown at match probability ≥ 0.01, best ten per request, and suggested at
≥ `--suggest` (0.5 unless told; `bench/tracing.py` passes the threshold with the best F1 on
the development seed, as Kinlink's was chosen).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pandas as pd
from anyascii import anyascii
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink import comparison_library as cl

SHOW, TOP = 0.01, 10
FEBRL = ("street_number", "address_1", "address_2", "suburb", "postcode", "state")


def clean(value: str) -> str | None:
    text = " ".join(anyascii(value).lower().replace("-", " ").replace("'", "").split())
    return text or None


def first(value: str) -> str | None:
    text = clean(value)
    return text.split()[0] if text else None


def birth_date(row: pd.Series) -> str | None:
    if row["date_of_birth"]:
        return row["date_of_birth"]
    if row["birth_year"]:
        return f"{row['birth_year']}-07-01"
    if row["age_estimate"] and row["record_date"]:
        return f"{int(row['record_date'][:4]) - int(float(row['age_estimate']))}-01-01"
    return None


def load(path: str, source: str) -> pd.DataFrame:
    with open(path, encoding="utf-8-sig") as handle:
        frame = pd.DataFrame(list(csv.DictReader(handle))).fillna("")
    out = pd.DataFrame({"unique_id": frame["record_id"], "source_dataset": source})
    if all(column in frame for column in FEBRL):
        out["given_name"] = frame["given_name"].map(clean)
        out["surname"] = frame["family_name"].map(clean)
        out["date_of_birth"] = frame["date_of_birth"].replace("", None)
        for column in FEBRL:
            out[column] = frame[column].map(clean)
        return out
    out["given"] = frame["given_name"].map(first)
    out["family"] = frame["family_name"].map(first)
    out["father"] = frame["father_name"].map(first)
    out["mother"] = frame["mother_name"].map(first)
    out["place"] = frame["place_of_origin"].map(clean)
    out["sex"] = frame["sex"].replace("", None)
    out["nationality"] = frame["nationality"].replace("", None)
    out["birth"] = frame.apply(birth_date, axis=1)
    out["birth_year"] = out["birth"].map(lambda d: d[:4] if d else None)
    return out


def febrl_linker(frames: list, link_type: str) -> Linker:
    settings = SettingsCreator(
        link_type=link_type,
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(frames, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    return linker


def tracing_linker(frames: list, link_type: str) -> Linker:
    settings = SettingsCreator(
        link_type=link_type,
        blocking_rules_to_generate_predictions=[
            block_on("given"),
            block_on("family"),
            block_on("birth_year", "sex"),
            block_on("substr(given, 1, 3)", "substr(family, 1, 3)"),
            block_on("father", "birth_year"),
        ],
        comparisons=[
            cl.ForenameSurnameComparison("given", "family").configure(
                term_frequency_adjustments=True
            ),
            cl.NameComparison("father"),
            cl.NameComparison("mother"),
            cl.DateOfBirthComparison(
                "birth",
                input_is_string=True,
                datetime_thresholds=[1, 1, 2, 3],
                datetime_metrics=["month", "year", "year", "year"],
            ),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality"),
            cl.JaroWinklerAtThresholds("place"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(frames, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given", "family", "birth_year")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    # EM on blocks where most pairs are one child, so that it does not settle on a class of
    # "same nationality and sex": both names (learns birth, parents, place, sex,
    # nationality), then the birth year and the father's first name (learns names).
    for rule in (block_on("given", "family"), block_on("birth_year", "father")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    return linker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases")
    parser.add_argument("requests")
    parser.add_argument("out")
    parser.add_argument("--dedupe", action="store_true")
    parser.add_argument("--suggest", type=float, default=0.5)
    args = parser.parse_args()
    cases = load(args.cases, "cases")
    requests = cases if args.dedupe else load(args.requests, "requests")
    db_api = DuckDBAPI()
    frames = (
        [db_api.register(cases)]
        if args.dedupe
        else [db_api.register(cases), db_api.register(requests)]
    )
    link_type = "dedupe_only" if args.dedupe else "link_only"
    build = febrl_linker if "postcode" in cases else tracing_linker
    linker = build(frames, link_type)
    pairs = linker.inference.predict(threshold_match_probability=SHOW).as_pandas_dataframe()
    by_request: dict[str, list[tuple[float, str]]] = {}
    for left, right, p, source in zip(
        pairs["unique_id_l"].astype(str),
        pairs["unique_id_r"].astype(str),
        pairs["match_probability"].astype(float),
        pairs["source_dataset_l"] if "source_dataset_l" in pairs else [""] * len(pairs),
        strict=True,
    ):
        if args.dedupe:
            by_request.setdefault(left, []).append((p, right))
            by_request.setdefault(right, []).append((p, left))
        elif source == "requests":
            by_request.setdefault(left, []).append((p, right))
        else:
            by_request.setdefault(right, []).append((p, left))
    with Path(args.out).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["request_id", "case_id", "score", "suggested"])
        for request_id in requests["unique_id"]:
            best = sorted(by_request.get(request_id, []), reverse=True)[:TOP]
            for p, case_id in best:
                writer.writerow([request_id, case_id, f"{p:.4f}", str(p >= args.suggest).lower()])


if __name__ == "__main__":
    main()
