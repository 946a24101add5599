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
    ImportRow,
    VolunteerRow,
    check_volunteers,
    volunteer_context,
)
from wenming.web.excel import TableError

MAX_IMPORT_ROWS = 500_000
INSERT_CHUNK = 20_000
# Databases on which the volunteer import inserts each checked chunk while the next is checked
# (batch_import_volunteers); the others check the whole file first.
PIPELINED_VENDORS = {v for v in os.environ.get("VIMPORT_PIPELINED", "postgresql,sqlite").split(",") if v}
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
    with fastinsert.gc_paused():
        return _read_and_check(data, batch=batch, progress=progress, encrypt=encrypt)


def _read_and_check(data: bytes, *, batch: ImportBatch, progress, encrypt: bool) -> tuple[list, Checked]:
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


class VolunteerRowBuilder:
    """A checked volunteer's table row in the form the driver takes, built from as few objects
    as possible (they cross from the worker that checked the row to the parent process):

    - SQLite: a tuple of the row's own values (dates as the text Django stores); the columns
      that are the same for every row of the file are literals in the INSERT statement;
    - PostgreSQL: one line of COPY text with those constant fields already in it.

    The number is left out: the parent process reserves the numbers and appends each one as
    the last value (:attr:`columns`). The import makes the builder before its check workers
    are forked, so each worker builds the rows it checked (:class:`validate.ImportRow`)."""

    def __init__(self, *, org, vendor: str, now: dt.datetime):
        from wenming.volunteers.models import Volunteer
        from wenming.volunteers.services import CONSENT_VERSION

        self.now = now
        self.tz = timezone.get_current_timezone()
        self.sqlite = sqlite = vendor == "sqlite"
        columns, attnames = fastinsert.model_columns(Volunteer, {})
        column_of = dict(zip(attnames, columns, strict=True))
        from_row = (
            "id_type",
            "id_hash",
            "id_masked",
            "sex",
            "phone_hash",
            "phone_masked",
            "political_status",
            "availability",
        )
        # Free text (escaped for COPY), values built per row, dates made once per distinct value.
        extras = (
            "name",
            "skills",
            "id_number_enc",
            "phone_enc",
            "birth_date",
            "residence_id",
            "residence_code",
            "created_at",
        )
        constant_names = [a for a in attnames if a not in from_row and a not in extras and a != "number"]
        fixed = {"home_org_id": org.pk, "consent_at": now, "consent_version": CONSENT_VERSION}
        defaults = fastinsert.defaults_for(Volunteer, constant_names, set(fixed))
        constants = [fixed[a] if a in fixed else defaults[a] for a in constant_names]
        varying = [a for a in attnames if a in from_row or a in extras]
        source = {a: VolunteerRow._fields.index(a) for a in from_row}
        width = len(VolunteerRow._fields)
        source.update({a: width + k for k, a in enumerate(extras)})
        self.gather = operator.itemgetter(*(source[a] for a in varying))
        if sqlite:
            quote = connection.schema_editor().quote_value
            self.columns = [*(column_of[a] for a in varying), column_of["number"]]
            self.literals = [
                (column_of[a], quote(fastinsert.sqlite_value(v)))
                for a, v in zip(constant_names, constants, strict=True)
            ]
            self.constant_text = ""
            self.births: dict = {None: None}
            self.created: dict = {None: fastinsert.sqlite_value(now)}
        else:
            self.columns = [
                *(column_of[a] for a in varying),
                *(column_of[a] for a in constant_names),
                column_of["number"],
            ]
            self.literals = []
            self.constant_text = "".join(fastinsert.copy_text(v) + "\t" for v in constants)
            self.births = {None: "\\N"}
            self.created = {None: fastinsert.copy_text(now)}
        self.payload = self._payload_function()

    def _payload_function(self) -> Callable[[tuple], object]:
        """``payload(row)``: the row (all columns but the number) for a VolunteerRow or its plain
        tuple — a closure over local names, as it runs once per imported row."""
        i_name, i_skills, i_birth, i_registered, i_residence, i_id_enc, i_phone_enc = (
            VolunteerRow._fields.index(f)
            for f in ("name", "skills", "birth_date", "registered_on", "residence", "id_enc", "phone_enc")
        )
        births, created_at, gather, tz = self.births, self.created, self.gather, self.tz
        combine, nine = dt.datetime.combine, dt.time(9)
        sqlite = self.sqlite
        if sqlite:  # values as Django stores them on SQLite

            def text(v):
                return v

            pk, null, moment = int, None, fastinsert.sqlite_value
        else:
            # COPY text: only the free text can hold a backslash, tab or line break — every other
            # field is made by this code (codes, digits, hex, base64 tokens, masks, ISO dates).
            text = pk = moment = fastinsert.copy_text
            null = "\\N"
        join, tail = "\t".join, "\t" + self.constant_text

        def payload(r: tuple):
            birth = births.get(r[i_birth], births)
            if birth is births:
                birth = births[r[i_birth]] = r[i_birth].isoformat()
            created = created_at.get(r[i_registered])
            if created is None:
                created = created_at[r[i_registered]] = moment(combine(r[i_registered], nine, tzinfo=tz))
            residence = r[i_residence]
            values = gather(
                r
                + (
                    text(r[i_name]),
                    text(r[i_skills]),
                    r[i_id_enc],
                    r[i_phone_enc],
                    birth,
                    pk(residence.pk) if residence is not None else null,
                    residence.code if residence is not None else "",
                    created,
                )
            )
            return values if sqlite else join(values) + tail

        return payload


class _Sender:
    """Sends prepared chunks to the database from one background thread while the caller
    prepares the next ones: the thread waits on the server (a COPY's end, SQLite's page work —
    both without the GIL) while the caller builds lines. It sends on the caller's own driver
    connection, so its rows are in the caller's transaction; :attr:`lock` keeps the caller's
    own queries (number counters) out of a chunk being sent. After each chunk it runs
    ``after`` (the cancellation check: it reads the job on this thread's own connection, which
    sees the committed cancel request). An error in the thread is raised in the caller at the
    next :meth:`put`, :meth:`raise_error` or :meth:`close`; the remaining chunks are dropped."""

    def __init__(self, send: Callable[[object], None], after: Callable[[], None] | None = None):
        import queue
        import threading

        self.lock = threading.Lock()
        self._send, self._after = send, after
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="volimport-sender", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from django.db import connections

        try:
            while (job := self._queue.get()) is not None:
                if self._error is not None or self._stop:
                    continue  # dropped: the caller raises or is already handling an error
                try:
                    with self.lock:
                        self._send(job)
                    if self._after is not None:
                        self._after()
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                    self._error = exc
        finally:
            connections.close_all()  # this thread's own connections (the cancellation check's)

    def raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self._stop = True
            with connection.wrap_database_errors:
                raise error

    def put(self, job) -> None:
        self.raise_error()
        self._queue.put(job)

    def close(self, *, abort: bool = False) -> None:
        """Wait until every chunk is sent (raising the thread's error, if any) — or, ``abort``,
        until the chunk being sent is done, dropping the rest (the caller then rolls back)."""
        self._stop = self._stop or abort
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if not abort:
            self.raise_error()


class VolunteerInsert:
    """The insert of an import, in the caller's transaction, fed in one or more parts
    (:meth:`add`: the PostgreSQL import adds each checked chunk while the next is being checked),
    then :meth:`finish` (team memberships, the one IMPORT audit entry). Each part is numbered in
    keyed-hash order — the county counters are locked when first used and set at the end, so no
    query is needed per part — and sent in chunks of :data:`INSERT_CHUNK` rows; a cancellation
    check runs after each chunk. Rows are :class:`validate.ImportRow` (built by the check's
    workers with the same ``builder``) or :class:`VolunteerRow` (built here). ``threaded``: the
    chunks are sent from a background thread (:class:`_Sender`) while the next are prepared —
    for big imports; that thread then runs ``check_cancel`` after each chunk, and the caller must
    use it as a context manager (an error stops the sending before the rollback)."""

    def __init__(
        self,
        *,
        org,
        user,
        file_name: str,
        check_cancel: Callable[[], None] | None = None,
        builder: VolunteerRowBuilder | None = None,
        threaded: bool = False,
    ):
        from wenming.volunteers.models import Volunteer

        self.org, self.user, self.file_name = org, user, file_name
        if builder is None:
            builder = VolunteerRowBuilder(org=org, vendor=connection.vendor, now=timezone.now())
        self.builder = builder
        self.now = builder.now
        self.sqlite = connection.vendor == "sqlite"
        self.adapt = fastinsert.sqlite_value if self.sqlite else (lambda v: v)
        self.table = Volunteer._meta.db_table
        self.prefixes: dict = {}  # residence -> county prefix
        self.counters: dict[str, list[int]] = {}  # prefix -> [last sequence at the start, last used]
        self.inserted = 0
        self.team_rows: list[tuple[int, int, str]] = []  # (insert position, team id, number)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(self.table)}")
            (self.max_before,) = cursor.fetchone()
        connection.ensure_connection()
        self._raw_connection = connection.connection
        self.sender = _Sender(self._send, after=check_cancel) if threaded else None
        # Threaded, the sender checks for a cancellation after each chunk; here only its error.
        self.check_cancel = check_cancel if self.sender is None else self.sender.raise_error
        self._check_cancel_here = check_cancel

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and self.sender is not None:  # stop sending before the rollback
            sender, self.sender = self.sender, None
            sender.close(abort=True)

    def _send(self, job) -> None:
        """Insert one prepared chunk (in the sender thread too: on the driver connection taken
        at the start, in this transaction — not the thread's own Django connection)."""
        raw = self._raw_connection
        if self.sqlite:
            fastinsert.insert_rows(
                self.table, self.builder.columns, job, literals=self.builder.literals, raw=raw
            )
        else:
            fastinsert.copy_lines(self.table, self.builder.columns, job, raw=raw)

    def _numbers(self, prefix: str, count: int) -> range:
        from wenming.volunteers.services import number_counter_lock

        counter = self.counters.get(prefix)
        if counter is None:
            if self.sender is not None:
                with self.sender.lock:
                    last = number_counter_lock(prefix)
            else:
                last = number_counter_lock(prefix)
            counter = self.counters[prefix] = [last, last]
        first = counter[1] + 1
        counter[1] += count
        return range(first, first + count)

    def add(self, rows: list) -> int:
        from wenming.volunteers.services import number_prefix, number_text

        # In keyed-hash order: the unique index on id_hash (random HMAC values) then grows by runs
        # instead of at random pages, and the numbers (given in this order) stay increasing.
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
            for i, seq in zip(indexes, self._numbers(prefix, len(indexes)), strict=True):
                numbers[i] = number_text(prefix, seq)
        payload, team_rows = self.builder.payload, self.team_rows
        for lo in range(0, len(rows), INSERT_CHUNK):
            part = rows[lo : lo + INSERT_CHUNK]
            payloads = [r.payload if r.__class__ is ImportRow else payload(r) for r in part]
            if self.sqlite:
                job = [p + (n,) for p, n in zip(payloads, numbers[lo:], strict=False)]
            else:
                job = "".join([f"{p}{n}\n" for p, n in zip(payloads, numbers[lo:], strict=False)])
            if self.sender is not None:
                self.sender.put(job)
            else:
                self._send(job)
            for i, r in enumerate(part, lo):
                if r.team_id:
                    team_rows.append((self.inserted + i, r.team_id, numbers[i]))
            if self.check_cancel is not None:
                self.check_cancel()
        self.inserted += len(rows)
        return len(rows)

    def finish(self, *, out: dict | None = None) -> int:
        from wenming.volunteers.models import MembershipStatus, TeamMembership
        from wenming.volunteers.services import number_counter_set

        if self.sender is not None:
            sender, self.sender = self.sender, None
            sender.close()  # every chunk is in (or its error raised here)
        for prefix, (start, last) in sorted(self.counters.items()):
            if last != start:
                number_counter_set(prefix, last)
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
            if self._check_cancel_here is not None:
                self._check_cancel_here()
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

    The checks start in forked workers (:class:`validate.VolunteerChecks`) before any transaction;
    each worker also looks its rows up among the registered volunteers and builds their table rows
    (:class:`VolunteerRowBuilder`). The transaction then opens at once and each checked chunk is
    numbered and inserted (COPY on PostgreSQL, executemany on SQLite) from a background thread
    (:class:`_Sender`) while the next ones are checked; a cancellation (``check_cancel``, after
    each chunk) or an error rolls everything back, and “全部正确才导入” stops inserting at the
    first bad row and refuses at the end. (On SQLite the one write lock is held for that whole
    pass — measured no longer than the insert alone took when the file was checked first, which
    ``PIPELINED_VENDORS`` still allows.) The cyclic garbage collector is paused meanwhile
    (:func:`fastinsert.gc_paused`). ``say(message, total)`` announces each phase, ``progress``
    reports checked rows when the file is checked first (docs/jobs.md: no progress writes inside
    a transaction)."""
    with fastinsert.gc_paused():
        return _import_volunteers(
            batch=batch,
            mode=mode,
            data=data,
            user=user,
            say=say,
            progress=progress,
            check_cancel=check_cancel,
        )


def _import_volunteers(*, batch, mode, data, user, say, progress, check_cancel) -> tuple[int, Checked]:
    from wenming.volimport.validate import VolunteerChecks, default_workers

    if say is not None:
        say("正在读取文件", 0)
    grid = parser.read_grid(data)
    if len(grid) - batch.header_row > MAX_IMPORT_ROWS:
        raise TableError(f"数据行数超过上限 {MAX_IMPORT_ROWS} 行，请分批导入")
    # Made before the workers are forked: each builds the table rows of the rows it checked.
    builder = VolunteerRowBuilder(org=batch.org, vendor=connection.vendor, now=timezone.now())
    checks = VolunteerChecks(
        grid,
        header_row=batch.header_row - 1,
        mapping=batch.mapping,
        labels=batch.headers,
        ctx=volunteer_context(batch.org),
        encrypt=True,
        workers=default_workers(),
        builder=builder,
    )
    del grid  # the checks keep the data rows
    total = checks.checked.total
    big = checks.parallel  # a big file: its chunks are sent from a background thread too
    added: dict = {}

    def inserter() -> VolunteerInsert:
        return VolunteerInsert(
            org=batch.org,
            user=user,
            file_name=batch.file_name,
            check_cancel=check_cancel,
            builder=builder,
            threaded=big,
        )

    def conclude(inserting: VolunteerInsert, checked: Checked) -> int:
        inserted = inserting.finish(out=added)
        batch.added_volunteer_ids = added.get("volunteer_ids")
        _record_import(batch=batch, mode=mode, checked=checked, inserted=inserted)
        return inserted

    try:
        if connection.vendor in PIPELINED_VENDORS:
            if say is not None:
                say("正在校验并写入数据库（可取消，取消后不留任何数据）", total)
            with transaction.atomic(), inserter() as inserting:

                def on_valid(rows: list[ImportRow]) -> None:
                    if mode == "all" and checks.checked.errors:
                        return  # refused at the end anyway
                    inserting.add(rows)

                checked = checks.finish(
                    progress=(lambda done, total: inserting.check_cancel())
                    if check_cancel is not None
                    else None,
                    on_valid=on_valid,
                )
                _refuse_if_errors(mode, checked)
                inserted = conclude(inserting, checked)
        else:
            if say is not None:
                say("正在校验", total)
            checked = checks.finish(progress=progress)
            _refuse_if_errors(mode, checked)
            if check_cancel is not None:
                check_cancel()
            if say is not None:
                say("正在写入数据库（可取消，取消后不留任何数据）", len(checked.valid))
            with transaction.atomic(), inserter() as inserting:
                if checked.valid:
                    inserting.add(checked.valid)
                inserted = conclude(inserting, checked)
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
