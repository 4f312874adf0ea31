"""Further columns weighed by what they say in the data, profiles, and the fast path."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from kinlink.tracing.matching import Matcher, Record, prepare, score_pair
from kinlink.tracing.matching.fields import FieldModel, level_of
from kinlink.tracing.matching.profiles import CHILDREN, PEOPLE
from kinlink.tracing.matching.score import SHOW_WEIGHT, weigh


def person(record_id: str, given_name: str, family: str, postcode: str, state: str) -> Record:
    return Record(
        record_id,
        given_name=given_name,
        family_name=family,
        date_of_birth=date(1971, 5, 24),
        extra=(("postcode", postcode), ("state", state)),
    )


def registry() -> list[Record]:
    # Three states for forty people; each postcode held by two of them.
    return [
        person(f"C{i}", f"given{i}", f"family{i}", f"{2000 + i // 2}", ("nsw", "vic", "qld")[i % 3])
        for i in range(40)
    ]


def test_agreeing_on_a_rare_postcode_says_more_than_on_a_common_state() -> None:
    model = FieldModel([case.extra for case in map(prepare, registry())])
    postcode = dict(
        (c, w) for c, _, w in model.compare((("postcode", "2003"),), (("postcode", "2003"),))
    )
    state = dict((c, w) for c, _, w in model.compare((("state", "nsw"),), (("state", "nsw"),)))
    assert postcode["postcode"] > state["state"] > 0
    differs = model.compare((("state", "nsw"),), (("state", "vic"),))
    assert differs[0][1] == "differs" and differs[0][2] < 0


def test_a_slip_of_the_pen_is_near_and_a_missing_value_says_nothing() -> None:
    assert level_of("new lambton heights", "newlambto nheights") == "near"
    assert level_of("2152", "2125") == "near"
    assert level_of("byford", "marsden") == "differs"
    model = FieldModel([case.extra for case in map(prepare, registry())])
    assert model.compare((("state", "nsw"),), (("state", ""),)) == [("state", "unknown", 0.0)]


def test_the_matcher_reads_further_columns_and_explains_them() -> None:
    cases = registry()
    request = person("R1", "givn3", "famly3", "2001", "vic")
    matcher = Matcher(cases, PEOPLE)
    matcher.learn([request])
    assert matcher.top(request)[0].case_id == "C3"
    evidence = {e.field: e for e in matcher.explain(request)[0].evidence}
    assert evidence["postcode"].left == "2001" and evidence["postcode"].level == "same"


def test_only_the_people_profile_counts_what_siblings_share_when_given_names_differ() -> None:
    a = Record("a", "Hassan", "Haddad", sex="M", date_of_birth=date(2012, 3, 4), father_name="Ali")
    b = Record("b", "Karim", "Haddad", sex="M", date_of_birth=date(2012, 3, 4), father_name="Ali")
    children = Matcher([b], CHILDREN).model
    people = Matcher([b], PEOPLE).model
    assert score_pair(prepare(a), prepare(b), children).weight < 0
    assert score_pair(prepare(a), prepare(b), people).weight > 0


names = st.sampled_from(["Mamadou", "Mamadu", "Ali", "Aly", "Fatima", "Fatoumata", "Hassan", ""])


@settings(max_examples=150, deadline=None)
@given(names, names, names, names, st.integers(2005, 2015), st.integers(2005, 2015))
def test_the_fast_path_gives_the_explained_weight_whenever_a_pair_can_be_shown(
    g1: str, f1: str, g2: str, f2: str, y1: int, y2: int
) -> None:
    a = prepare(Record("a", g1, f1, birth_year=y1, father_name="Alpha"))
    b = prepare(Record("b", g2, f2, birth_year=y2, father_name="Alpha"))
    fast = weigh(a, b)
    explained = score_pair(a, b).weight
    if explained >= SHOW_WEIGHT or fast >= SHOW_WEIGHT:
        assert fast == explained
    else:
        assert fast >= explained
