"""The family-tracing matcher: a pure library (no Django), used by the web app, background
tasks and `kinlink match`.

    matcher = Matcher(cases)            # prepare and index once
    matcher.top(record, top=10)         # ranked: Match(request_id, case_id, score, suggested)
    matcher.explain(record)             # the same with a field-by-field explanation (Score)
    score_pair(prepare(a), prepare(b))  # one pair, explained; symmetric

`docs/matching.md` describes the rules and the figures measured.
"""

from kinlink.tracing.matching.engine import Match, Matcher, match_all
from kinlink.tracing.matching.prepare import Prepared, prepare
from kinlink.tracing.matching.records import Record
from kinlink.tracing.matching.score import SUGGEST, FieldEvidence, Score, score_pair

__all__ = [
    "SUGGEST",
    "FieldEvidence",
    "Match",
    "Matcher",
    "Prepared",
    "Record",
    "Score",
    "match_all",
    "prepare",
    "score_pair",
]
