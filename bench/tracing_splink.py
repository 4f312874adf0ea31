"""Splink (Fellegi–Sunter, EM-trained, DuckDB) on the same CSV files as `kinlink match`,
writing the same matches.csv: the anchor the matcher is measured against.

    .venv/bin/python bench/tracing_splink.py CASES REQUESTS OUT [--dedupe]

Set-up, as a practitioner would do it without Kinlink's rules: names lower-cased and
romanised with anyascii; birth year taken from the date, the year or the age estimate;
comparisons NameComparison (given, family, father, mother; Jaro-Winkler and Double
Metaphone levels), DateOfBirthComparison, birth year, sex, nationality, place (Jaro-Winkler);
u by random sampling, λ from deterministic rules, m by EM on two blocking rules. A candidate
is suggested at match probability ≥ 0.5 and shown at ≥ 0.01, best ten per request.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pandas as pd
from anyascii import anyascii
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink import comparison_library as cl

SHOW, SUGGEST, TOP = 0.01, 0.5, 10


def load(path: str, source: str) -> pd.DataFrame:
    rows = list(csv.DictReader(open(path, encoding="utf-8-sig")))
    frame = pd.DataFrame(rows).fillna("")

    def clean(value: str) -> str | None:
        text = " ".join(anyascii(value).lower().replace("-", " ").split())
        return text or None

    out = pd.DataFrame({"unique_id": frame["record_id"]})
    for column in ("given_name", "family_name", "father_name", "mother_name", "place_of_origin"):
        out[column] = frame[column].map(clean)
    out["sex"] = frame["sex"].replace("", None)
    out["nationality"] = frame["nationality"].replace("", None)
    out["dob"] = frame["date_of_birth"].replace("", None)

    def year(row: pd.Series) -> str | None:
        if row["date_of_birth"]:
            return row["date_of_birth"][:4]
        if row["birth_year"]:
            return row["birth_year"]
        if row["age_estimate"] and row["record_date"]:
            return str(int(row["record_date"][:4]) - int(float(row["age_estimate"])))
        return None

    out["birth_year"] = frame.apply(year, axis=1)
    out["source_dataset"] = source
    return out


def main() -> None:
    cases_path, requests_path, out_path = sys.argv[1:4]
    dedupe = "--dedupe" in sys.argv
    cases = load(cases_path, "cases")
    requests = load(requests_path, "requests")
    db_api = DuckDBAPI()
    settings = SettingsCreator(
        link_type="dedupe_only" if dedupe else "link_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("family_name"),
            block_on("birth_year", "sex"),
            block_on("dob"),
            block_on("substr(given_name, 1, 2)", "substr(family_name, 1, 2)"),
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("family_name"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("birth_year"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality"),
            cl.JaroWinklerAtThresholds("place_of_origin"),
            cl.NameComparison("father_name"),
            cl.NameComparison("mother_name"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    frames = (
        [db_api.register(cases)] if dedupe else [db_api.register(cases), db_api.register(requests)]
    )
    linker = Linker(frames, settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "birth_year")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("family_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_year"))
    pairs = linker.inference.predict(threshold_match_probability=SHOW).as_pandas_dataframe()
    rows: list[tuple[str, str, float]] = []
    for _, pair in pairs.iterrows():
        left, right = str(pair["unique_id_l"]), str(pair["unique_id_r"])
        p = float(pair["match_probability"])
        if dedupe:
            rows += [(left, right, p), (right, left, p)]
        elif pair["source_dataset_l"] == "requests":
            rows.append((left, right, p))
        else:
            rows.append((right, left, p))
    by_request: dict[str, list[tuple[float, str]]] = {}
    for request_id, case_id, p in rows:
        by_request.setdefault(request_id, []).append((p, case_id))
    with Path(out_path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["request_id", "case_id", "score", "suggested"])
        for request_id in requests["unique_id"]:
            best = sorted(by_request.get(request_id, []), reverse=True)[:TOP]
            for p, case_id in best:
                writer.writerow([request_id, case_id, f"{p:.4f}", str(p >= SUGGEST).lower()])


if __name__ == "__main__":
    main()
