"""The import's fast path (``validate._fast_path``, ``personal.mainland_id_parts``, the base-13
checksum, the pad-state HMAC, the v2 tokens) gives exactly what the reference gives — the
per-row rules (``validate._check_rows_reference``) and the personal-data helpers as they were
written before the fast path — for arbitrary cells, so the preview's errors and the stored values
cannot drift."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wenming.orgs import personal
from wenming.orgs.personal import IdType, make_mainland_id
from wenming.volimport import validate
from wenming.volimport.validate import Place, VolunteerContext

TODAY = dt.date(2026, 11, 22)
GOOD_IDS = [make_mainland_id("990102", dt.date(1960, 1, 1) + dt.timedelta(days=97 * i), i) for i in range(40)]
HEADER = [
    "姓名",
    "证件类型",
    "证件号码",
    "手机",
    "队伍",
    "政治面貌",
    "可服务时间",
    "居住社区",
    "专业技能",
    "注册日期",
]
MAPPING = {
    "name": 0,
    "id_type": 1,
    "id_number": 2,
    "phone": 3,
    "team": 4,
    "political_status": 5,
    "availability": 6,
    "residence": 7,
    "skills": 8,
    "registered_on": 9,
}


def _ctx():
    a, b, c = Place(1, "990102001001"), Place(2, "990102001002"), Place(3, "990102002001")
    return VolunteerContext(
        teams={"助老队": 7, "交通劝导队": 8},
        regions_by_code={p.code: p for p in (a, b, c)},
        regions_by_name={"幸福社区": [a], "和平社区": [b, c]},  # 和平社区: two of that name
        existing_hashes=lambda hashes: set(),
    )


def _variants(number: str):
    return st.sampled_from(
        [
            number,
            number.lower(),
            f" {number} ",
            number[:6] + " " + number[6:],
            number[:17] + ("0" if number[17] != "0" else "1"),  # wrong check character
            number[:-1],
            "00" + number[2:],
            number.replace(number[6:10], "2999"),  # born in the future
            number + "\x00",
            "Ｘ".join(number.rsplit("X", 1)) if number.endswith("X") else number,
        ]
    )


ids = st.one_of(
    st.sampled_from(GOOD_IDS).flatmap(_variants),
    st.text(max_size=20),
    st.floats(allow_nan=True),
    st.integers(0, 10**18),
    st.none(),
    st.sampled_from(["11010519491231002X", "11010519491231002x", "H12345678", "E12345678"]),
)
phones = st.one_of(
    st.integers(13000000000, 19999999999).map(str),
    st.sampled_from(["13812341234", " 13812341234", "+86 138-1234-1234", "0086 13812341234", "12812341234"]),
    st.sampled_from(
        ["00861381234", "1381234123", "138123412345", "１３８１２３４１２３４", "13812341234\x00"]
    ),
    st.floats(13000000000, 19999999999).map(float),
    st.text(max_size=12),
    st.none(),
)
labels = {
    1: st.one_of(
        st.none(),
        st.sampled_from(["", "身份证", "居民身份证", "mainland", "护照", "港澳通行证", "驾照", " 身份证 "]),
    ),
    4: st.one_of(
        st.none(), st.sampled_from(["", "助老队", " 助 老 队", "交通劝导队", "不存在队", 3.0, True])
    ),
    5: st.one_of(st.none(), st.sampled_from(["", "中共党员", "党员", "团员", "群众", "外星人", "cpc"])),
    6: st.one_of(st.none(), st.sampled_from(["", "不限", "周末", "随时", "半夜"])),
    7: st.one_of(
        st.none(), st.sampled_from(["", "幸福社区", "和平社区", "990102001002", "无此社区", 990102001001.0])
    ),
    8: st.one_of(st.none(), st.text(max_size=3), st.just("长" * 201), st.integers(0, 9)),
    9: st.one_of(
        st.none(),
        st.sampled_from(["", "2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日", "20240305", "1989-12-31"]),
        st.sampled_from(["2027-01-01", "2024-02-30", "昨天", " 2024-03-05 ", "2024-03-05 10:00"]),
        st.dates(min_value=dt.date(1980, 1, 1), max_value=dt.date(2030, 1, 1)),
        st.datetimes(min_value=dt.datetime(1980, 1, 1), max_value=dt.datetime(2030, 1, 1)),
        st.floats(0, 60000),
        st.booleans(),
    ),
}
names = st.one_of(st.text(max_size=8), st.just("名" * 51), st.none(), st.integers(0, 99), st.just("张三\x00"))


GOOD_CELLS = st.tuples(
    st.sampled_from(["张三", "李四", " 王五 "]),
    st.sampled_from(["", "身份证", None]),
    st.sampled_from(GOOD_IDS),
    st.integers(13000000000, 19999999999).map(str),
    st.sampled_from(["", "助老队", None]),
    st.sampled_from(["群众", "党员", ""]),
    st.sampled_from(["", "周末"]),
    st.sampled_from(["幸福社区", "990102001002", ""]),
    st.sampled_from(["", "摄影"]),
    st.sampled_from(["2024-03-05", "2024/3/5", dt.date(2024, 3, 5)]),
)
ANY_CELLS = [names, labels[1], ids, phones, *(labels[i] for i in range(4, 10))]


@st.composite
def rows(draw):
    """A good row with up to two cells drawn from anything (so both paths are exercised)."""
    cells = list(draw(GOOD_CELLS))
    for k in draw(st.sets(st.integers(0, 9), max_size=2)):
        cells[k] = draw(ANY_CELLS[k])
    return cells


def _strip_tokens(result):
    number, errors, row, digest = result
    if row is not None:
        if row.id_enc:
            assert personal.decrypt(row.id_enc) == row.id_number
            assert personal.decrypt(row.phone_enc) == row.phone
        row = row._replace(id_enc="", phone_enc="")
    return number, errors, row, digest


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=st.lists(rows(), min_size=1, max_size=12), encrypt=st.booleans(), short=st.integers(0, 12))
def test_fast_path_equals_the_reference(settings_personal_key, sheet, encrypt, short):
    sheet = [cells[: max(short, 3)] if i == 0 else cells for i, cells in enumerate(sheet)]  # a short row too
    numbered = [(i + 4, cells) for i, cells in enumerate(sheet)]
    spec = validate._spec(MAPPING, HEADER, _ctx(), TODAY, encrypt)
    fast = [_strip_tokens(r) for r in validate._check_rows(numbered, spec)]
    reference = [_strip_tokens(r) for r in validate._check_rows_reference(numbered, spec)]
    assert fast == reference


def test_the_common_row_takes_the_fast_path(settings_personal_key):
    spec = validate._spec(MAPPING, HEADER, _ctx(), TODAY, True)
    check = validate._fast_path(spec)
    cells = [
        "张三",
        "身份证",
        GOOD_IDS[3],
        "13812341234",
        "助老队",
        "党员",
        "周末",
        "幸福社区",
        "",
        "2024-03-05",
    ]
    number, errors, row, digest = check(9, cells)
    row = validate.VolunteerRow(*row)  # the fast path hands out plain tuples (cheap to pickle)
    assert errors is None and row.id_masked == personal.mask_id(GOOD_IDS[3]) and row.team_id == 7
    assert (
        row.registered_on == dt.date(2024, 3, 5) and row.residence.pk == 1 and row.political_status == "cpc"
    )
    assert digest == personal.id_hash(IdType.MAINLAND, GOOD_IDS[3]) == row.id_hash
    assert row.phone_hash == personal.phone_hash("13812341234") and row.phone_masked == "138****1234"
    assert personal.decrypt(row.id_enc) == GOOD_IDS[3]
    cells[9] = dt.datetime(2024, 3, 5, 10, 0)  # an Excel date cell
    assert validate.VolunteerRow(*check(9, cells)[2]).registered_on == dt.date(2024, 3, 5)
    for bad in (("", 0), ("不存在队", 4), ("和平社区", 7), ("2024-02-30", 9), ("13812341234x", 2)):
        changed = list(cells)
        changed[bad[1]] = bad[0]
        assert check(9, changed) is None  # the reference decides (and words the error)


# --- the personal-data helpers against their definitions as first written -------------------


def _checksum_reference(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, personal.ID_WEIGHTS, strict=True))
    return personal.ID_CHECK_CHARS[total % 11]


def _validate_reference(number: str, today: dt.date):
    value = re.sub(r"[\s\u3000-]", "", str(number or "")).upper().replace("Ｘ", "X")
    if not personal.ID_RE.match(value):
        return "format"
    if value[:2] not in personal.PROVINCE_PREFIXES and value[:2] != personal.DEMO_PREFIX:
        return "province"
    if value[2:6] == "0000":
        return "region"
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < 1900:
        return "birth"
    if birth > today:
        return "future"
    if _checksum_reference(value[:17]) != value[17]:
        return "checksum"
    return (value, birth, personal.Sex.MALE if int(value[16]) % 2 else personal.Sex.FEMALE)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=22), st.sampled_from(GOOD_IDS).flatmap(_variants), st.from_regex(r"\A\d{17}[\dXx]\Z")
    )
)
def test_mainland_validation_equals_its_definition(number):
    expected = _validate_reference(number, TODAY)
    try:
        info = personal.validate_mainland_id(number, today=TODAY)
    except personal.ValidationError as exc:
        assert isinstance(expected, str), (number, exc.messages)
        assert personal.mainland_id_parts(personal.normalise_id(number), TODAY) is None
    else:
        assert expected == (info.number, info.birth_date, info.sex)
        parts = personal.mainland_id_parts(info.number, TODAY)
        assert parts is None or parts == (info.birth_date, info.sex)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A\d{17}\Z") | st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_base13_checksum_equals_the_weighted_sum(first17):
    assert personal.id_checksum_char(first17) == _checksum_reference(first17)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=25))
def test_normalisers_equal_their_definitions(text):
    assert personal.normalise_id(text) == re.sub(r"[\s\u3000-]", "", text).upper().replace("Ｘ", "X")
    phone = re.sub(r"[\s\u3000()\-]", "", text)
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix) :]
    assert personal.normalise_phone(text) == phone


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["phone", "id:mainland", "id:passport"]), value=st.text(min_size=1, max_size=40))
def test_keyed_hash_is_hmac_sha256(settings_personal_key, kind, value):
    """HMAC-SHA256 truncated to its first 128 bits (RFC 2104 §5)."""
    _, key = personal._current_keys()
    expected = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]
    assert personal.blind_index(kind, value) == expected == personal.blind_indexer()(kind, value)


def test_mostly_good_sheet_equals_the_reference(settings_personal_key):
    """A realistic sheet — mostly good rows, some with one bad or unusual cell — through both."""
    import random

    rng = random.Random(5)
    good = ["李四", "", GOOD_IDS[0], "13912345678", "助老队", "群众", "", "990102001002", "摄影", "2023/7/1"]
    odd = {
        0: ["", None, 12, "名" * 51],
        1: ["护照", "外星证"],
        2: ["11010519491231002x", " 11010519491231002X", GOOD_IDS[5][:-1] + "0", 3.3e17],
        3: ["+86 139 1234 5678", 13912345678.0, "1391234567", None],
        4: ["无此队", 5],
        5: ["团员", "无党派", "火星人"],
        6: ["周六日", "凌晨"],
        7: ["和平社区", "幸福社区", "无此社区"],
        8: ["长" * 201, None],
        9: [dt.date(2024, 1, 1), dt.datetime(2030, 1, 1), "2024-13-01", 45000.0, None],
    }
    sheet = []
    for i in range(300):
        cells = list(good)
        cells[2] = GOOD_IDS[i % len(GOOD_IDS)]
        if rng.random() < 0.4:
            k = rng.choice(list(odd))
            cells[k] = rng.choice(odd[k])
        sheet.append((i + 4, cells))
    spec = validate._spec(MAPPING, HEADER, _ctx(), TODAY, True)
    check = validate._fast_path(spec)
    assert sum(check(n, c) is not None for n, c in sheet) > 150
    fast = [_strip_tokens(r) for r in validate._check_rows(sheet, spec)]
    assert fast == [_strip_tokens(r) for r in validate._check_rows_reference(sheet, spec)]
    assert any(r[1] for r in fast) and any(r[2] for r in fast)
