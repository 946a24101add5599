"""ID and phone validation (GB 11643), protection at rest and masking (wenming/orgs/personal.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from wenming.orgs import personal
from wenming.orgs.personal import IdType, Sex, make_mainland_id, validate_id, validate_mainland_id

# Real province prefixes and the demo prefix 99, with a plausible city/county part.
regions = st.builds(
    lambda p, rest: p + rest,
    st.sampled_from(sorted(personal.PROVINCE_PREFIXES | {"99"})),
    st.from_regex(r"\A(0[1-9]|[1-9]\d)\d{2}\Z", fullmatch=True),
)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today())
seqs = st.integers(min_value=0, max_value=999)


def test_it_accepts_the_standard_example():
    # The example of GB 11643-1999 (Beijing, 1949-12-31, female? no: seq 999 → odd → male).
    info = validate_mainland_id("11010519491231002X")
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == Sex.FEMALE  # 17th digit 2 is even
    assert info.number == "11010519491231002X"


def test_it_normalises_lower_case_x_and_spaces():
    assert validate_mainland_id(" 110105 19491231 002x ").number == "11010519491231002X"


@given(regions, births, seqs)
def test_it_accepts_every_generated_id_and_derives_birth_and_sex(region, birth, seq):
    number = make_mainland_id(region, birth, seq)
    info = validate_id(IdType.MAINLAND, number)
    assert info.birth_date == birth
    assert info.sex == (Sex.MALE if seq % 2 else Sex.FEMALE)


@given(regions, births, seqs, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_it_rejects_any_single_digit_change(region, birth, seq, position, delta):
    number = make_mainland_id(region, birth, seq)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_id(IdType.MAINLAND, changed)


@given(regions, births, seqs)
def test_it_rejects_a_wrong_check_character(region, birth, seq):
    number = make_mainland_id(region, birth, seq)
    for char in "0123456789X":
        if char != number[17]:
            with pytest.raises(ValidationError):
                validate_mainland_id(number[:17] + char)


@settings(max_examples=300)
@given(st.sampled_from(IdType.values), st.text(max_size=40))
def test_arbitrary_strings_never_crash(id_type, text):
    try:
        info = validate_id(id_type, text)
    except ValidationError as exc:
        assert exc.messages and all(exc.messages)
    else:
        assert info.number


@given(st.text(max_size=30))
def test_arbitrary_phones_never_crash(text):
    try:
        value = personal.validate_phone(text)
    except ValidationError:
        return
    assert personal.PHONE_RE.match(value)


def test_it_refuses_future_birth_dates_and_unknown_provinces():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="晚于今天"):
        validate_mainland_id(make_mainland_id("990102", tomorrow, 1))
    with pytest.raises(ValidationError, match="省级"):
        validate_mainland_id(make_mainland_id("000102", dt.date(1990, 1, 1), 1))
    with pytest.raises(ValidationError, match="省级"):
        validate_mainland_id(make_mainland_id("980102", dt.date(1990, 1, 1), 1))
    with pytest.raises(ValidationError, match="出生日期"):
        validate_mainland_id("99010219900230001" + personal.id_checksum_char("99010219900230001"))


@pytest.mark.parametrize(
    ("id_type", "good", "bad"),
    [
        (IdType.HK_MACAO, "H12345678", "X12345678"),
        (IdType.TAIWAN, "12345678", "1234567"),
        (IdType.PASSPORT, "E12345678", "E1"),
        (IdType.FOREIGN_PR, "USA123456789012", "US123456789012"),
        (IdType.FOREIGN_PR, make_mainland_id("911234", dt.date(1980, 1, 1), 12), "911234198001010120"),
    ],
)
def test_other_documents_get_format_checks(id_type, good, bad):
    assert validate_id(id_type, good.lower()).number == good
    with pytest.raises(ValidationError):
        validate_id(id_type, bad)


@pytest.mark.parametrize("phone", ["13812341234", "+86 138-1234-1234", "0086 13812341234", "199 0000 1111"])
def test_mobile_phones(phone):
    assert len(personal.validate_phone(phone)) == 11


@pytest.mark.parametrize("phone", ["", "12812341234", "1381234123", "138123412345", "021-12345678"])
def test_not_mobile_phones(phone):
    with pytest.raises(ValidationError):
        personal.validate_phone(phone)


def test_masks():
    assert personal.mask_id("33010619900101123X") == "3301**********123X"
    assert personal.mask_phone("13812341234") == "138****1234"
    assert personal.mask_id("H12345678") == "H1*****78"
    assert personal.mask_id("") == "" and personal.mask_phone("") == ""


@given(st.text(max_size=40))
def test_masking_never_shows_more_than_half(text):
    masked = personal.mask_id(text)
    assert len(masked) == len(personal.normalise_id(text))
    assert masked.count("*") * 2 >= len(masked)


def test_encryption_round_trip_and_blind_index(settings):
    token = personal.encrypt("33010619900101123X")
    assert "33010619900101123X" not in token
    assert personal.decrypt(token) == "33010619900101123X"
    assert personal.encrypt("x") != personal.encrypt("x")  # random IV: equal values do not show
    h1 = personal.id_hash(IdType.MAINLAND, "33010619900101123x")
    assert h1 == personal.id_hash(IdType.MAINLAND, "33010619900101123X") and len(h1) == 32
    assert h1 != personal.id_hash(IdType.PASSPORT, "33010619900101123X")
    assert personal.phone_hash("+86 13812341234") == personal.phone_hash("13812341234")
    settings.PERSONAL_DATA_KEY = "another key entirely, for this test only"
    assert personal.id_hash(IdType.MAINLAND, "33010619900101123X") != h1
    from cryptography.fernet import InvalidToken

    with pytest.raises(InvalidToken):
        personal.decrypt(token)
