"""Calibrate the matcher's thresholds on the development set (seed 1), never on the
evaluation set: for each candidate's weight, the best suggestion threshold (F1), the
margin to the best candidate, and the display threshold that keeps the candidates shown
for requests without a true case under the goal while recall@10 stays at its goal.

    .venv/bin/python bench/tracing_calibrate.py DIR   # DIR from tracing_data.py --seed 1
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kinlink.tracing.matching.engine import Matcher
from kinlink.tracing.matching.files import read_records
from kinlink.tracing.matching.score import weigh


def main() -> None:
    folder = Path(sys.argv[1])
    cases, _ = read_records(folder / "cases.csv")
    requests, _ = read_records(folder / "requests.csv")
    with (folder / "truth.csv").open(encoding="utf-8") as handle:
        truth = {row["request_id"]: row["case_id"] for row in csv.DictReader(handle)}
    matcher = Matcher(cases)
    from kinlink.tracing.matching.prepare import prepare

    ranked: list[tuple[str, list[tuple[float, str]]]] = []
    for request in requests:
        query = prepare(request)
        scored = sorted(
            (
                (weigh(query, case, matcher.model), case.record_id)
                for case in matcher.index.candidates(query)
            ),
            key=lambda item: (-item[0], item[1]),
        )[:10]
        ranked.append((request.record_id, scored))
    positives = sum(1 for case_id in truth.values() if case_id)
    unmatched = len(truth) - positives
    print("show_w  recall@10  shown/unmatched")
    for show in (-2, 0, 1, 1.5, 2, 2.5, 3, 4, 5, 6):
        hits = shown = 0
        for request_id, scored in ranked:
            kept = [case_id for weight, case_id in scored if weight >= show]
            if truth[request_id]:
                hits += truth[request_id] in kept
            else:
                shown += len(kept)
        print(f"{show:6}  {hits / positives:.4f}     {shown / unmatched:.2f}")
    print("suggest_w margin  P      R      F1")
    for margin in (1.0, 1.5, 2.0, 2.5, 3.0, 99.0):
        for threshold in (7, 8, 8.5, 9, 9.5, 10, 10.5, 11):
            tp = fp = 0
            for request_id, scored in ranked:
                if not scored:
                    continue
                best = scored[0][0]
                for weight, case_id in scored:
                    if weight >= threshold and weight >= best - margin:
                        if case_id == truth[request_id]:
                            tp += 1
                        else:
                            fp += 1
            p, r = tp / max(1, tp + fp), tp / positives
            print(f"{threshold:9} {margin:6} {p:.4f} {r:.4f} {2 * p * r / max(1e-9, p + r):.4f}")


if __name__ == "__main__":
    main()
