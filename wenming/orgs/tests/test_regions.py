"""Region codes: 12 digits, a prefix is a subtree (wenming.orgs.regions)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wenming.orgs.regions import LEVEL_DIGITS, Level, is_valid_code, level_of, parent_code, prefix_of

SEGMENTS = [(0, 2), (2, 4), (4, 6), (6, 9), (9, 12)]


@pytest.mark.parametrize(
    "code,level,prefix,parent",
    [
        ("330000000000", Level.PROVINCE, "33", None),
        ("330100000000", Level.CITY, "3301", "330000000000"),
        ("330106000000", Level.COUNTY, "330106", "330100000000"),
        ("330106001000", Level.TOWN, "330106001", "330106000000"),
        ("330106001002", Level.VILLAGE, "330106001002", "330106001000"),
    ],
)
def test_it_knows_each_level(code, level, prefix, parent):
    assert is_valid_code(code)
    assert level_of(code) == level
    assert prefix_of(code) == prefix
    assert parent_code(code) == parent


@pytest.mark.parametrize(
    "code",
    ["", "33", "3301000000001", "33010000000a", "000000000000", "330006000000", "330100001000", "000100000000", "33 100000000"],
)
def test_it_rejects_bad_codes_and_holes(code):
    assert not is_valid_code(code)
    assert level_of(code) is None


def test_prefix_of_a_bad_code_is_an_error():
    with pytest.raises(ValueError):
        prefix_of("330006000000")


@st.composite
def codes(draw):
    level = draw(st.integers(min_value=1, max_value=5))
    parts = []
    for i, (start, end) in enumerate(SEGMENTS):
        width = end - start
        if i < level:
            parts.append(str(draw(st.integers(min_value=1, max_value=10**width - 1))).zfill(width))
        else:
            parts.append("0" * width)
    return "".join(parts), level


@given(codes())
def test_every_valid_code_is_in_its_own_subtree_and_its_parents(item):
    code, level = item
    assert is_valid_code(code)
    assert level_of(code) == level
    prefix = prefix_of(code)
    assert len(prefix) == LEVEL_DIGITS[level]
    assert code.startswith(prefix)
    assert prefix.ljust(12, "0") == code  # the prefix names the region itself
    ancestor = parent_code(code)
    depth = level
    while ancestor is not None:
        depth -= 1
        assert level_of(ancestor) == depth
        assert code.startswith(prefix_of(ancestor))  # a prefix is a subtree
        ancestor = parent_code(ancestor)
    assert depth == 1


@given(codes(), st.integers(min_value=0, max_value=3))
def test_a_hole_above_the_deepest_segment_makes_a_code_invalid(item, hole):
    code, level = item
    if hole >= level - 1:
        return
    start, end = SEGMENTS[hole]
    holed = code[:start] + "0" * (end - start) + code[end:]
    assert not is_valid_code(holed)


@given(st.text(max_size=14))
def test_arbitrary_text_never_crashes(text):
    valid = is_valid_code(text)
    assert level_of(text) is not None or not valid
    if valid:
        assert parent_code(text) is None or is_valid_code(parent_code(text))
