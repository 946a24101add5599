"""Checking the rows of a volunteer sheet, in plain Python: every rule comes from the volunteer
module's own helpers (``orgs.personal`` validation, keyed hashes, masking); nothing here
re-decides what a valid ID or phone is. The result holds what the insert needs (validated,
normalised values; hashes; masks) and the row-level errors in Chinese."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError

from wenming.orgs import personal
from wenming.orgs.personal import IdType, mask_id, mask_phone, validate_id, validate_phone
from wenming.volimport.fields import fields_for
from wenming.web.excel import cell_text

MAX_ERRORS_KEPT = 1000
DB_CHUNK = 5000


class Code:
    MISSING = "missing"
    ID_INVALID = "id_invalid"
    ID_DUP_FILE = "id_dup_file"
    ID_DUP_DB = "id_dup_db"
    PHONE_INVALID = "phone_invalid"
    DATE_INVALID = "date_invalid"
    TEAM_UNKNOWN = "team_unknown"
    RESIDENCE_UNKNOWN = "residence_unknown"
    CHOICE_UNKNOWN = "choice_unknown"
    VOLUNTEER_UNKNOWN = "volunteer_unknown"
    HOURS_INVALID = "hours_invalid"
    TOO_LONG = "too_long"


CODE_LABELS = {
    Code.MISSING: "必填项为空",
    Code.ID_INVALID: "证件号码有误",
    Code.ID_DUP_FILE: "文件内证件号重复",
    Code.ID_DUP_DB: "已登记为志愿者",
    Code.PHONE_INVALID: "手机号有误",
    Code.DATE_INVALID: "日期有误",
    Code.TEAM_UNKNOWN: "队伍不存在",
    Code.RESIDENCE_UNKNOWN: "社区不存在",
    Code.CHOICE_UNKNOWN: "选项无法识别",
    Code.VOLUNTEER_UNKNOWN: "志愿者未找到",
    Code.HOURS_INVALID: "服务时长有误",
    Code.TOO_LONG: "内容过长",
}


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based row number in the file
    column: str  # the header as written in the file
    code: str
    message: str


@dataclass
class Checked:
    total: int = 0
    valid: list = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, error: RowError) -> None:
        self.counts[error.code] = self.counts.get(error.code, 0) + 1
        self.errors.append(error)


def blind_indexer() -> Callable[[str, str], str]:
    """``personal.blind_index`` with the key looked up once (the tests compare it with
    ``id_hash``/``phone_hash``)."""
    return personal.blind_indexer()


def fast_text(value: Any) -> str:
    """``excel.cell_text`` with a shortcut for the common case, a plain string."""
    if value.__class__ is str and "\x00" not in value:
        return value.strip()
    return cell_text(value)


@functools.lru_cache(maxsize=8192)
def normalise_label(text: str) -> str:
    return re.sub(r"[\s\u3000]", "", text)


# --- dates ------------------------------------------------------------------------------------

DATE_RES = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: Any, *, earliest: dt.date, today: dt.date) -> dt.date:
    """A date as people type it (2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305, an
    Excel date or serial number). Raises ValidationError in Chinese."""
    day: dt.date | None = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if value == value and 1 <= value < 2958466:  # Excel's serial-number range
            day = EXCEL_EPOCH + dt.timedelta(days=int(value))
    else:
        text = cell_text(value)
        for pattern in DATE_RES:
            m = pattern.match(text)
            if m:
                try:
                    day = dt.date(int(m[1]), int(m[2]), int(m[3]))
                except ValueError:
                    day = None
                break
    if day is None:
        raise ValidationError("日期无法识别，请填写如 2024-03-05")
    if day < earliest:
        raise ValidationError(f"日期早于 {earliest:%Y-%m-%d}")
    if day > today:
        raise ValidationError("日期晚于今天")
    return day


# --- choices ----------------------------------------------------------------------------------


def choice_lookup(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    lookup = {}
    for value, label in choices:
        lookup[normalise_label(str(label))] = value
        lookup[normalise_label(str(value))] = value
    for text, value in (extra or {}).items():
        lookup[normalise_label(text)] = value
    return lookup


ID_TYPE_EXTRA = {
    "身份证": IdType.MAINLAND,
    "二代身份证": IdType.MAINLAND,
    "港澳通行证": IdType.HK_MACAO,
    "台胞证": IdType.TAIWAN,
    "外国人永久居留证": IdType.FOREIGN_PR,
}
POLITICAL_EXTRA = {
    "党员": "cpc",
    "共产党员": "cpc",
    "预备党员": "cpc_probationary",
    "团员": "cyl",
    "共青团员": "cyl",
    "无党派人士": "masses",
    "无": "masses",
}
AVAILABILITY_EXTRA = {
    "随时": "any",
    "全部": "any",
    "周六日": "weekends",
    "双休日": "weekends",
    "晚上": "evenings",
}


# --- the volunteer sheet -----------------------------------------------------------------------


class VolunteerRow(NamedTuple):
    """A valid row, as the insert needs it (a tuple: cheap to build and to pass between processes)."""

    row: int
    name: str
    id_type: str
    id_number: str
    id_hash: str
    id_masked: str
    birth_date: dt.date | None
    sex: str
    phone: str
    phone_hash: str
    phone_masked: str
    residence: Any  # Place | None
    political_status: str
    skills: str
    availability: str
    team_id: int | None
    registered_on: dt.date | None
    id_enc: str = ""
    phone_enc: str = ""


class ImportRow(NamedTuple):
    """A valid row as the import's insert needs it: its table row (``payload``) already built by
    the process that checked it, with ``services.VolunteerRowBuilder`` (the parent only appends
    the number), and what the parent still decides per row (duplicates, numbers, teams)."""

    row: int
    id_hash: str
    residence: Any  # Place | None
    team_id: int | None
    payload: Any  # tuple (SQLite) or COPY text (PostgreSQL)


_IMPORT_FIELDS = tuple(VolunteerRow._fields.index(f) for f in ("row", "id_hash", "residence", "team_id"))


def _for_insert(results: list[tuple], builder) -> list[tuple]:
    """Checked results with each valid row replaced by an :class:`ImportRow`'s plain tuple."""
    i_row, i_hash, i_residence, i_team = _IMPORT_FIELDS
    payload = builder.payload
    return [
        out
        if out[2] is None
        else (
            out[0],
            None,
            (out[2][i_row], out[2][i_hash], out[2][i_residence], out[2][i_team], payload(out[2])),
            out[3],
        )
        for out in results
    ]


@dataclass
class VolunteerContext:
    """What a check needs from the database, loaded once per file."""

    teams: dict[str, int]  # normalised name -> id
    regions_by_code: dict[str, Any]
    regions_by_name: dict[str, list]
    existing_hashes: Callable[[list[str]], set[str]]


def volunteer_context(org) -> VolunteerContext:
    from wenming.orgs.models import Region
    from wenming.orgs.regions import Level, prefix_of
    from wenming.volunteers.models import Team, Volunteer

    teams = {normalise_label(t.name): t.pk for t in Team.objects.filter(org=org, is_active=True)}
    regions = list(
        Region.objects.filter(level=Level.VILLAGE, code__startswith=prefix_of(org.region_code)).only(
            "pk", "code", "name", "level"
        )
    )
    places = [(normalise_label(r.name), Place(r.pk, r.code)) for r in regions]
    by_name: dict[str, list] = {}
    for name, place in places:
        by_name.setdefault(name, []).append(place)

    def existing(hashes: list[str]) -> set[str]:
        # Plain SQL on the unique index: the ORM's per-parameter work for 450,000 values costs
        # seconds. PostgreSQL takes them as one text parameter split into an array by the server
        # (psycopg's client-side binding would parse a query of 5,000 placeholders each time, and
        # its list dumper costs ~4 µs a value), probed one by one through the index (a LATERAL
        # subquery: for ``id_hash = ANY(…)`` the planner picks a sequential scan on a table that
        # is being filled in the import's own transaction — 95 ms a chunk at 450,000 rows against
        # 15 ms, measured); SQLite as IN (?, …), which SQLite answers from the index.
        from django.db import connection

        found: set[str] = set()
        table = connection.ops.quote_name(Volunteer._meta.db_table)
        with connection.cursor() as cursor:
            for i in range(0, len(hashes), DB_CHUNK):
                part = hashes[i : i + DB_CHUNK]
                if connection.vendor == "postgresql":  # hex digests: no comma inside
                    cursor.execute(
                        f"SELECT v.id_hash FROM unnest(string_to_array(%s, ',')) AS u(h) "
                        f"CROSS JOIN LATERAL (SELECT id_hash FROM {table} WHERE id_hash = u.h OFFSET 0) v",
                        [",".join(part)],
                    )
                else:
                    marks = ", ".join(["%s"] * len(part))
                    cursor.execute(f"SELECT id_hash FROM {table} WHERE id_hash IN ({marks})", part)
                found.update(h for (h,) in cursor.fetchall())
        return found

    return VolunteerContext(
        teams=teams,
        regions_by_code={place.code: place for _, place in places},
        regions_by_name=by_name,
        existing_hashes=existing,
    )


def data_rows(grid: list[list[Any]], header_row: int):
    """(1-based row number, cells) of the non-empty rows below the 0-based header row."""
    for index in range(header_row + 1, len(grid)):
        cells = grid[index]
        for c in cells:
            if c is not None and c != "" and (not isinstance(c, str) or c.strip()):
                yield index + 1, cells
                break


class Place(NamedTuple):
    """A community as the checks and the insert need it (light enough to pass between processes,
    cheap to hash)."""

    pk: int
    code: str


PARALLEL_MIN_ROWS = 20_000
PARALLEL_CHUNK = 10_000
_FORKED: tuple | None = None  # (rows, spec) inherited by forked workers


def default_workers() -> int:
    """Processes for checking and encrypting big files: the CPUs this process may use (≤ 4)."""
    import os

    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


def _spec(mapping, labels, ctx, today, encrypt):
    from wenming.volunteers.models import Availability, PoliticalStatus

    col = {key: mapping.get(key) for key in (f.key for f in fields_for("volunteers"))}
    return {
        "col": col,
        "today": today or dt.date.today(),
        "earliest": dt.date(1990, 1, 1),
        "id_types": choice_lookup(IdType.choices, ID_TYPE_EXTRA),
        "statuses": choice_lookup(PoliticalStatus.choices, POLITICAL_EXTRA),
        "availabilities": choice_lookup(Availability.choices, AVAILABILITY_EXTRA),
        "teams": ctx.teams,
        "regions_by_code": ctx.regions_by_code,
        "regions_by_name": ctx.regions_by_name,
        "encrypt": encrypt,
    }


def _check_rows_reference(rows, spec) -> list[tuple]:
    """The per-row checks, every rule spelt out (no database, no look at other rows): for each row
    (number, errors or None, VolunteerRow or None, ID hash); no tokens. The rows the fast path
    (:func:`_check_rows`) does not vouch for are checked here — so every error message comes from
    this function."""
    col = spec["col"]
    today, earliest = spec["today"], spec["earliest"]
    id_types, statuses, availabilities = spec["id_types"], spec["statuses"], spec["availabilities"]
    teams, regions_by_code, regions_by_name = spec["teams"], spec["regions_by_code"], spec["regions_by_name"]
    blind_index = blind_indexer()
    results: list[tuple] = []

    class _Ctx:  # the names the loop below was written against
        pass

    ctx = _Ctx()
    ctx.teams, ctx.regions_by_code, ctx.regions_by_name = teams, regions_by_code, regions_by_name

    def cell(cells, key) -> Any:
        c = col[key]
        if c is None or c >= len(cells):
            return None
        return cells[c]

    def text(cells, key) -> str:
        c = col[key]
        if c is None or c >= len(cells):
            return ""
        return fast_text(cells[c])

    for number, cells in rows:
        errors: list[tuple[str, str, str]] = []
        err = errors.append  # (field key, code, message); RowError built only for bad rows

        name = text(cells, "name")
        if not name:
            err(("name", Code.MISSING, "姓名为空"))
        elif len(name) > 50:
            err(("name", Code.TOO_LONG, "姓名超过 50 个字"))
        id_type_text = text(cells, "id_type")
        id_type = id_types.get(normalise_label(id_type_text), None) if id_type_text else IdType.MAINLAND
        if id_type is None:
            err(
                (
                    "id_type",
                    Code.CHOICE_UNKNOWN,
                    "证件类型无法识别（可填：居民身份证、港澳居民来往内地通行证、台湾居民来往大陆通行证、护照、外国人永久居留身份证）",
                )
            )
        raw_id = cell(cells, "id_number")
        info = None
        if raw_id is None or not fast_text(raw_id):
            err(("id_number", Code.MISSING, "证件号码为空"))
        elif isinstance(raw_id, float) and abs(raw_id) >= 1e16:
            err(
                (
                    "id_number",
                    Code.ID_INVALID,
                    "证件号码被 Excel 存成了数字，末几位已丢失：请把该列设为“文本”后重新填写",
                )
            )
        elif id_type is not None:
            try:
                info = validate_id(id_type, fast_text(raw_id), today=today)
            except ValidationError as exc:
                err(("id_number", Code.ID_INVALID, "；".join(exc.messages)))
        phone = ""
        phone_text = text(cells, "phone")
        if not phone_text:
            err(("phone", Code.MISSING, "手机号为空"))
        else:
            try:
                phone = validate_phone(phone_text)
            except ValidationError as exc:
                err(("phone", Code.PHONE_INVALID, "；".join(exc.messages)))
        team_id = None
        team_text = text(cells, "team")
        if team_text:
            team_id = ctx.teams.get(normalise_label(team_text))
            if team_id is None:
                err(("team", Code.TEAM_UNKNOWN, f"本组织没有名为“{team_text[:50]}”的队伍"))
        status = "masses"
        status_text = text(cells, "political_status")
        if status_text:
            status = statuses.get(normalise_label(status_text))
            if status is None:
                err(
                    (
                        "political_status",
                        Code.CHOICE_UNKNOWN,
                        "政治面貌无法识别（可填：中共党员、中共预备党员、共青团员、民主党派、群众）",
                    )
                )
        availability = "any"
        availability_text = text(cells, "availability")
        if availability_text:
            availability = availabilities.get(normalise_label(availability_text))
            if availability is None:
                err(
                    (
                        "availability",
                        Code.CHOICE_UNKNOWN,
                        "可服务时间无法识别（可填：不限、工作日、周末、节假日、工作日晚间）",
                    )
                )
        residence = None
        residence_text = text(cells, "residence")
        if residence_text:
            residence = ctx.regions_by_code.get(residence_text)
            if residence is None:
                found = ctx.regions_by_name.get(normalise_label(residence_text), [])
                if len(found) == 1:
                    residence = found[0]
                elif found:
                    err(("residence", Code.RESIDENCE_UNKNOWN, "本地区有多个同名社区，请填写 12 位社区代码"))
                else:
                    err(
                        (
                            "residence",
                            Code.RESIDENCE_UNKNOWN,
                            f"本组织所在地区没有名为“{residence_text[:50]}”的村（社区）",
                        )
                    )
        skills = text(cells, "skills")
        if len(skills) > 200:
            err(("skills", Code.TOO_LONG, "专业技能超过 200 个字"))
        registered_on = None
        raw_date = cell(cells, "registered_on")
        if raw_date is not None and fast_text(raw_date):
            try:
                registered_on = parse_date(raw_date, earliest=earliest, today=today)
            except ValidationError as exc:
                err(("registered_on", Code.DATE_INVALID, "注册日期：" + "；".join(exc.messages)))
        id_digest = (
            blind_index(f"id:{info.id_type}", info.number) if info is not None else ""
        )  # == personal.id_hash
        if errors:
            results.append((number, errors, None, id_digest))
            continue
        results.append(
            (
                number,
                None,
                VolunteerRow(
                    row=number,
                    name=name,
                    id_type=info.id_type,
                    id_number=info.number,
                    id_hash=id_digest,
                    id_masked=mask_id(info.number),
                    birth_date=info.birth_date,
                    sex=info.sex,
                    phone=phone,
                    phone_hash=blind_index("phone", phone),  # == personal.phone_hash
                    phone_masked=mask_phone(phone),
                    residence=residence,
                    political_status=status,
                    skills=skills,
                    availability=availability,
                    team_id=team_id,
                    registered_on=registered_on,
                ),
                id_digest,
            )
        )
    return results


_MISS = object()
_BAD = object()
_FAST_OPTIONAL = (
    "id_type",
    "team",
    "political_status",
    "availability",
    "residence",
    "skills",
    "registered_on",
)
_PHONE_SECOND = frozenset("3456789")
_ID_STARS = "*" * 10


def _fast_path(spec) -> Callable[[int, list], tuple | None] | None:
    """A checker for the common row — text cells, a valid 居民身份证 number and mobile, known
    team/status/community — returning the same result as :func:`_check_rows_reference` (with the
    tokens when ``spec["encrypt"]``), or None: then the reference decides. The few distinct values
    of the optional columns (team, status, community, date…) are decided once each, by the
    reference's own expressions, and remembered; the ID by ``personal.mainland_id_parts``, which
    accepts only what ``validate_mainland_id`` accepts."""
    col = spec["col"]
    c_name, c_id, c_phone = col["name"], col["id_number"], col["phone"]
    if c_name is None or c_id is None or c_phone is None:
        return None
    c = {key: col[key] for key in _FAST_OPTIONAL}
    need = max([c_name, c_id, c_phone, *(v for v in c.values() if v is not None)]) + 1
    today, earliest = spec["today"], spec["earliest"]
    teams, statuses, availabilities = spec["teams"], spec["statuses"], spec["availabilities"]
    id_types, regions_by_code, regions_by_name = (
        spec["id_types"],
        spec["regions_by_code"],
        spec["regions_by_name"],
    )
    index = personal.blind_indexer()
    mainland_id_parts = personal.mainland_id_parts
    seal = personal.sealer() if spec["encrypt"] else None
    mainland = IdType.MAINLAND

    def label_memo(compute, empty):
        """cell -> value (or _BAD) for text cells and empty cells; other cells: the reference."""
        memo: dict = {None: empty}

        def resolve(value):
            if value.__class__ is not str:
                return _MISS
            text = fast_text(value)
            if not text:
                out = empty
            else:
                out = compute(text)
                out = _BAD if out is None else out
            memo[value] = out
            return out

        return memo, resolve

    def residence_of(text):
        found = regions_by_code.get(text)
        if found is None:
            places = regions_by_name.get(normalise_label(text), [])
            found = places[0] if len(places) == 1 else None
        return found

    def date_of(value):
        try:
            return parse_date(value, earliest=earliest, today=today)
        except ValidationError:
            return None

    memos = {}
    memos["id_type"] = label_memo(lambda t: id_types.get(normalise_label(t)), mainland)
    memos["team"] = label_memo(lambda t: teams.get(normalise_label(t)), None)
    memos["political_status"] = label_memo(lambda t: statuses.get(normalise_label(t)), "masses")
    memos["availability"] = label_memo(lambda t: availabilities.get(normalise_label(t)), "any")
    memos["residence"] = label_memo(residence_of, None)
    memos["registered_on"] = label_memo(date_of, None)
    getters = []  # (position, memo, resolve) of each mapped optional label column, or None
    for key in ("id_type", "team", "political_status", "availability", "residence", "registered_on"):
        getters.append((c[key], *memos[key]) if c[key] is not None else None)
    g_type, g_team, g_status, g_avail, g_res, g_date = getters
    c_skills = c["skills"]

    def lookup(getter, cells, default):
        if getter is None:
            return default
        position, memo, resolve = getter
        value = cells[position]
        if value is None or value.__class__ is str:
            out = memo.get(value, _MISS)
            return resolve(value) if out is _MISS else out
        if getter is g_date and (value.__class__ is dt.date or value.__class__ is dt.datetime):
            out = memo.get(value, _MISS)  # an Excel date cell: decided once per distinct value too
            if out is _MISS:
                day = date_of(value)
                out = memo[value] = _BAD if day is None else day
            return out
        return _MISS  # numbers, booleans…: the reference

    def check(number: int, cells: list) -> tuple | None:
        if len(cells) < need:
            return None
        name = cells[c_name]
        if name.__class__ is not str or "\x00" in name:
            return None
        name = name.strip()
        if not name or len(name) > 50:
            return None
        if lookup(g_type, cells, mainland) != mainland:
            return None
        raw = cells[c_id]
        if raw.__class__ is not str or "\x00" in raw:
            return None
        value = raw.strip()
        if not (value.isascii() and value.isalnum()):
            return None
        value = value.upper()
        parts = mainland_id_parts(value, today)
        if parts is None:
            return None
        phone = cells[c_phone]
        phone = phone.strip() if phone.__class__ is str and "\x00" not in phone else cell_text(phone)
        if not (
            len(phone) == 11
            and phone[0] == "1"
            and phone[1] in _PHONE_SECOND
            and phone.isascii()
            and phone.isdigit()
        ):
            return None
        team_id = lookup(g_team, cells, None)
        status = lookup(g_status, cells, "masses")
        availability = lookup(g_avail, cells, "any")
        residence = lookup(g_res, cells, None)
        registered_on = lookup(g_date, cells, None)
        if (
            team_id is _BAD
            or team_id is _MISS
            or status is _BAD
            or status is _MISS
            or availability is _BAD
            or availability is _MISS
            or residence is _BAD
            or residence is _MISS
            or registered_on is _BAD
            or registered_on is _MISS
        ):
            return None
        skills = ""
        if c_skills is not None:
            skills = cells[c_skills]
            if skills is None:
                skills = ""
            elif skills.__class__ is str and "\x00" not in skills:
                skills = skills.strip()
                if len(skills) > 200:
                    return None
            else:
                return None
        id_digest = index("id:mainland", value)
        return (
            number,
            None,
            (  # a VolunteerRow's fields, as a plain tuple (wrapped by the consumer)
                number,
                name,
                mainland,
                value,
                id_digest,
                value[:4] + _ID_STARS + value[14:],
                parts[0],
                parts[1],
                phone,
                index("phone", phone),
                phone[:3] + "****" + phone[7:],
                residence,
                status,
                skills,
                availability,
                team_id,
                registered_on,
                seal(value) if seal is not None else "",
                seal(phone) if seal is not None else "",
            ),
            id_digest,
        )

    return check


def _check_rows(rows, spec, *, wrap: bool = True) -> list[tuple]:
    """The per-row checks (no database, no look at other rows): for each row (number, errors or
    None, VolunteerRow or None, ID hash). With ``spec["encrypt"]`` the valid rows also get their
    v2 tokens (``personal.sealer``). The fast path first; the reference for every row it does not
    vouch for. Runs in this process or in a forked worker; ``wrap=False`` leaves valid rows as
    plain tuples (a named tuple costs ~10× more to unpickle)."""
    fast = _fast_path(spec)
    results: list = []
    slow: list[int] = []
    if fast is not None:
        append = results.append
        for number, cells in rows:
            out = fast(number, cells)
            if out is None:
                slow.append(len(results))
                append((number, cells))
            else:
                append(out)
    else:
        slow = list(range(len(rows)))
        results = list(rows)
    if slow:
        checked = _check_rows_reference([results[i] for i in slow], spec)
        seal = personal.sealer() if spec["encrypt"] else None
        for i, out in zip(slow, checked, strict=True):
            row = out[2]
            if row is not None:
                if seal is not None:
                    row = row._replace(
                        id_enc=seal(row.id_number), phone_enc=seal(row.phone) if row.phone else ""
                    )
                out = (out[0], None, tuple(row), out[3])
            results[i] = out
    if wrap:
        make = _make_row
        results = [out if out[2] is None else (out[0], None, make(out[2]), out[3]) for out in results]
    return results


def _make_row(values: tuple) -> VolunteerRow:
    return tuple.__new__(VolunteerRow, values)


def _make_import_row(values: tuple) -> ImportRow:
    return tuple.__new__(ImportRow, values)


def _forked_chunk(bounds: tuple[int, int]) -> tuple[list[tuple], set[str] | None]:
    """A chunk checked in a worker, and — when the parent handed the look-up over
    (``spec["existing"]``) — which of its valid rows' ID hashes are already registered, asked
    on the worker's own connection (committed rows: the file's own earlier rows are duplicates
    in the file, decided by the parent). None: the parent asks."""
    rows, spec = _FORKED
    results = _check_rows(rows[bounds[0] : bounds[1]], spec, wrap=False)
    if spec.get("builder") is not None:
        results = _for_insert(results, spec["builder"])
    existing = spec.get("existing")
    if existing is None:
        return results, None
    return results, existing([out[3] for out in results if out[2] is not None])


def _worker_init() -> None:
    """A forked worker runs without the cyclic garbage collector and closes its own database
    connection when the pool is closed (Django opens one on the first look-up; the parent's were
    closed before the fork)."""
    import gc
    from multiprocessing.util import Finalize

    from django.db import connections

    gc.disable()  # a short-lived worker making many tuples: see fastinsert.gc_paused
    Finalize(None, connections.close_all, exitpriority=10)


def _workers_may_query() -> bool:
    """Whether a forked worker can open its own connection to the same database: not for an
    in-memory SQLite database (the tests'), which another process cannot see."""
    from django.db import connection

    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


class VolunteerChecks:
    """The checks of a volunteer sheet, **started** at construction: for a big file the worker
    processes are forked right away (``workers`` > 1, ≥ :data:`PARALLEL_MIN_ROWS` rows, no open
    transaction), so the caller may open a transaction afterwards — the PostgreSQL import inserts
    each chunk as it is decided (``finish(on_valid=…)``) while the workers check the next ones.
    Otherwise the chunks are checked in this process as :meth:`finish` consumes them."""

    def __init__(
        self, grid, *, header_row, mapping, labels, ctx, today=None, encrypt=False, workers=1, builder=None
    ):
        col = {key: mapping.get(key) for key in (f.key for f in fields_for("volunteers"))}
        self.label = {
            key: (labels[c] if c is not None and c < len(labels) else key) for key, c in col.items()
        }
        self.ctx = ctx
        self.rows = list(data_rows(grid, header_row))
        self.spec = _spec(mapping, labels, ctx, today, encrypt)
        # With a ``builder`` (the import) valid rows come out as ImportRows, their table rows
        # built where they were checked.
        self.spec["builder"] = builder
        total = len(self.rows)
        self.bounds = [(i, min(i + PARALLEL_CHUNK, total)) for i in range(0, total, PARALLEL_CHUNK)]
        self.checked = Checked(total=total)
        self._pool = None
        self._parts = None
        self._drained = False
        from django.db import connections

        in_transaction = any(c.in_atomic_block for c in connections.all(initialized_only=True))
        if workers > 1 and total >= PARALLEL_MIN_ROWS and not in_transaction:
            import multiprocessing

            global _FORKED
            # The duplicate look-up against the database runs in the workers too, in parallel
            # with the parent's insert of earlier chunks (PostgreSQL) or its collecting of results.
            spec = {**self.spec, "existing": ctx.existing_hashes} if _workers_may_query() else self.spec
            _FORKED = (self.rows, spec)
            connections.close_all()  # a forked child must not share the parent's database sockets
            try:
                self._pool = multiprocessing.get_context("fork").Pool(
                    min(workers, len(self.bounds)), initializer=_worker_init
                )
                self._parts = self._pool.imap(_forked_chunk, self.bounds)  # the workers start now
            except (OSError, ValueError):  # no fork here (or no resources): do it in this process
                self._pool = None
            finally:
                _FORKED = None  # the children have their copy

    @property
    def parallel(self) -> bool:
        return self._pool is not None

    def _chunks(self):
        """(checked rows, registered ID hashes among them or None) per chunk, in file order."""
        if self._pool is not None:
            yield from self._parts
            self._pool.close()  # every chunk is in: the workers exit normally (closing connections)
            self._drained = True
        else:
            builder = self.spec["builder"]
            for lo, hi in self.bounds:
                results = _check_rows(self.rows[lo:hi], self.spec, wrap=False)
                yield (_for_insert(results, builder) if builder is not None else results), None

    def close(self) -> None:
        if self._pool is not None:
            if not self._drained:  # an error or a cancellation: stop the workers now
                self._pool.terminate()
            self._pool.join()
            self._pool = None

    def finish(
        self,
        *,
        progress: Callable[[int, int], None] | None = None,
        on_valid: Callable[[list], None] | None = None,
    ) -> Checked:
        """Consume the chunks in file order: duplicates in the file (the first occurrence stays
        valid) and against the database are decided per chunk, so ``on_valid`` gets each chunk's
        valid rows as soon as they are known. Every problem of a row is reported."""
        out, label, total = self.checked, self.label, self.checked.total
        first_row_of: dict[str, int] = {}
        bad_rows: set[int] = set()
        make = _make_row if self.spec["builder"] is None else _make_import_row
        done = 0
        try:
            for part, registered in self._chunks():
                candidates: list = []
                for number, errors, row, id_digest in part:
                    if id_digest:
                        first = first_row_of.get(id_digest)
                        if first is not None:
                            errors = [
                                *(errors or ()),
                                ("id_number", Code.ID_DUP_FILE, f"证件号码与第 {first} 行重复"),
                            ]
                        else:
                            first_row_of[id_digest] = number
                    if errors:
                        bad_rows.add(number)
                        for key, code, message in errors:
                            out.add(RowError(number, label[key], code, message))
                    else:
                        candidates.append(make(row))
                if registered is not None:
                    existing = registered
                else:
                    existing = (
                        self.ctx.existing_hashes([r.id_hash for r in candidates]) if candidates else set()
                    )
                if existing:
                    valid = []
                    for r in candidates:
                        if r.id_hash in existing:
                            bad_rows.add(r.row)
                            out.add(
                                RowError(
                                    r.row,
                                    label["id_number"],
                                    Code.ID_DUP_DB,
                                    "该证件号已登记为志愿者（不能重复登记）",
                                )
                            )
                        else:
                            valid.append(r)
                else:
                    valid = candidates
                out.valid.extend(valid)
                out.error_rows = len(bad_rows)
                done += len(part)
                if on_valid is not None and valid:
                    on_valid(valid)
                if progress is not None:
                    progress(done, total)
        finally:
            self.close()
        out.errors.sort(key=lambda e: e.row)
        out.error_rows = len(bad_rows)
        if progress is not None:
            progress(total, total)
        return out


def check_volunteers(
    grid: list[list[Any]],
    *,
    header_row: int,
    mapping: dict[str, int],
    labels: list[str],
    ctx: VolunteerContext,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    encrypt: bool = False,
    workers: int = 1,
) -> Checked:
    """Check every data row; valid ones become :class:`VolunteerRow`. Every problem of a row is
    reported, not just the first. The per-row checks (and, with ``encrypt``, the tokens) run in
    ``workers`` forked processes for big files; duplicates within the file and against the
    database are decided here, in file order (:class:`VolunteerChecks`)."""
    checks = VolunteerChecks(
        grid,
        header_row=header_row,
        mapping=mapping,
        labels=labels,
        ctx=ctx,
        today=today,
        encrypt=encrypt,
        workers=workers,
    )
    return checks.finish(progress=progress)
