"""Property tests: whatever cells and shapes a sheet holds, header detection, mapping and the
checks never raise (they report row errors instead), and every row is either valid or has an
error — never both, never neither."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wenming.volimport import parser
from wenming.volimport.fields import VOLUNTEER_FIELDS
from wenming.volimport.validate import VolunteerContext, check_volunteers, data_rows, parse_date

SYNONYMS = [s for f in VOLUNTEER_FIELDS for s in f.synonyms]
cells = st.one_of(
    st.none(),
    st.text(max_size=25),
    st.sampled_from(SYNONYMS),
    st.integers(min_value=-(10**19), max_value=10**19),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.datetimes(),
    st.sampled_from(
        ["11010519491231002X", "110105194912310021", "13812345678", "+86 138-1234-5678", "护照", "中共党员"]
    ),
)
grids = st.lists(st.lists(cells, max_size=12), max_size=30)


def _ctx():
    return VolunteerContext(
        teams={"助老队": 1},
        regions_by_code={},
        regions_by_name={},
        existing_hashes=lambda hashes: set(hashes[:1]),
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    grid=grids,
    mapping=st.dictionaries(st.sampled_from([f.key for f in VOLUNTEER_FIELDS]), st.integers(-3, 15)),
)
def test_parser_and_checks_never_crash(settings_personal_key, grid, mapping):
    header = parser.detect_header(grid, "volunteers")
    if header is None:
        return
    labels = parser.header_labels(grid, header)
    suggested = parser.suggest_mapping("volunteers", labels)
    assert len(set(suggested.values())) == len(suggested)
    parser.header_signature(labels)
    cleaned = parser.clean_mapping("volunteers", {**suggested, **mapping}, len(labels))
    assert all(0 <= c < len(labels) for c in cleaned.values())
    checked = check_volunteers(grid, header_row=header, mapping=cleaned, labels=labels, ctx=_ctx())
    rows = [n for n, _ in data_rows(grid, header)]
    assert checked.total == len(rows)
    error_rows = {e.row for e in checked.errors}
    valid_rows = {v.row for v in checked.valid}
    assert not (error_rows & valid_rows)
    assert error_rows | valid_rows == set(rows)
    assert checked.error_rows == len(error_rows)
    for e in checked.errors:
        assert e.message and e.code


@settings(max_examples=300, deadline=None)
@given(value=cells)
def test_parse_date_raises_only_validation_errors(value):
    from django.core.exceptions import ValidationError

    try:
        day = parse_date(value, earliest=dt.date(1990, 1, 1), today=dt.date(2026, 11, 22))
    except ValidationError as exc:
        assert exc.messages
    else:
        assert dt.date(1990, 1, 1) <= day <= dt.date(2026, 11, 22)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=400))
def test_read_grid_refuses_garbage_in_chinese(data):
    from wenming.web.excel import TableError

    try:
        grid = parser.read_grid(data)
    except TableError as exc:
        assert exc.message
    else:
        assert isinstance(grid, list)


def test_header_found_below_titles_and_blank_rows():
    grid = [
        ["2024年志愿者花名册"],
        [],
        [None, None],
        ["序号", "姓 名", "身份证号：", "手机号码*"],
        [1, "甲", "x", "y"],
    ]
    assert parser.detect_header(grid, "volunteers") == 3
    labels = parser.header_labels(grid, 3)
    assert parser.suggest_mapping("volunteers", labels) == {"name": 1, "id_number": 2, "phone": 3}


def test_forked_checks_equal_the_serial_ones(settings_personal_key, monkeypatch):
    """Big files are checked (and encrypted) in forked processes: same result as in-process."""
    from wenming.orgs.personal import decrypt
    from wenming.volimport import validate
    from wenming.volimport.tests.helpers import HEADER, good_rows

    rows = good_rows(240)
    rows[7][2] = rows[3][2]  # a duplicate across chunk boundaries
    rows[100][3] = "12"  # a bad phone
    grid = [HEADER, *rows]
    mapping = parser.suggest_mapping("volunteers", HEADER)
    ctx = VolunteerContext(
        teams={"幸福社区助老队": 7}, regions_by_code={}, regions_by_name={}, existing_hashes=lambda h: set()
    )
    serial = check_volunteers(
        grid, header_row=0, mapping=mapping, labels=HEADER, ctx=ctx, encrypt=True, workers=1
    )
    monkeypatch.setattr(validate, "PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(validate, "PARALLEL_CHUNK", 50)
    forked = check_volunteers(
        grid, header_row=0, mapping=mapping, labels=HEADER, ctx=ctx, encrypt=True, workers=2
    )
    assert [e.__dict__ if hasattr(e, "__dict__") else e for e in forked.errors] == [
        e.__dict__ if hasattr(e, "__dict__") else e for e in serial.errors
    ]
    assert len(forked.valid) == len(serial.valid) == 238
    for a, b in zip(forked.valid, serial.valid, strict=True):
        assert (a.row, a.id_hash, a.phone_hash, a.team_id) == (b.row, b.id_hash, b.phone_hash, b.team_id)
        assert decrypt(a.id_enc) == a.id_number and decrypt(a.phone_enc) == a.phone


def test_fast_keyed_hash_is_personal_blind_index(settings_personal_key):
    from wenming.orgs.personal import id_hash, phone_hash
    from wenming.volimport.tests.helpers import person, phone
    from wenming.volimport.validate import blind_indexer

    index = blind_indexer()
    for i in range(50):
        assert index("id:mainland", person(i)) == id_hash("mainland", person(i))
        assert index("phone", phone(i)) == phone_hash(phone(i))
