"""Every write of the import module: the upload, the remembered mapping, the check (preview) and
the import itself. The import is one transaction: numbers reserved, rows inserted through the
driver's fast path (:mod:`fastinsert`), team memberships, one audit entry for the file — or
nothing at all when it fails or is cancelled."""

from __future__ import annotations

import datetime as dt
import operator
import os
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.volimport import fastinsert, parser
from wenming.volimport.crypto import encrypt_many
from wenming.volimport.models import BatchStatus, ImportBatch, ImportMapping
from wenming.volimport.validate import (
    MAX_ERRORS_KEPT,
    Checked,
    VolunteerRow,
    check_volunteers,
    volunteer_context,
)
from wenming.web.excel import TableError

MAX_IMPORT_ROWS = 500_000
INSERT_CHUNK = 20_000
# Databases on which the volunteer import inserts each checked chunk while the next is checked
# (batch_import_volunteers).
PIPELINED_VENDORS = {v for v in os.environ.get("VIMPORT_PIPELINED", "postgresql").split(",") if v}
BATCH_AUDIT_FIELDS = [
    "org",
    "kind",
    "file_name",
    "status",
    "header_row",
    "total_rows",
    "valid_rows",
    "error_rows",
    "mode",
    "imported_rows",
]


def _bsnap(batch: ImportBatch) -> dict:
    return snapshot(batch, fields=BATCH_AUDIT_FIELDS)


def batch_file_bytes(batch: ImportBatch) -> bytes:
    with default_storage.open(batch.file.blob.storage_name, "rb") as fh:
        return fh.read()


def batch_create(*, org, kind: str, upload, user) -> ImportBatch:
    """Store the uploaded sheet (owner-only: it holds personal data), find its header row and
    propose a mapping — the one remembered for this organisation and layout when there is one."""
    from wenming.files.services import file_store

    data = upload.read()
    upload.seek(0)
    grid = parser.read_grid(data, nrows=parser.HEADER_SEARCH_ROWS + 1)
    header = parser.detect_header(grid, kind)
    if header is None:
        raise TableError("文件中没有找到表头：请确认第一个工作表的前 20 行中有一行列名")
    labels = parser.header_labels(grid, header)
    mapping, remembered = mapping_for(org=org, kind=kind, labels=labels)
    with transaction.atomic():
        stored = file_store(upload=upload, organisation=None, user=user, purpose="志愿服务导入", private=True)
        batch = ImportBatch.objects.create(
            org=org,
            kind=kind,
            file=stored,
            file_name=stored.original_name[:255],
            header_row=header + 1,
            headers=labels,
            mapping=mapping,
            mapping_remembered=remembered,
            created_by=user,
        )
        audit_record(action=Action.CREATE, obj=batch, after=_bsnap(batch))
    return batch


def mapping_for(*, org, kind: str, labels: list[str]) -> tuple[dict[str, int], bool]:
    remembered = ImportMapping.objects.filter(
        org=org, kind=kind, signature=parser.header_signature(labels)
    ).first()
    if remembered is not None:
        return parser.clean_mapping(kind, remembered.mapping, len(labels)), True
    return parser.suggest_mapping(kind, labels), False


def batch_set_header(*, batch: ImportBatch, header_row: int) -> ImportBatch:
    """The person chose another header row: re-read its labels and propose a mapping again."""
    grid = parser.read_grid(batch_file_bytes(batch), nrows=parser.HEADER_SEARCH_ROWS + 1)
    if not 1 <= header_row <= min(len(grid), parser.HEADER_SEARCH_ROWS):
        raise ValidationError(f"表头行须在第 1 至 {min(len(grid), parser.HEADER_SEARCH_ROWS)} 行之间")
    labels = parser.header_labels(grid, header_row - 1)
    mapping, remembered = mapping_for(org=batch.org, kind=batch.kind, labels=labels)
    with transaction.atomic():
        before = _bsnap(batch)
        batch.header_row, batch.headers, batch.mapping, batch.mapping_remembered = (
            header_row,
            labels,
            mapping,
            remembered,
        )
        batch.status = BatchStatus.UPLOADED
        batch.save()
        audit_record(action=Action.UPDATE, obj=batch, before=before, after=_bsnap(batch))
    return batch


def batch_set_mapping(*, batch: ImportBatch, mapping: dict) -> ImportBatch:
    """Confirm the mapping (remembered for the organisation and this sheet layout)."""
    mapping = parser.clean_mapping(batch.kind, mapping, len(batch.headers))
    missing = parser.missing_required(batch.kind, mapping)
    if missing:
        raise ValidationError("请为必填项选择对应的列：" + "、".join(missing))
    with transaction.atomic():
        before = _bsnap(batch)
        batch.mapping = mapping
        batch.status = BatchStatus.CHECKING
        batch.save(update_fields=["mapping", "status"])
        ImportMapping.objects.update_or_create(
            org=batch.org,
            kind=batch.kind,
            signature=parser.header_signature(batch.headers),
            defaults={"mapping": mapping},
        )
        audit_record(action=Action.UPDATE, obj=batch, before=before, after=_bsnap(batch))
    return batch


# --- check and import ------------------------------------------------------------------------


def read_and_check(
    data: bytes, *, batch: ImportBatch, progress=None, encrypt: bool = False
) -> tuple[list, Checked]:
    """Read the stored sheet and check it with the batch's mapping; ``encrypt`` (the import, not
    the preview) also makes the Fernet tokens of the valid rows, in the same worker processes."""
    from wenming.volimport.validate import default_workers

    grid = parser.read_grid(data)
    rows = len(grid) - batch.header_row
    if rows > MAX_IMPORT_ROWS:
        raise TableError(f"数据行数超过上限 {MAX_IMPORT_ROWS} 行，请分批导入")
    if batch.kind == "volunteers":
        checked = check_volunteers(
            grid,
            header_row=batch.header_row - 1,
            mapping=batch.mapping,
            labels=batch.headers,
            ctx=volunteer_context(batch.org),
            progress=progress,
            encrypt=encrypt,
            workers=default_workers(),
        )
    else:
        from wenming.volimport.records import check_records, record_context

        checked = check_records(
            grid,
            header_row=batch.header_row - 1,
            mapping=batch.mapping,
            labels=batch.headers,
            ctx=record_context(batch.org),
            progress=progress,
        )
    return grid, checked


def batch_record_check(*, batch: ImportBatch, checked: Checked) -> None:
    with transaction.atomic():
        before = _bsnap(batch)
        batch.total_rows = checked.total
        batch.valid_rows = len(checked.valid)
        batch.error_rows = checked.error_rows
        batch.error_counts = checked.counts
        batch.errors = [[e.row, e.column, e.message] for e in checked.errors[:MAX_ERRORS_KEPT]]
        batch.status = BatchStatus.CHECKED
        batch.message = ""
        batch.save()
        audit_record(action=Action.UPDATE, obj=batch, before=before, after=_bsnap(batch))


@dataclass
class Prepared:
    """Everything the insert needs, computed before the transaction (the slow, cancellable part)."""

    rows: list[VolunteerRow]
    id_tokens: list[str]
    phone_tokens: list[str]


def prepare_volunteers(rows: list[VolunteerRow]) -> Prepared:
    """The Fernet tokens of the rows: those the check already made (``encrypt=True``), else now."""
    if rows and all(r.id_enc and r.phone_enc for r in rows):
        return Prepared(
            rows=rows, id_tokens=[r.id_enc for r in rows], phone_tokens=[r.phone_enc for r in rows]
        )
    return Prepared(
        rows=rows,
        id_tokens=encrypt_many([r.id_number for r in rows]),
        phone_tokens=encrypt_many([r.phone for r in rows]),
    )


def insert_volunteers(
    *,
    prepared: Prepared,
    org,
    user,
    file_name: str,
    check_cancel: Callable[[], None] | None = None,
    out: dict | None = None,
) -> int:
    """Insert prepared volunteers (and their team memberships) in the caller's transaction:
    numbers reserved per county in blocks, rows through executemany/COPY, one IMPORT audit
    entry. ``check_cancel`` runs between chunks (raising rolls everything back)."""
    if not prepared.rows:
        return 0
    rows = prepared.rows
    if any(
        r.id_enc != t or r.phone_enc != p
        for r, t, p in zip(rows, prepared.id_tokens, prepared.phone_tokens, strict=True)
    ):
        rows = [
            r._replace(id_enc=t, phone_enc=p)
            for r, t, p in zip(rows, prepared.id_tokens, prepared.phone_tokens, strict=True)
        ]
    inserting = VolunteerInsert(org=org, user=user, file_name=file_name, check_cancel=check_cancel)
    inserting.add(rows)
    return inserting.finish(out=out)


class VolunteerInsert:
    """The insert of an import, in the caller's transaction, fed in one or more parts
    (:meth:`add`: the PostgreSQL import adds each checked chunk while the next is being checked),
    then :meth:`finish` (team memberships, the one IMPORT audit entry). Volunteer numbers are
    reserved per county in one block per part; each part is inserted in keyed-hash order; a
    cancellation check runs after every :data:`INSERT_CHUNK` rows."""

    def __init__(self, *, org, user, file_name: str, check_cancel: Callable[[], None] | None = None):
        from wenming.volunteers.models import Volunteer
        from wenming.volunteers.services import CONSENT_VERSION

        self.org, self.user, self.file_name, self.check_cancel = org, user, file_name, check_cancel
        self.now = now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.sqlite = sqlite = connection.vendor == "sqlite"
        # SQLite gets dates and datetimes as the text Django stores (adapted once per distinct
        # value here, not per row in fastinsert); PostgreSQL's COPY takes the Python objects.
        self.adapt = adapt = fastinsert.sqlite_value if sqlite else (lambda v: v)
        self.table = Volunteer._meta.db_table
        self.columns, attnames = fastinsert.model_columns(Volunteer, {})
        fixed = {"home_org_id": org.pk, "consent_at": adapt(now), "consent_version": CONSENT_VERSION}
        # Each inserted row is gathered (one itemgetter call) from the VolunteerRow, the row's
        # own extras and the constant columns, in the model's column order.
        from_row = {
            a: VolunteerRow._fields.index(a)
            for a in (
                "name",
                "id_type",
                "id_hash",
                "id_masked",
                "sex",
                "phone_hash",
                "phone_masked",
                "political_status",
                "skills",
                "availability",
            )
        }
        extras = (
            "number",
            "id_number_enc",
            "phone_enc",
            "birth_date",
            "residence_id",
            "residence_code",
            "created_at",
        )
        width = len(VolunteerRow._fields)
        constant_names = [a for a in attnames if a not in from_row and a not in extras]
        defaults = fastinsert.defaults_for(Volunteer, constant_names, set(fixed))
        self.constants = tuple(adapt(fixed[a] if a in fixed else defaults[a]) for a in constant_names)
        source = {**from_row}
        source.update({a: width + k for k, a in enumerate(extras)})
        source.update({a: width + len(extras) + k for k, a in enumerate(constant_names)})
        self.gather = operator.itemgetter(*(source[a] for a in attnames))
        self.births: dict = {None: None}
        self.created: dict = {None: adapt(now)}
        self.prefixes: dict = {}
        self.inserted = 0
        self.team_rows: list[tuple[int, int, str]] = []  # (insert position, team id, number)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(self.table)}")
            (self.max_before,) = cursor.fetchone()

    def add(self, rows: list[VolunteerRow]) -> int:
        from wenming.volunteers.services import number_allocate, number_prefix

        # In keyed-hash order: the unique index on id_hash (random HMAC values) then grows by runs
        # instead of at random pages, and the numbers (allocated in this order) stay increasing.
        rows = sorted(rows, key=operator.attrgetter("id_hash"))
        by_prefix: dict[str, list[int]] = {}
        prefixes = self.prefixes
        for i, r in enumerate(rows):
            prefix = prefixes.get(r.residence)
            if prefix is None:
                prefix = prefixes[r.residence] = number_prefix(residence=r.residence, home_org=self.org)
            by_prefix.setdefault(prefix, []).append(i)
        numbers: list[str] = [""] * len(rows)
        for prefix, indexes in sorted(by_prefix.items()):
            for i, vnum in zip(indexes, number_allocate(prefix=prefix, count=len(indexes)), strict=True):
                numbers[i] = vnum
        gather, constants, births, created_at = self.gather, self.constants, self.births, self.created
        sqlite, adapt, tz = self.sqlite, self.adapt, self.tz
        for lo in range(0, len(rows), INSERT_CHUNK):
            chunk = []
            append = chunk.append
            for i in range(lo, min(lo + INSERT_CHUNK, len(rows))):
                r = rows[i]
                birth = births.get(r.birth_date, births)
                if birth is births:
                    birth = births[r.birth_date] = r.birth_date.isoformat() if sqlite else r.birth_date
                created = created_at.get(r.registered_on)
                if created is None:
                    created = created_at[r.registered_on] = adapt(
                        dt.datetime.combine(r.registered_on, dt.time(9), tzinfo=tz)
                    )
                residence = r.residence
                append(
                    gather(
                        r
                        + (
                            numbers[i],
                            r.id_enc,
                            r.phone_enc,
                            birth,
                            residence.pk if residence is not None else None,
                            residence.code if residence is not None else "",
                            created,
                        )
                        + constants
                    )
                )
                if r.team_id:
                    self.team_rows.append((self.inserted + i, r.team_id, numbers[i]))
            fastinsert.insert_rows(self.table, self.columns, chunk)
            if self.check_cancel is not None:
                self.check_cancel()
        self.inserted += len(rows)
        return len(rows)

    def finish(self, *, out: dict | None = None) -> int:
        from wenming.volunteers.models import MembershipStatus, TeamMembership

        inserted, adapt = self.inserted, self.adapt
        if not inserted:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT MIN(id), MAX(id), COUNT(*) FROM {connection.ops.quote_name(self.table)} WHERE id > %s",
                [self.max_before or 0],
            )
            first_id, last_id, count = cursor.fetchone()
        if self.team_rows:
            if count == inserted and last_id - first_id + 1 == inserted:
                # Our rows alone hold the new id range, so they have it in insert order (one
                # writer on SQLite; on PostgreSQL one session's inserts draw the identity values
                # in row order).
                def id_of(position, number):
                    return first_id + position
            else:  # someone else inserted meanwhile: look the ids up by number
                ids = _ids_since(self.table, self.max_before or 0)

                def id_of(position, number):
                    return ids[number]

            m_columns, m_attnames = fastinsert.model_columns(TeamMembership, {})
            m_fixed = {
                "status": MembershipStatus.APPROVED,
                "applied_at": self.now,
                "decided_at": self.now,
                "decided_by_id": getattr(self.user, "pk", None),
                "note": "批量导入",
            }
            m_names = [a for a in m_attnames if a not in ("team_id", "volunteer_id")]
            m_defaults = fastinsert.defaults_for(TeamMembership, m_names, set(m_fixed))
            m_constants = tuple(adapt(m_fixed[a] if a in m_fixed else m_defaults[a]) for a in m_names)
            m_source = {"team_id": 0, "volunteer_id": 1, **{a: 2 + k for k, a in enumerate(m_names)}}
            m_gather = operator.itemgetter(*(m_source[a] for a in m_attnames))
            m_rows = [m_gather((team_id, id_of(p, n)) + m_constants) for p, team_id, n in self.team_rows]
            fastinsert.insert_rows(TeamMembership._meta.db_table, m_columns, m_rows)
            if self.check_cancel is not None:
                self.check_cancel()
        org = self.org
        audit_record(
            action=Action.IMPORT,
            object_type="volunteers.volunteer",
            object_repr=f"批量导入志愿者：{self.file_name}"[:200],
            changes={
                "导入行数": [0, inserted],
                "加入队伍": [0, len(self.team_rows)],
                "组织": ["", org.name],
                "文件": ["", self.file_name],
            },
            region_code=org.region_code,
            org_id=org.operator_id,
        )
        if out is not None:  # the new rows' id range, for the statistics (rollup_add_import)
            out["volunteer_ids"] = (first_id, last_id)
        return inserted


def _ids_since(table: str, max_before: int) -> dict[str, int]:
    """number → id of the rows inserted after ``max_before`` (ours, in this transaction; rows a
    concurrent writer added are in the map too but never looked up)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT number, id FROM {connection.ops.quote_name(table)} WHERE id > %s", [max_before]
        )
        return dict(cursor.fetchall())


def batch_import(
    *,
    batch: ImportBatch,
    mode: str,
    checked: Checked,
    prepared,
    user,
    check_cancel: Callable[[], None] | None = None,
) -> int:
    """The import's one transaction. ``mode == "all"`` refuses a file with any error."""
    if mode == "all" and checked.errors:
        raise ValidationError(f"文件中有 {checked.error_rows} 行有错误，按“全部正确才导入”未导入任何数据")
    with transaction.atomic():
        if batch.kind == "volunteers":
            added: dict = {}
            inserted = insert_volunteers(
                prepared=prepared,
                org=batch.org,
                user=user,
                file_name=batch.file_name,
                check_cancel=check_cancel,
                out=added,
            )
            batch.added_volunteer_ids = added.get("volunteer_ids")
        else:
            from wenming.volimport.records import insert_records

            inserted = insert_records(
                prepared=prepared,
                org=batch.org,
                user=user,
                file_name=batch.file_name,
                batch_id=batch.pk,
                check_cancel=check_cancel,
            )
        _record_import(batch=batch, mode=mode, checked=checked, inserted=inserted)
    return inserted


def _refuse_if_errors(mode: str, checked: Checked) -> None:
    if mode == "all" and checked.errors:
        raise ValidationError(f"文件中有 {checked.error_rows} 行有错误，按“全部正确才导入”未导入任何数据")


def _record_import(*, batch: ImportBatch, mode: str, checked: Checked, inserted: int) -> None:
    """The batch's state after the import, in the import's transaction."""
    before = _bsnap(batch)
    batch.status = BatchStatus.IMPORTED
    batch.mode = mode
    batch.imported_rows = inserted
    batch.total_rows, batch.valid_rows, batch.error_rows = (
        checked.total,
        len(checked.valid),
        checked.error_rows,
    )
    batch.error_counts = checked.counts
    batch.errors = [[e.row, e.column, e.message] for e in checked.errors[:MAX_ERRORS_KEPT]]
    batch.message = f"已导入 {inserted} 行"
    batch.save()
    audit_record(action=Action.UPDATE, obj=batch, before=before, after=_bsnap(batch))


def batch_import_volunteers(
    *,
    batch: ImportBatch,
    mode: str,
    data: bytes,
    user,
    say: Callable[[str, int], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    check_cancel: Callable[[], None] | None = None,
) -> tuple[int, Checked]:
    """The import job's work for a volunteer sheet: read, check again (the database may have
    changed since the preview), encrypt, insert — the writes in one transaction, all or nothing.

    The checks start in forked workers (:class:`validate.VolunteerChecks`) before any transaction.
    On **PostgreSQL** the transaction then opens at once and each checked chunk is inserted (COPY)
    while the workers check the next ones; a cancellation (``check_cancel``, between chunks) or
    an error rolls everything back, and “全部正确才导入” stops inserting at the first bad row and
    refuses at the end. On **SQLite**, whose one write lock would block every other writer (and
    the cancel button) for the whole check, the file is checked first and the transaction holds
    only the insert. ``say(message, total)`` announces each phase, ``progress`` reports checked
    rows outside the transaction (docs/jobs.md: no progress writes inside one)."""
    from wenming.volimport.validate import VolunteerChecks, default_workers

    if say is not None:
        say("正在读取文件", 0)
    grid = parser.read_grid(data)
    if len(grid) - batch.header_row > MAX_IMPORT_ROWS:
        raise TableError(f"数据行数超过上限 {MAX_IMPORT_ROWS} 行，请分批导入")
    checks = VolunteerChecks(
        grid,
        header_row=batch.header_row - 1,
        mapping=batch.mapping,
        labels=batch.headers,
        ctx=volunteer_context(batch.org),
        encrypt=True,
        workers=default_workers(),
    )
    del grid  # the checks keep the data rows
    total = checks.checked.total
    added: dict = {}
    try:
        if connection.vendor in PIPELINED_VENDORS:
            if say is not None:
                say("正在校验并写入数据库（可取消，取消后不留任何数据）", total)
            with transaction.atomic():
                inserting = VolunteerInsert(
                    org=batch.org, user=user, file_name=batch.file_name, check_cancel=check_cancel
                )

                def on_valid(rows: list[VolunteerRow]) -> None:
                    if mode == "all" and checks.checked.errors:
                        return  # refused at the end anyway
                    inserting.add(rows)

                checked = checks.finish(
                    progress=(lambda done, total: check_cancel()) if check_cancel is not None else None,
                    on_valid=on_valid,
                )
                _refuse_if_errors(mode, checked)
                inserted = inserting.finish(out=added)
                batch.added_volunteer_ids = added.get("volunteer_ids")
                _record_import(batch=batch, mode=mode, checked=checked, inserted=inserted)
        else:
            if say is not None:
                say("正在校验", total)
            checked = checks.finish(progress=progress)
            _refuse_if_errors(mode, checked)
            if check_cancel is not None:
                check_cancel()
            if say is not None:
                say("正在写入数据库（可取消，取消后不留任何数据）", len(checked.valid))
            with transaction.atomic():
                inserting = VolunteerInsert(
                    org=batch.org, user=user, file_name=batch.file_name, check_cancel=check_cancel
                )
                if checked.valid:
                    inserting.add(checked.valid)
                inserted = inserting.finish(out=added)
                batch.added_volunteer_ids = added.get("volunteer_ids")
                _record_import(batch=batch, mode=mode, checked=checked, inserted=inserted)
    finally:
        checks.close()
    return inserted, checked


def batch_mark(*, batch: ImportBatch, status: str, message: str = "", **fields) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, message=message[:500], **fields)


def rollups_after_import(*, batch: ImportBatch | None = None) -> bool:
    """Raw inserts send no signals: after the import has committed, its rows are added to the
    statistics module's rollups — ``rollup_add_import`` for this batch's records or volunteers
    (docs/vstats.md), or a full ``rollup_rebuild`` when there is no batch. False when that module
    is absent or this failed (the nightly ``vstats_rebuild`` then puts the figures right)."""
    import logging

    from django.apps import apps

    if not apps.is_installed("wenming.vstats"):
        return False
    from wenming.vstats import services as vstats

    try:
        with transaction.atomic():
            if batch is not None and hasattr(vstats, "rollup_add_import"):
                if batch.kind == "volunteers":
                    ids = getattr(batch, "added_volunteer_ids", None)
                    if ids and ids[0] is not None:
                        vstats.rollup_add_import(volunteer_ids=(ids[0], ids[1]))
                else:
                    vstats.rollup_add_import(import_batch=batch.pk)
            else:
                vstats.rollup_rebuild()
    except Exception:  # noqa: BLE001 - the import itself has committed; figures catch up nightly
        logging.getLogger(__name__).exception("rollups after import failed")
        return False
    return True
