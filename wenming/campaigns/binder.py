"""资料装订 (binder): a campaign's accepted evidence as one ZIP for the inspectors.

Layout: ``目录.pdf`` and ``目录.xlsx`` at the top, then one folder per level of the framework tree
(测评项目 › 测评内容 › 测评标准 …, each named "code title"), each file named "criterion code
evidence title.ext" — names made safe for every operating system and unique within their folder.
The index lists every item (files and links) with its criterion, date, path in the ZIP, size and
SHA-256.

Speed and memory: every file's CRC-32 was recorded at upload (``files.Blob.crc32``), so entries
are written STORED with the known CRC and size (``files.zipwriter``) and the binder only copies
bytes, 1 MiB at a time, straight into the output file — constant memory whatever the size.

Small binders are built in the request; larger ones by a background job (``tasks.build_binder``)
whose progress the binder page polls. The ZIP lives in the default storage under ``binders/`` and
is served only to people who see the campaign.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import logging
import multiprocessing
import os
import secrets
import shutil
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record
from wenming.campaigns.models import Binder, Campaign, Evidence, EvidenceStatus
from wenming.files.names import sanitise_name
from wenming.files.services import blob_crc32, blob_open
from wenming.files.zipwriter import ZipSizeMismatch, ZipWriter
from wenming.frameworks.models import Criterion, EvidenceType

#: Built in the request up to these; larger binders go to a background job.
SYNC_MAX_FILES = 200
SYNC_MAX_BYTES = 50 * 1024 * 1024
#: Completed binders kept per campaign; older files are removed when a new one is ready.
KEEP_BINDERS = 3
FOLDER_CHARS = 40
FILE_CHARS = 60
INDEX_HEADERS = [
    "序号",
    "测评项目",
    "测评内容",
    "测评标准",
    "材料名称",
    "材料类型",
    "材料日期",
    "文件（链接）",
    "大小（字节）",
    "SHA-256",
]
EVIDENCE_LABELS = dict(EvidenceType.choices)
logger = logging.getLogger(__name__)


@dataclass(slots=True)
class PlanBlob:
    """The stored bytes of one bound file — what the ZIP and the 目录 read (``files.Blob`` fields)."""

    pk: int
    ext: str
    size: int
    sha256: str
    crc32: int | None
    storage_name: str


@dataclass(slots=True)
class PlanFile:
    pk: int
    blob: PlanBlob

    @property
    def blob_id(self) -> int:
        return self.blob.pk


@dataclass(slots=True)
class PlanEvidence:
    """One accepted evidence item as the binder reads it (the ``Evidence`` fields it uses): read
    as plain rows, because building 2,000 model instances of three models was most of the plan's
    time, and the plan runs before the copy can start."""

    pk: int
    criterion_id: int
    title: str
    refers_to: dt.date
    kind: str
    url: str
    created_at: dt.datetime
    file: PlanFile | None

    @property
    def file_id(self) -> int | None:
        return self.file.pk if self.file is not None else None


PLAN_FIELDS = (
    "pk",
    "criterion_id",
    "title",
    "refers_to",
    "kind",
    "url",
    "created_at",
    "file_id",
    "file__blob_id",
    "file__blob__ext",
    "file__blob__size",
    "file__blob__sha256",
    "file__blob__crc32",
    "file__blob__storage_name",
)


def _plan_evidence(campaign: Campaign) -> list[PlanEvidence]:
    out = []
    for pk, crit, title, refers_to, kind, url, created, file_id, blob_id, ext, size, sha, crc, name in (
        Evidence.objects.filter(campaign=campaign, status=EvidenceStatus.ACCEPTED)
        .order_by("criterion_id", "refers_to", "pk")
        .values_list(*PLAN_FIELDS)
    ):
        file = PlanFile(file_id, PlanBlob(blob_id, ext, size, sha, crc, name)) if file_id else None
        out.append(PlanEvidence(pk, crit, title, refers_to, kind, url, created, file))
    return out


@dataclass
class BinderEntry:
    number: int
    evidence: PlanEvidence
    item: str
    content: str
    criterion: str
    path: str  # the name in the ZIP; "" for a link without a file


def _segment(code: str, title: str, limit: int) -> str:
    """One safe path component: slashes would make folders, sanitise_name drops the rest."""
    text = f"{code} {title}".replace("/", "／").replace("\\", "＼").strip()
    name = sanitise_name(text)[:limit].rstrip(" .")
    return name or code or "未命名"


def _unique(folder: str, name: str, ext: str, taken: set[str]) -> str:
    candidate = f"{folder}/{name}.{ext}"
    n = 2
    while candidate.lower() in taken:  # unique also on case-insensitive file systems
        candidate = f"{folder}/{name}（{n}）.{ext}"
        n += 1
    taken.add(candidate.lower())
    return candidate


def binder_plan(*, campaign: Campaign) -> list[BinderEntry]:
    """Every accepted evidence item in reading order (the framework's tree order, then the date
    it refers to), with its folder path and file name. Two queries."""
    criteria = {
        c.pk: c
        for c in Criterion.objects.filter(framework_id=campaign.framework_id).only(
            "pk", "parent_id", "code", "title", "position", "depth"
        )
    }
    chains: dict[int, list[Criterion]] = {}

    def chain(cid: int) -> list[Criterion]:
        if cid not in chains:
            c = criteria[cid]
            chains[cid] = ([*chain(c.parent_id)] if c.parent_id else []) + [c]
        return chains[cid]

    evidence = _plan_evidence(campaign)
    evidence.sort(key=lambda e: ([(c.position, c.pk) for c in chain(e.criterion_id)], e.refers_to, e.pk))
    folders: dict[int, str] = {}
    taken: set[str] = set()
    out = []
    for number, ev in enumerate(evidence, 1):
        path_nodes = chain(ev.criterion_id)
        if ev.criterion_id not in folders:
            folders[ev.criterion_id] = "/".join(_segment(c.code, c.title, FOLDER_CHARS) for c in path_nodes)
        leaf = path_nodes[-1]
        path = ""
        if ev.file_id:
            base = _segment(leaf.code, ev.title, FILE_CHARS)
            path = _unique(folders[ev.criterion_id], base, ev.file.blob.ext, taken)
        out.append(
            BinderEntry(
                number=number,
                evidence=ev,
                item=f"{path_nodes[0].code} {path_nodes[0].title}",
                content=f"{path_nodes[1].code} {path_nodes[1].title}" if len(path_nodes) > 2 else "",
                criterion=f"{leaf.code} {leaf.title}",
                path=path,
            )
        )
    return out


def _index_rows(entries: list[BinderEntry]):
    for e in entries:
        ev = e.evidence
        blob = ev.file.blob if ev.file_id else None
        yield [
            e.number,
            e.item,
            e.content,
            e.criterion,
            ev.title,
            str(EVIDENCE_LABELS.get(ev.kind, ev.kind)),
            ev.refers_to,
            e.path or ev.url,
            blob.size if blob else "",
            blob.sha256 if blob else "",
        ]


def index_xlsx(entries: list[BinderEntry]) -> bytes:
    from wenming.web.excel import write_xlsx

    with tempfile.TemporaryDirectory(prefix="wenming-binder-") as tmp:
        path = Path(tmp) / "index.xlsx"
        write_xlsx(
            path,
            INDEX_HEADERS,
            _index_rows(entries),
            sheet_name="目录",
            column_widths=[6, 24, 24, 30, 30, 10, 12, 60, 12, 66],
        )
        return path.read_bytes()


def index_pdf(entries: list[BinderEntry], *, campaign: Campaign, made_at: dt.datetime) -> bytes:
    """目录 as PDF (A4 landscape), drawn line by line on the canvas — thousands of rows in about a
    second, where flowing tables take a minute. Chinese text uses the embedded CJK font
    (``wenming.web.pdf``) and wraps onto at most three lines; number, date, size and SHA-256 are
    ASCII and drawn in Courier, a built-in font that costs almost nothing to set."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from wenming.web.pdf import cjk_font, wrap

    font = cjk_font()
    mono = "Courier"
    width, height = landscape(A4)
    margin = 12 * mm
    # (header, width in mm, wrapped CJK text?) — 273 mm between the margins.
    cols = [
        ("序号", 9, False),
        ("测评标准", 50, True),
        ("材料名称", 52, True),
        ("日期", 16, False),
        ("文件（链接）", 56, True),
        ("大小", 14, False),
        ("SHA-256", 76, False),
    ]
    xs = [margin]
    for _, w, _wrap in cols:
        xs.append(xs[-1] + w * mm)
    size, leading, mono_size = 7.5, 9.5, 5.6
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"{campaign.title} 资料目录")
    page = 1

    def header() -> float:
        pdf.setFont(font, 14)
        pdf.drawCentredString(width / 2, height - margin - 4 * mm, f"{campaign.title} 佐证材料目录")
        pdf.setFont(font, 8)
        pdf.drawString(
            margin,
            height - margin - 10 * mm,
            f"{campaign.unit.name}　共 {len(entries)} 项　生成于 {made_at:%Y-%m-%d %H:%M}",
        )
        pdf.drawRightString(width - margin, margin - 6 * mm, f"第 {page} 页")
        y = height - margin - 16 * mm
        pdf.setFont(font, size)
        for (label, _w, _wrap), x in zip(cols, xs, strict=False):
            pdf.drawString(x + 1, y, label)
        pdf.line(margin, y - 2.5, xs[-1], y - 2.5)
        pdf.setLineWidth(0.2)
        return y - leading - 2

    y = header()
    raw = _RawText(pdf, font=font, size=size, mono=mono, mono_size=mono_size)
    for e in entries:
        ev = e.evidence
        blob = ev.file.blob if ev.file_id else None
        values = [
            str(e.number),
            e.criterion,
            ev.title,
            ev.refers_to.isoformat(),
            e.path or ev.url,
            f"{blob.size:,}" if blob else "",
            blob.sha256 if blob else "",
        ]
        cells = [
            wrap(v, (w * mm) - 3, font=font, size=size, max_lines=4 if label == "文件（链接）" else 3)
            if wrapped
            else [v]
            for v, (label, w, wrapped) in zip(values, cols, strict=True)
        ]
        lines = max(len(c) for c in cells)
        if y - lines * leading < margin:
            pdf.showPage()
            page += 1
            y = header()
        if raw.fast:
            pdf.addLiteral(raw.row(cells, xs, [wrapped for _l, _w, wrapped in cols], y, leading))
        else:
            _draw_row(
                pdf, cells, xs, cols, y, font=font, size=size, mono=mono, mono_size=mono_size, leading=leading
            )
        y -= lines * leading
        pdf.line(margin, y + leading - 2.5, xs[-1], y + leading - 2.5)
        y -= 1.5
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _draw_row(pdf, cells, xs, cols, y, *, font, size, mono, mono_size, leading) -> None:
    """One index row through ReportLab's drawString (the CID fallback font)."""
    for cell, x, (_label, _w, wrapped) in zip(cells, xs, cols, strict=False):
        if wrapped:
            pdf.setFont(font, size)
            for i, line in enumerate(cell):
                pdf.drawString(x + 1, y - i * leading, line)
        else:
            pdf.setFont(mono, mono_size)
            pdf.drawString(x + 1, y, cell[0])


class _RawText:
    """Index text as PDF text operators, written the way ReportLab's ``ttfonts`` module documents
    for its embedded TrueType fonts (``font.splitString(text, doc)`` → subset and codes,
    ``font.getSubsetInternalName(subset, doc)`` → ``/F1+0 7.5 Tf (…) Tj``), with each character's
    subset and code looked up once per document. ``canvas.drawString`` does the same work with a
    text object around every string; for a 2,000-row index (about 20,000 strings) that wrapping
    was two thirds of the PDF's time. Only for embedded TrueType fonts (``fast``); the CID
    fallback font goes through ``drawString``."""

    enabled = True

    def __init__(self, pdf, *, font: str, size: float, mono: str, mono_size: float):
        from reportlab.pdfbase import pdfmetrics

        self.pdf = pdf
        self.font = pdfmetrics.getFont(font)
        self.fast = self.enabled and bool(getattr(self.font, "_dynamicFont", False))
        self.size = f"{size:g}"
        self.codes: dict[str, tuple[int, bytes]] = {}
        self.names: dict[int, str] = {}
        self.table = _SubsetZero(self)
        if self.fast:
            self.mono_tf = f"{pdf._doc.getInternalFontName(mono)} {mono_size:g} Tf"

    def code(self, ch: str) -> tuple[int, bytes]:
        code = self.codes.get(ch)
        if code is None:
            # One character gives one (subset, code) pair, assigned once per document.
            code = self.codes[ch] = self.font.splitString(ch, self.pdf._doc)[0]
        return code

    def _runs(self, text: str) -> list[str]:
        # Usually every character is in subset 0 (the first 256 distinct characters of the
        # document): one C-level translate gives the codes.
        codes = text.translate(self.table)
        if not codes or max(codes) < "\u0100":
            return [self._show(0, [codes.encode("latin-1")])]
        out: list[str] = []
        subset, run = -1, []
        for ch in text:
            code = self.code(ch)
            if code[0] != subset:
                if run:
                    out.append(self._show(subset, run))
                subset, run = code[0], []
            run.append(code[1])
        if run:
            out.append(self._show(subset, run))
        return out

    def _show(self, subset: int, run: list[bytes]) -> str:
        name = self.names.get(subset)
        if name is None:
            name = self.names[subset] = self.font.getSubsetInternalName(subset, self.pdf._doc)
        return f"{name} {self.size} Tf ({self.pdf._escape(b''.join(run))}) Tj"

    def row(self, cells, xs, wrapped, y: float, leading: float) -> str:
        ops = ["BT"]
        for cell, x, cjk in zip(cells, xs, wrapped, strict=False):
            if cjk:
                for i, line in enumerate(cell):
                    if line:
                        ops.append(f"1 0 0 1 {x + 1:.2f} {y - i * leading:.2f} Tm")
                        ops.extend(self._runs(line))
            elif cell[0]:
                ops.append(f"1 0 0 1 {x + 1:.2f} {y:.2f} Tm {self.mono_tf} ({self.pdf._escape(cell[0])}) Tj")
        ops.append("ET")
        return " ".join(ops)


class _SubsetZero(dict):
    """``str.translate`` table: a character's code when it is in subset 0, else U+0100 (which
    sends the string down the character-by-character path). Filled as characters are met."""

    def __init__(self, raw: _RawText):
        super().__init__()
        self.raw = raw

    def __missing__(self, o: int) -> str:
        subset, code = self.raw.code(chr(o))
        value = self[o] = chr(code[0]) if subset == 0 else "\u0100"
        return value


INDEX_NAMES = ("目录.pdf", "目录.xlsx")
#: From this many files on, the 目录 is drawn in a forked child process while this one copies the
#: files (the index is CPU work, the copy is I/O: on two cores they overlap).
PARALLEL_INDEX_MIN = 300


def _indexes(entries: list[BinderEntry], *, campaign: Campaign, made_at: dt.datetime) -> list[bytes]:
    return [index_pdf(entries, campaign=campaign, made_at=made_at), index_xlsx(entries)]


def _indexes_to(folder: str, entries: list[BinderEntry], campaign: Campaign, made_at: dt.datetime) -> None:
    """Run in the forked child: no database access (everything it reads was loaded before the
    fork), results written as files for the parent. No cyclic garbage collection here: a
    short-lived process, and a collection would walk — and so copy — every page it shares with
    its parent."""
    gc.disable()
    for i, data in enumerate(_indexes(entries, campaign=campaign, made_at=made_at)):
        Path(folder, f"{i}.part").write_bytes(data)
        os.replace(Path(folder, f"{i}.part"), Path(folder, str(i)))


class _IndexJob:
    """The 目录, drawn beside the copy in a forked process when the binder is large (and ``fork``
    exists); drawn here, after the copy, otherwise or if the child fails."""

    def __init__(self, entries, *, campaign, made_at, parallel: bool):
        self.args = (entries, campaign, made_at)
        self.proc = None
        self.folder = None
        if parallel and "fork" in multiprocessing.get_all_start_methods():
            from wenming.web.pdf import cjk_font

            # Parse the CJK font here, once per process (~0.2 s of CPU): a child forked without it
            # would parse it again for every binder, on the path the copy waits for.
            cjk_font()
            self.folder = tempfile.mkdtemp(prefix="wenming-binder-index-")
            try:
                self.proc = multiprocessing.get_context("fork").Process(
                    target=_indexes_to, args=(self.folder, *self.args), daemon=True
                )
                # The child inherits the heap frozen (out of the collector's reach) so that even
                # before it disables collection nothing walks the shared pages; thawed here.
                gc.freeze()
                try:
                    self.proc.start()
                finally:
                    gc.unfreeze()
            except (OSError, AssertionError):  # no fork here, or a daemonic process may not have children
                self.proc = None

    def result(self) -> list[bytes]:
        entries, campaign, made_at = self.args
        if self.proc is not None:
            self.proc.join()
            if self.proc.exitcode == 0:
                out = [Path(self.folder, str(i)).read_bytes() for i in range(len(INDEX_NAMES))]
                self.close()
                return out
            logger.warning("binder index child exited with %s; drawing it here", self.proc.exitcode)
        self.close()
        return _indexes(entries, campaign=campaign, made_at=made_at)

    def close(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            self.proc.terminate()
            self.proc.join()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def _local_opener() -> Callable:
    """How to open each blob for the copy: on local disk, the storage root is resolved once and
    each blob's name joined to it (``default_storage.path`` per file — its safety checks — cost a
    third as much as copying a 500 kB file from the page cache). Blob names are written by
    ``files.services`` (``blobs/aa/bb/<sha256>.<ext>``); any other shape goes through
    ``blob_open``. Elsewhere (object storage) always ``blob_open``."""
    try:
        root = default_storage.path("")
    except NotImplementedError:
        return blob_open
    root = os.path.join(root, "")

    def opener(blob):
        name = blob.storage_name
        if name.startswith("blobs/") and "\\" not in name and ".." not in name and "//" not in name:
            return open(root + name, "rb")  # noqa: SIM115 - the caller closes it
        return blob_open(blob)

    return opener


def binder_write(
    *,
    campaign: Campaign,
    out,
    entries: list[BinderEntry] | None = None,
    on_file: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Write the binder ZIP onto ``out`` (any writable binary stream). Returns (files, bytes).
    ``on_file(done, total)`` is called after each file (progress, cancellation). The 目录 entries
    are written last but listed first in the central directory, so they head every listing."""
    entries = binder_plan(campaign=campaign) if entries is None else entries
    made_at = timezone.localtime()
    when = made_at.replace(tzinfo=None)
    with_files = [e for e in entries if e.path]
    for e in with_files:  # recorded at upload; computed (and saved) once here for older blobs
        blob_crc32(e.evidence.file.blob)
    index = _IndexJob(
        entries, campaign=campaign, made_at=made_at, parallel=len(with_files) >= PARALLEL_INDEX_MIN
    )
    opener = _local_opener()
    tz = timezone.get_current_timezone()
    try:
        zw = ZipWriter(out)
        for done, e in enumerate(with_files, 1):
            blob = e.evidence.file.blob
            with opener(blob) as src:
                zw.add_stream(
                    e.path,
                    src,
                    size=blob.size,
                    crc=blob.crc32,
                    when=e.evidence.created_at.astimezone(tz).replace(tzinfo=None),
                )
            if on_file is not None:
                on_file(done, len(with_files))
        for name, data in zip(INDEX_NAMES, index.result(), strict=True):
            zw.add_bytes(name, data, crc=zlib.crc32(data), when=when)
    finally:
        index.close()
    zw.close(first=INDEX_NAMES)
    return len(with_files), zw.offset


def binder_stats(*, campaign: Campaign) -> tuple[int, int]:
    """(files, bytes) of the accepted evidence: decides between the request and a job."""
    from django.db.models import Count, Sum

    agg = Evidence.objects.filter(
        campaign=campaign, status=EvidenceStatus.ACCEPTED, file__isnull=False
    ).aggregate(n=Count("pk"), size=Sum("file__blob__size"))
    return agg["n"] or 0, agg["size"] or 0


def _storage_name(binder: Binder) -> str:
    return f"binders/{binder.campaign_id}/{binder.pk}-{secrets.token_hex(8)}.zip"


def binder_build(*, binder: Binder, on_file: Callable[[int, int], None] | None = None) -> Binder:
    """Write the binder's ZIP into storage: straight into its final place on local disk (no
    second copy), through a temporary file for object storage. A failure leaves no file."""
    campaign = Campaign.objects.select_related("unit").get(pk=binder.campaign_id)
    name = _storage_name(binder)
    try:
        local = default_storage.path(name)
    except NotImplementedError:
        local = None
    if local is not None:
        Path(local).parent.mkdir(parents=True, exist_ok=True)
        part = f"{local}.part"
        try:
            with open(part, "wb") as out:
                files, size = binder_write(campaign=campaign, out=out, on_file=on_file)
            os.replace(part, local)
        except BaseException:
            Path(part).unlink(missing_ok=True)
            raise
    else:
        with tempfile.TemporaryFile() as out:
            files, size = binder_write(campaign=campaign, out=out, on_file=on_file)
            out.seek(0)
            name = default_storage.save(name, File(out, name=name))
    binder.storage_name, binder.files, binder.size = name, files, size
    binder.finished_at = timezone.now()
    binder.save(update_fields=["storage_name", "files", "size", "finished_at"])
    _prune(campaign_id=binder.campaign_id)
    return binder


def _prune(*, campaign_id: int) -> None:
    old = Binder.objects.filter(campaign_id=campaign_id, finished_at__isnull=False).order_by(
        "-finished_at", "-pk"
    )[KEEP_BINDERS:]
    for b in old:
        if b.storage_name:
            default_storage.delete(b.storage_name)
        b.delete()


def binder_start(*, campaign: Campaign, user, sync: bool | None = None) -> Binder:
    """Start a binder: built now when small (or ``sync=True``), otherwise by a background job.
    Anyone who sees the campaign may make one (it is a read of what they can already see)."""
    from wenming.campaigns.tasks import build_binder
    from wenming.jobs.services import job_start

    files, size = binder_stats(campaign=campaign)
    if sync is None:
        sync = files <= SYNC_MAX_FILES and size <= SYNC_MAX_BYTES
    with transaction.atomic():
        binder = Binder.objects.create(campaign=campaign, created_by=user)
        binder.campaign = campaign
        audit_record(
            action=Action.EXPORT,
            obj=binder,
            after={"campaign": campaign.pk, "files": files, "bytes": size, "mode": "sync" if sync else "job"},
        )
        if not sync:
            binder.job = job_start(
                kind="campaigns.binder",
                title=f"资料装订：{campaign.title}",
                user=user,
                organisation=campaign.unit,
                task=build_binder,
                task_kwargs={"binder_id": binder.pk},
                params={"campaign": campaign.pk, "binder": binder.pk},
            )
            binder.save(update_fields=["job"])
    if sync:
        try:
            binder_build(binder=binder)
        except (FileNotFoundError, ZipSizeMismatch) as exc:
            # The row stays, unfinished, as the record of the attempt (the audit entry names it).
            raise ValidationError("有材料文件在存储中缺失或大小不符，装订未完成，请联系管理员") from exc
    return binder


#: A ``.part`` file not written to for this long belongs to a build that died (a killed worker):
#: a live build writes at least every MiB it copies.
STALE_PART_SECONDS = 15 * 60


def binder_sweep_parts(*, stale_after: float = STALE_PART_SECONDS) -> int:
    """Remove what interrupted builds left behind: ``binders/<campaign>/*.zip.part`` files that
    belong to a binder no longer being built (finished, its job ended, its row gone) or that
    nothing has written to for ``stale_after`` seconds, and the forked 目录 process's temporary
    folders of the same age. A build that fails or is cancelled removes its own file; this is
    for a worker killed mid-build. Run at the start of every binder job and on the schedule
    (``campaigns/schedule.py``). Returns how many were removed. Local storage only (object storage
    builds through a temporary file that the operating system removes)."""
    import time

    from wenming.jobs.models import JobStatus

    try:
        root = Path(default_storage.path("binders"))
    except NotImplementedError:
        return 0
    now = time.time()
    removed = 0
    parts = list(root.glob("*/*.zip.part")) if root.is_dir() else []
    ids = {}
    for part in parts:
        head = part.name.split("-", 1)[0]
        if head.isdigit():
            ids[part] = int(head)
    live = {
        pk
        for pk, finished, job_status in Binder.objects.filter(pk__in=set(ids.values())).values_list(
            "pk", "finished_at", "job__status"
        )
        if finished is None and job_status in (None, JobStatus.QUEUED, JobStatus.RUNNING)
    }
    for part in parts:
        try:
            idle = now - part.stat().st_mtime
        except FileNotFoundError:
            continue
        if ids.get(part) in live and idle < stale_after:
            continue
        part.unlink(missing_ok=True)
        removed += 1
        logger.warning("removed an interrupted binder file %s (idle %.0f s)", part, idle)
    for folder in Path(tempfile.gettempdir()).glob("wenming-binder-index-*"):
        try:
            if now - folder.stat().st_mtime >= stale_after:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def binder_file(*, binder: Binder):
    """The finished ZIP, or None when it is not ready or its file has gone from storage."""
    if not binder.ready or not default_storage.exists(binder.storage_name):
        return None
    return default_storage.open(binder.storage_name, "rb")
