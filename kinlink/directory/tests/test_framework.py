"""`framework_between` on real pairs of countries, with the shipped directory's data.

The expected answers follow from the published statuses: the HCCH table for the 1996
Convention (Albania in force 1 April 2007, Armenia 1 May 2008; France 1 February 2011;
Germany 1 January 2011; Denmark 1 October 2011), EU membership and Regulation 2019/1111.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kinlink.directory.framework import Procedure, framework_between

pytestmark = pytest.mark.django_db


def test_two_1996_parties_need_article_33_only_once_the_later_one_is_bound(shipped: Any) -> None:
    before = framework_between("AL", "AM", on=date(2008, 4, 30))
    assert before.instrument("hc1996").in_force_in_both is False
    assert before.procedure == Procedure.NONE
    assert before.consent_required is False

    after = framework_between("AL", "AM", on=date(2008, 5, 1))
    assert after.instrument("hc1996").in_force_in_both is True
    assert after.procedure == Procedure.HC1996
    assert after.consent_required is True


def test_a_placement_from_morocco_to_france_needs_article_33_since_february_2011(
    shipped: Any,
) -> None:
    assert framework_between("MA", "FR", on=date(2011, 1, 31)).procedure == Procedure.NONE
    answer = framework_between("MA", "FR", on=date(2011, 2, 1))
    assert answer.procedure == Procedure.HC1996
    assert answer.consent_required is True
    assert any("Art. 33" in reason for reason in answer.reasons)


def test_two_eu_member_states_follow_brussels_iib_rather_than_article_33(shipped: Any) -> None:
    answer = framework_between("FR", "DE", on=date(2023, 1, 1))
    assert answer.instrument("hc1996").in_force_in_both is True
    assert answer.instrument("eu").in_force_in_both is True
    assert answer.procedure == Procedure.BRUSSELS_IIB
    assert answer.consent_required is True


def test_before_august_2022_two_member_states_followed_brussels_iia(shipped: Any) -> None:
    assert framework_between("FR", "DE", on=date(2015, 6, 1)).procedure == Procedure.BRUSSELS_IIA


def test_a_placement_with_a_parent_in_another_member_state_needs_no_consent(shipped: Any) -> None:
    answer = framework_between("FR", "DE", on=date(2023, 1, 1), with_parent=True)
    assert answer.procedure == Procedure.BRUSSELS_IIB
    assert answer.consent_required is False


def test_denmark_is_a_member_state_but_not_bound_by_brussels_iib(shipped: Any) -> None:
    answer = framework_between("DE", "DK", on=date(2023, 1, 1))
    assert answer.instrument("eu").in_force_in_both is True
    assert answer.procedure == Procedure.HC1996
    assert any("Denmark" in reason for reason in answer.reasons)


def test_no_treaty_procedure_when_the_receiving_state_is_not_a_1996_party(shipped: Any) -> None:
    answer = framework_between("IT", "GN", on=date(2026, 1, 1))
    assert answer.instrument("hc1996").b.bound is False
    assert answer.procedure == Procedure.NONE
    assert answer.consent_required is False


def test_a_signature_alone_does_not_bring_the_convention_into_force(shipped: Any) -> None:
    answer = framework_between("FR", "CA", on=date(2026, 1, 1))
    assert answer.instrument("hc1996").b.status.kind == "signature"
    assert answer.procedure == Procedure.NONE


def test_an_accession_without_a_recorded_date_leaves_the_answer_open(shipped: Any) -> None:
    answer = framework_between("MA", "BZ", on=date(2026, 1, 1))
    assert answer.instrument("hc1996").in_force_in_both is None
    assert answer.procedure == Procedure.UNKNOWN
    assert answer.consent_required is None


def test_the_united_kingdom_left_the_eu_at_the_end_of_january_2020(shipped: Any) -> None:
    assert framework_between("GB", "FR", on=date(2019, 6, 1)).procedure == Procedure.BRUSSELS_IIA
    assert framework_between("GB", "FR", on=date(2023, 1, 1)).procedure == Procedure.HC1996


def test_a_missing_row_of_a_complete_list_means_not_a_party_and_of_a_partial_one_unknown(
    shipped: Any,
) -> None:
    answer = framework_between("MA", "FR", on=date(2026, 1, 1))
    assert answer.instrument("cmw").a.status is not None
    assert answer.instrument("cmw").b.bound is False  # France: not a party (complete list)
    assert answer.instrument("cmw").in_force_in_both is False
    hc1993 = framework_between("MA", "FR", on=date(2026, 1, 1)).instrument("hc1993")
    assert hc1993.a.bound is None  # Morocco: the 1993 list read is partial


def test_the_answer_names_the_agencies_of_both_countries(shipped: Any) -> None:
    from kinlink.directory.services import agency_create

    agency_create(
        actor=None,
        name="Service social international, France",
        code="ssi-fr",
        country="FR",
        kind="network_member",
        services=["home_study"],
        languages=["fra"],
    )
    answer = framework_between("MA", "FR", on=date(2026, 1, 1))
    assert [a.code for a in answer.agencies_b] == ["ssi-fr"]


def test_kosovo_is_in_the_directory_and_not_a_1996_party(shipped: Any) -> None:
    answer = framework_between("XK", "FR", on=date(2026, 1, 1))
    assert answer.country_a is not None
    assert answer.instrument("hc1996").a.bound is False
    assert answer.procedure == Procedure.NONE


def test_the_1980_convention_binds_two_states_once_the_later_one_is_bound(shipped: Any) -> None:
    # France in force 1 December 1983, the United States 1 July 1988 (HCCH table).
    before = framework_between("FR", "US", on=date(1988, 6, 30)).instrument("hc1980")
    after = framework_between("FR", "US", on=date(1988, 7, 1)).instrument("hc1980")
    assert before.in_force_in_both is False
    assert after.in_force_in_both is True


def test_a_1980_party_named_without_a_date_leaves_the_answer_open(shipped: Any) -> None:
    answer = framework_between("FR", "GB", on=date(2026, 1, 1))
    assert answer.instrument("hc1980").b.status.kind == "party"
    assert answer.instrument("hc1980").in_force_in_both is None
