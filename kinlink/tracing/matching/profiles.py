"""What a data set is like, where the engine cannot tell it from the records alone.

The rules of the matcher are the same for every data set; two assumptions about the people
behind the records are not, and a profile states them:

- `siblings`: the records may describe brothers, sisters, twins and cousins, who share a
  family name, parents, a birth place, an address and sometimes a birthday; when the given
  names conflict, what siblings share is not counted in favour (the sibling rule,
  `score.py`). True of children on the move; false of FEBRL, whose people are drawn one
  per household.
- `one_true`: a record has at most one true counterpart on the other side (a child is
  rarely registered twice), so a candidate far weaker than the best is a namesake and is
  not suggested (the margin rule, `engine.py`). False for a deduplication such as FEBRL3,
  where one person may have nine copies.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    """The assumptions about a data set's people (see the module's docstring)."""

    name: str
    siblings: bool
    one_true: bool


CHILDREN = Profile("children", siblings=True, one_true=True)
PEOPLE = Profile("people", siblings=False, one_true=False)
PROFILES = {profile.name: profile for profile in (CHILDREN, PEOPLE)}
