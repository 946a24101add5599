"""Module benchmark "binder": the campaign binder (资料装订) against a plain copy of the same files.

Issue 3's target: a binder of 2,000 files / 1 GB written as a ZIP reaches ≥ 70% of the throughput
of reading and writing the same files plainly in Python (measured in the same run), with a peak
memory ≤ 200 MB. Quick mode: 50 files / 20 MB.

Setup (one subprocess on a scratch SQLite database and a scratch media directory under
``ctx.var_dir``): the test world, a 125-criterion framework, a campaign, and N accepted evidence
items whose files are random bytes written straight into storage (their SHA-256 and CRC-32
computed as an upload would). Measurement (a second, fresh subprocess, so its peak RSS is the
binder's and not the setup's): a plain copy, the real ``binder_build`` (queries, PDF and xlsx index,
ZIP into storage), the ZIP writing alone and Python's ``zipfile`` — ROUNDS runs each in a
balanced order (each way follows every other way once: a run right after ``zipfile`` was seen to
be up to 2× slower, and a plain rotation always put the plain copy there), ``os.sync()`` between runs, the best of each reported with all runs. Peak memory is
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of that subprocess — the whole process, Django and
ReportLab included.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

from wenming.bench.modules import ModuleBenchContext, module_bench, run_json, scratch_database, scratch_env

TARGET_RATIO = 0.70
TARGET_RSS_MB = 200
ROUNDS = 4


def _env(ctx: ModuleBenchContext, url: str) -> dict:
    return scratch_env(ctx, url, var_name="binder-var", settings_module="wenming.settings")


def _run(ctx, url: str, code: str) -> dict:
    return run_json(ctx, url, code, var_name="binder-var", settings_module="wenming.settings", label="binder")


PRELUDE = "import django, json; django.setup(); from wenming.campaigns import bench; "


@module_bench("binder", title="资料装订 ZIP 吞吐 (binder)")
def binder_bench(ctx: ModuleBenchContext) -> str:
    from django.conf import settings

    files, total_mb = (50, 20) if ctx.quick else (2000, 1024)
    shutil.rmtree(ctx.var_dir / "binder-var", ignore_errors=True)
    url = scratch_database(ctx, "sqlite", "binder")
    ctx.say(f"binder: migrating a scratch database, then {files} files / {total_mb} MB")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        env=_env(ctx, url),
        cwd=settings.BASE_DIR,
        check=True,
    )
    t0 = time.perf_counter()
    setup = _run(ctx, url, PRELUDE + f"print(json.dumps(bench.setup({files}, {total_mb})))")
    ctx.say(f"binder: setup {time.perf_counter() - t0:.1f} s; measuring")
    m = _run(ctx, url, PRELUDE + f"print(json.dumps(bench.measure({setup['campaign']})))")
    shutil.rmtree(ctx.var_dir / "binder-var", ignore_errors=True)
    mb = m["bytes"] / 1024 / 1024
    ratio = m["plain_s"] / m["binder_s"]
    zip_ratio = m["plain_s"] / m["zip_only_s"]
    zipfile_ratio = m["plain_s"] / m["zipfile_s"]
    import statistics

    paired = statistics.median(p / b for p, b in zip(m["all"]["plain"], m["all"]["binder"], strict=True))
    ok_ratio = ratio >= TARGET_RATIO
    ok_rss = m["maxrss_mb"] <= TARGET_RSS_MB
    rss_over = m["maxrss_mb"] - TARGET_RSS_MB
    mode = "quick (small data)" if ctx.quick else "full scale"

    def row(label: str, seconds: float) -> str:
        return f"| {label} | {seconds:.2f} s ({mb / seconds:,.0f} MB/s) | {m['plain_s'] / seconds:.0%} |"

    def runs(key: str) -> str:
        return " ".join(f"{x:.2f}" for x in m["all"][key])

    return "\n".join(
        [
            f"{m['files']:,} files, {mb:,.0f} MB of random bytes ({mode}); SQLite scratch database, local disk storage. "
            f"Best of {len(m['all']['plain'])} runs each, a balanced order (each way runs once after every other), every output removed and `os.sync()` before "
            "each run; the source files sit in the page cache for every run, so the plain copy runs at memory speed. "
            f"Load average when measured: {m['load']}.",
            "",
            "| way of writing the same files | best time (throughput) | throughput / plain |",
            "|---|---|---|",
            row("plain Python read + write into one file (1 MiB `readinto`)", m["plain_s"]),
            row(
                "**binder** (`binder_build`: queries, PDF + xlsx 目录, STORED ZIP with the upload-time CRC-32)",
                m["binder_s"],
            ),
            row("its ZIP writing alone (`files.zipwriter`, no index)", m["zip_only_s"]),
            row(
                "for comparison: Python `zipfile`, STORED (computes each CRC-32 while writing)",
                m["zipfile_s"],
            ),
            "",
            f"All runs (s): plain {runs('plain')}; binder {runs('binder')}; ZIP alone {runs('zip_only')}; "
            f"zipfile {runs('zipfile')}. The 目录 (PDF + xlsx for {m['files']:,} rows) alone took {m['index_s']:.2f} s "
            f"({m['index_cpu']:.2f} s CPU, of which the PDF {m['pdf_cpu']:.2f} s; it is drawn in a forked process beside "
            f"the copy); the plan (queries, names) before the copy {m['plan_cpu']:.2f} s CPU.",
            "",
            "| target | measured | met |",
            "|---|---|---|",
            f"| binder throughput ≥ {TARGET_RATIO:.0%} of plain | best {ratio:.0%}, median of the rounds' ratios "
            f"{paired:.0%} (ZIP writing alone {zip_ratio:.0%}; "
            f"`zipfile` {zipfile_ratio:.0%}) | {'met' if ok_ratio else f'missed by {TARGET_RATIO - ratio:.0%}'} |",
            f"| peak memory ≤ {TARGET_RSS_MB} MB (`ru_maxrss` of the measuring process, Django and ReportLab included) | "
            f"{m['maxrss_mb']:.0f} MB (the forked 目录 process: {m['child_mb']:.0f} MB, mostly pages shared with "
            f"its parent) | {'met' if ok_rss else f'missed by {rss_over:.0f} MB'} |",
            f"| ZIP reads back (`zipfile.testzip()`, {m['bound']:,} files, {m['zip_bytes'] / 1024 / 1024:,.0f} MB) | "
            f"{m['testzip']} | {'met' if m['testzip'] == 'passed' else 'missed'} |",
            "",
            "Copying is no longer the cost: with the CRC-32 recorded at upload the ZIP is written at the speed of a "
            "plain copy. What remains is the 目录 — a PDF and a spreadsheet of every file — a fixed cost per row that "
            "a copy from the page cache does not hide; against a disk- or network-bound copy (object storage, cold "
            "cache) it weighs far less. Timings on this shared machine move with other load.",
        ]
    )


# --- run inside the subprocesses -------------------------------------------------------------------


def setup(files: int, total_mb: int) -> dict:
    """World, framework, campaign and ``files`` accepted evidence items of random bytes."""
    import datetime as dt
    import hashlib
    import zlib
    from pathlib import Path

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from tests.world import build_world
    from wenming.audit.context import SYSTEM, acting_as
    from wenming.campaigns.models import Evidence, EvidenceStatus
    from wenming.campaigns.services import campaign_open
    from wenming.files.models import Blob, FileKind, StoredFile
    from wenming.files.services import blob_storage_name
    from wenming.frameworks.services import framework_publish
    from wenming.frameworks.tests.helpers import big_nodes, make_framework

    world = build_world()
    with acting_as(SYSTEM):
        fw = framework_publish(
            framework=make_framework(world.county_a_office, title="装订基准测评体系", nodes=big_nodes())
        )
        today = timezone.localdate()
        campaign = campaign_open(
            unit=world.unit_a,
            framework=fw,
            title="装订基准创建活动",
            target_kind="unit",
            level="city",
            exemplar=False,
            start_date=today - dt.timedelta(days=100),
            acceptance_date=today + dt.timedelta(days=60),
        )
    tasks = list(campaign.tasks.order_by("position"))
    per_file = total_mb * 1024 * 1024 // files
    blobs, chunk = [], 1024 * 1024
    for i in range(files):
        sha, crc = hashlib.sha256(), 0
        remaining = per_file
        # Random bytes in 1 MiB pieces; the name follows from the hash, so write to a temp name first.
        tmp = Path(default_storage.path(f"blobs/tmp-{i}"))
        tmp.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as fh:
            while remaining:
                part = os.urandom(min(chunk, remaining))
                sha.update(part)
                crc = zlib.crc32(part, crc)
                fh.write(part)
                remaining -= len(part)
        digest = sha.hexdigest()
        name = blob_storage_name(digest, "pdf")
        path = Path(default_storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(path)
        blobs.append(
            Blob(
                sha256=digest,
                crc32=crc,
                size=per_file,
                ext="pdf",
                mime="application/pdf",
                kind=FileKind.DOCUMENT,
                storage_name=name,
            )
        )
    Blob.objects.bulk_create(blobs, batch_size=500)
    blobs = list(Blob.objects.order_by("pk"))
    stored = StoredFile.objects.bulk_create(
        [
            StoredFile(
                blob=b,
                original_name=f"材料{i}.pdf",
                organisation=world.unit_a,
                region_code=world.unit_a.region_code,
                uploaded_by=world.unit_a_admin,
            )
            for i, b in enumerate(blobs)
        ],
        batch_size=500,
    )
    Evidence.objects.bulk_create(
        [
            Evidence(
                campaign=campaign,
                criterion_id=tasks[i % len(tasks)].criterion_id,
                task=tasks[i % len(tasks)],
                file=s,
                title=f"佐证材料第{i + 1}份（会议纪要、活动照片与台账）",
                refers_to=today - dt.timedelta(days=i % 90),
                kind="situation",
                status=EvidenceStatus.ACCEPTED,
                uploaded_by=world.unit_a_admin,
            )
            for i, s in enumerate(stored)
        ],
        batch_size=500,
    )
    return {"campaign": campaign.pk}


def measure(campaign_id: int) -> dict:
    """Four ways to write the same files, each run ROUNDS times in a balanced order, each output
    removed and ``os.sync()`` called before the next run (no run pays for another's writeback)."""
    import resource
    import tempfile
    import zipfile

    from django.core.files.storage import default_storage

    from wenming.campaigns import binder as binder_mod
    from wenming.campaigns.models import Binder, Campaign
    from wenming.files.zipwriter import ZipWriter

    campaign = Campaign.objects.select_related("unit").get(pk=campaign_id)
    entries = [e for e in binder_mod.binder_plan(campaign=campaign) if e.path]
    blobs = [e.evidence.file.blob for e in entries]
    paths = [default_storage.path(b.storage_name) for b in blobs]
    total = sum(b.size for b in blobs)
    out_dir = tempfile.mkdtemp(prefix="plain-", dir=default_storage.path(""))
    out_path = os.path.join(out_dir, "out.bin")

    def plain() -> None:
        buf = bytearray(1024 * 1024)
        view = memoryview(buf)
        with open(out_path, "wb") as out:
            for n in paths:
                with open(n, "rb") as src:
                    while k := src.readinto(buf):
                        out.write(view[:k])

    def zip_only() -> None:
        with open(out_path, "wb") as out:
            zw = ZipWriter(out)
            for e, b, n in zip(entries, blobs, paths, strict=True):
                with open(n, "rb") as src:
                    zw.add_stream(e.path, src, size=b.size, crc=b.crc32)
            zw.close()

    def python_zipfile() -> None:
        with zipfile.ZipFile(out_path, "w", zipfile.ZIP_STORED) as zf:
            for e, n in zip(entries, paths, strict=True):
                zf.write(n, e.path)

    built: list[Binder] = []

    def binder() -> None:
        b = Binder.objects.create(campaign=campaign)
        binder_mod.binder_build(binder=b)
        built.append(b)

    def clean() -> None:
        if os.path.exists(out_path):
            os.unlink(out_path)
        os.sync()

    ways = {"plain": plain, "zip_only": zip_only, "binder": binder, "zipfile": python_zipfile}
    times: dict[str, list[float]] = {k: [] for k in ways}
    order = list(ways)
    # A Williams square: over the rounds (read end to end) each way is preceded by every other way
    # exactly once, so whatever a run leaves behind (writeback of a freed 1 GB file) is shared out.
    balanced = ((0, 1, 3, 2), (1, 2, 0, 3), (2, 3, 1, 0), (3, 0, 2, 1))
    testzip = None
    for round_ in range(ROUNDS):
        for name in (order[i] for i in balanced[round_ % len(balanced)]):
            clean()
            t = time.perf_counter()
            ways[name]()
            times[name].append(time.perf_counter() - t)
            if name == "binder":
                b = built[-1]
                if testzip is None:
                    with zipfile.ZipFile(default_storage.path(b.storage_name)) as zf:
                        bad = zf.testzip()
                    testzip = "passed" if bad is None else f"failed at {bad}"
                    zip_bytes, bound = b.size, b.files
                default_storage.delete(b.storage_name)
                b.delete()
    clean()
    full = binder_mod.binder_plan(campaign=campaign)
    t, c = time.perf_counter(), time.process_time()
    binder_mod.index_pdf(full, campaign=campaign, made_at=timezone_now())
    pdf_cpu = time.process_time() - c
    binder_mod.index_xlsx(full)
    index_s, index_cpu = time.perf_counter() - t, time.process_time() - c
    c = time.process_time()
    binder_mod.binder_plan(campaign=campaign)
    plan_cpu = time.process_time() - c
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the forked index
    shutil.rmtree(out_dir, ignore_errors=True)
    return {
        "files": len(paths),
        "bytes": total,
        "plain_s": min(times["plain"]),
        "binder_s": min(times["binder"]),
        "zip_only_s": min(times["zip_only"]),
        "zipfile_s": min(times["zipfile"]),
        "all": times,
        "index_s": index_s,
        "index_cpu": index_cpu,
        "pdf_cpu": pdf_cpu,
        "plan_cpu": plan_cpu,
        "maxrss_mb": maxrss_mb,
        "child_mb": child_mb,
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "zip_bytes": zip_bytes,
        "bound": bound,
        "testzip": testzip,
    }


def timezone_now():
    from django.utils import timezone

    return timezone.localtime()
