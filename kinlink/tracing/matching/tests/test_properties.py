"""Properties of the normaliser and the scores, over arbitrary input."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from kinlink.tracing.matching import Record, prepare, score_pair
from kinlink.tracing.matching.names import _finish, fold, normalize, tokenize

names = st.text(max_size=40)
latin_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz -'", max_size=30)
records = st.builds(
    Record,
    record_id=st.text(min_size=1, max_size=5),
    given_name=names,
    family_name=names,
    other_names=st.lists(names, max_size=2).map(tuple),
    sex=st.sampled_from(["", "M", "F"]),
    date_of_birth=st.none() | st.dates(date(1990, 1, 1), date(2025, 12, 31)),
    birth_year=st.none() | st.integers(1990, 2025),
    age_estimate=st.none() | st.integers(0, 25).map(float),
    record_date=st.none() | st.dates(date(2020, 1, 1), date(2026, 12, 31)),
    nationality=st.sampled_from(["", "GN", "ER", "SY", "AF"]),
    place_of_origin=names,
    father_name=names,
    mother_name=names,
)


@given(names)
def test_folding_never_raises_and_is_idempotent(text: str) -> None:
    for token in tokenize(text):
        if token.vowelless:
            # An abjad word is folded letter by letter (س ح → "sh", not the Latin "sh" of
            # Shukri): its own finishing is what must settle.
            assert _finish(token.folded) == token.folded
        else:
            assert fold(token.folded) == token.folded


def test_an_arabic_ligature_is_folded_letter_by_letter_and_settles() -> None:
    (token,) = tokenize("\ufc1d")  # ARABIC LIGATURE SEEN WITH HAH: seen, then hah
    assert token.vowelless and token.folded == "sh"
    assert _finish(token.folded) == token.folded


@given(latin_names)
def test_normalize_ignores_case_and_accents(text: str) -> None:
    assert normalize(text.upper()) == normalize(text)


@given(st.sampled_from(["Олександр", "Дмитро", "Юлія", "ዮናስ", "ሰላም", "محمد", "حسن"]))
def test_a_name_and_its_transliteration_tokenise_alike(text: str) -> None:
    from anyascii import anyascii

    native = tokenize(text)
    latin = tokenize(anyascii(text))
    assert [t.skeleton for t in native] == [t.skeleton for t in latin]


@settings(max_examples=150, deadline=None)
@given(records, records)
def test_scores_are_symmetric_and_in_range(a: Record, b: Record) -> None:
    ab = score_pair(prepare(a), prepare(b))
    ba = score_pair(prepare(b), prepare(a))
    assert ab.value == ba.value
    assert 0.0 <= ab.value <= 1.0
    assert [e.left for e in ab.evidence] == [e.right for e in ba.evidence]
