"""Matching many records: candidates from the index, scored, the best kept."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kinlink.tracing.matching.fields import FieldModel
from kinlink.tracing.matching.index import CandidateIndex
from kinlink.tracing.matching.prepare import Prepared, prepare
from kinlink.tracing.matching.profiles import CHILDREN, Profile
from kinlink.tracing.matching.records import Record
from kinlink.tracing.matching.score import (
    PRIOR,
    SHOW_WEIGHT,
    SUGGEST,
    Model,
    Score,
    probability,
    score_pair,
    weigh,
)

SHOW = probability(SHOW_WEIGHT)  # 0.0078: not worth a caseworker's glance below it
# A candidate is suggested when it reaches SUGGEST and is within this many bits of the
# request's best candidate: one child is rarely registered twice, and a far weaker second
# is a namesake.
SUGGEST_MARGIN = 1.0  # calibrated with SUGGEST on the development set (seed 1)


@dataclass(frozen=True, slots=True)
class Match:
    """One candidate for one record: a row of matches.csv."""

    request_id: str
    case_id: str
    score: float
    suggested: bool


class Matcher:
    """Cases prepared and indexed once; then any number of records matched against them."""

    def __init__(self, cases: Sequence[Record], profile: Profile = CHILDREN) -> None:
        prepared = [prepare(case) for case in cases]
        self.profile = profile
        self.index = CandidateIndex(prepared)
        self.fields = FieldModel([case.extra for case in prepared])
        self.model = Model(self.index.frequencies, self.fields or None, profile.siblings)

    def learn(self, records: Sequence[Record], sample: int = 600) -> None:
        """Learn the weights of the further columns (`fields.py`) from the candidates of a
        sample of records, without labels. Nothing to learn when the files carry none."""
        if not self.fields:
            return
        step = max(1, len(records) // sample)
        pairs = []
        core_model = Model(self.index.frequencies, None, self.profile.siblings)
        for record in records[::step]:
            query = prepare(record)
            for case in self.index.candidates(query, 20):
                core = weigh(query, case, core_model)
                levels = [
                    (column, level)
                    for column, level, _ in self.fields.compare(query.extra, case.extra)
                    if level != "unknown"
                ]
                pairs.append((core - PRIOR, levels))
        self.fields.learn(pairs)

    def top(self, record: Record | Prepared, top: int = 10) -> list[Match]:
        """The best `top` candidate cases for one record, best first, without explanation."""
        query = record if isinstance(record, Prepared) else prepare(record)
        scored = [
            (weigh(query, case, self.model), case.record_id)
            for case in self.index.candidates(query)
        ]
        # Best first; ties to the smaller case id, for a reproducible output.
        best = sorted(scored, key=lambda item: (-item[0], item[1]))[:top]
        matches = []
        for weight, case_id in best:
            value = probability(weight)
            if value < SHOW:
                break
            suggested = value >= SUGGEST and (
                not self.profile.one_true or weight >= best[0][0] - SUGGEST_MARGIN
            )
            matches.append(Match(query.record_id, case_id, value, suggested))
        return matches

    def explain(self, record: Record | Prepared, top: int = 10) -> list[Score]:
        """The best candidates with their field-by-field explanation (for the review screen)."""
        query = record if isinstance(record, Prepared) else prepare(record)
        by_id = {case.record_id: case for case in self.index.candidates(query)}
        return [score_pair(query, by_id[m.case_id], self.model) for m in self.top(query, top)]


def match_all(
    cases: Sequence[Record],
    requests: Sequence[Record],
    top: int = 10,
    workers: int = 0,
    profile: Profile = CHILDREN,
) -> Iterator[Match]:
    """Every request's best candidates, in request order.

    With `workers` > 1 (default: the machine's cores, at most 2 per the benchmark), the
    requests are split among forked processes that share the index read-only.
    """
    matcher = Matcher(cases, profile)
    matcher.learn(requests)
    workers = workers or min(2, os.cpu_count() or 1)
    if workers <= 1 or len(requests) < 200:
        for request in requests:
            yield from matcher.top(request, top)
        return
    yield from _parallel(matcher, requests, top, workers)


_SHARED: dict[str, object] = {}


def _work(chunk: tuple[int, int]) -> list[Match]:
    matcher = _SHARED["matcher"]
    requests = _SHARED["requests"]
    if not isinstance(matcher, Matcher) or not isinstance(requests, list):
        raise RuntimeError("worker started without a matcher")
    found: list[Match] = []
    for request in requests[chunk[0] : chunk[1]]:
        found.extend(matcher.top(request, int(str(_SHARED["top"]))))
    return found


def _parallel(
    matcher: Matcher, requests: Sequence[Record], top: int, workers: int
) -> Iterator[Match]:
    import gc
    import multiprocessing

    _SHARED.update(matcher=matcher, requests=list(requests), top=top)
    # Freezing the heap keeps the forked workers from copying the index page by page.
    gc.freeze()
    size = 500
    chunks = [(start, min(start + size, len(requests))) for start in range(0, len(requests), size)]
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        for found in pool.imap(_work, chunks):
            yield from found
    gc.unfreeze()
    _SHARED.clear()
