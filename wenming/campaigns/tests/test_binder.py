"""资料装订: the ZIP reads back with zipfile (testzip passes, CRCs match the stored ones), folders by
item › content › criterion, safe unique names, index in xlsx and PDF listing every file; large
binders as a job with progress; download scoped to who sees the campaign."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from wenming.campaigns import binder as binder_mod
from wenming.campaigns.binder import binder_plan, binder_start, binder_write
from wenming.campaigns.evidence import evidence_review, evidence_upload
from wenming.campaigns.models import Binder
from wenming.campaigns.tests.helpers import open_campaign
from wenming.files.models import Blob
from wenming.jobs.models import Job, JobStatus
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 1)


def _add(world, campaign, code, names, *, title="会议纪要", accept=True, refers_to=DAY):
    task = campaign.tasks.get(code=code)
    uploads = [SimpleUploadedFile(n, f"{code} {n} 的内容：会议记录\n".encode() * 50) for n in names]
    with as_user(world.unit_a_admin):
        evs = evidence_upload(
            task=task,
            uploads=uploads,
            title=title,
            refers_to=refers_to,
            kind="situation",
            user=world.unit_a_admin,
        )
        if accept:
            for ev in evs:
                evidence_review(evidence=ev, accept=True, user=world.unit_a_admin)
    return evs


def _campaign_with_evidence(world):
    c = open_campaign(world)
    _add(world, c, "1.1", ["a.txt", "b.txt"], title="领导/小组:会议*纪要")
    _add(world, c, "2.1.2", ["c.txt"], title="学习记录", refers_to=DAY - dt.timedelta(days=9))
    _add(world, c, "2.1.2", ["d.txt"], title="学习记录")  # same name in the same folder
    _add(world, c, "1.2", ["pending.txt"], title="待审核的材料", accept=False)
    return c


def _zip(campaign) -> zipfile.ZipFile:
    out = io.BytesIO()
    binder_write(campaign=campaign, out=out)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def test_the_zip_reads_back_with_folders_names_and_crcs(world):
    c = _campaign_with_evidence(world)
    zf = _zip(c)
    assert zf.testzip() is None
    names = zf.namelist()
    assert names[:2] == ["目录.pdf", "目录.xlsx"]
    files = names[2:]
    # Reading order: item 1 before item 2; inside a criterion by the date the evidence refers to.
    assert files == [
        "1 组织领导/1.1 领导小组/1.1 领导／小组_会议_纪要（a.txt）.txt",
        "1 组织领导/1.1 领导小组/1.1 领导／小组_会议_纪要（b.txt）.txt",
        "2 思想道德/2.1 理论学习/2.1.2 学习记录/2.1.2 学习记录.txt",
        "2 思想道德/2.1 理论学习/2.1.2 学习记录/2.1.2 学习记录（2）.txt",
    ]
    blobs = {b.sha256: b for b in Blob.objects.all()}
    for info in zf.infolist()[2:]:
        data = zf.read(info)
        assert info.compress_type == zipfile.ZIP_STORED
        blob = next(b for b in blobs.values() if b.crc32 == zlib.crc32(data))
        assert info.CRC == blob.crc32 and info.file_size == blob.size
    assert not any("待审核" in n for n in names)  # only accepted evidence is bound


def test_the_index_lists_every_file_with_criterion_date_and_sha256(world):
    c = _campaign_with_evidence(world)
    zf = _zip(c)
    sheet = (
        CalamineWorkbook.from_filelike(io.BytesIO(zf.read("目录.xlsx"))).get_sheet_by_name("目录").to_python()
    )
    header, rows = sheet[0], sheet[1:]
    assert header == binder_mod.INDEX_HEADERS
    assert len(rows) == 4
    paths = {r[7] for r in rows}
    assert paths == set(zf.namelist()[2:])
    import hashlib

    for r in rows:
        assert hashlib.sha256(zf.read(r[7])).hexdigest() == r[9]
    first = rows[0]
    assert (first[1], first[3], str(first[6])[:10]) == ("1 组织领导", "1.1 领导小组", "2026-03-01")
    assert rows[2][2] == "2.1 理论学习" and rows[2][3] == "2.1.2 学习记录"
    pdf = zf.read("目录.pdf")
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf  # a TrueType CJK font is embedded


def test_older_blobs_without_crc_get_it_while_binding(world):
    c = _campaign_with_evidence(world)
    Blob.objects.update(crc32=None)
    zf = _zip(c)
    assert zf.testzip() is None
    bound = [e.evidence.file.blob_id for e in binder_plan(campaign=c)]
    assert not Blob.objects.filter(pk__in=bound, crc32__isnull=True).exists()


def test_plan_names_are_safe_and_unique(world):
    c = _campaign_with_evidence(world)
    paths = [e.path for e in binder_plan(campaign=c)]
    assert len(set(p.lower() for p in paths)) == len(paths)
    for p in paths:
        assert not any(ch in p for ch in '<>:"\\|?*') and ".." not in p and not p.startswith("/")


def test_small_binders_are_built_in_the_request_and_downloaded_in_scope(world, client, login):
    c = _campaign_with_evidence(world)
    client.force_login(world.dept_lead_a)
    r = client.post(reverse("campaigns:binder_page", args=[c.pk]))
    assert r.status_code == 302
    b = Binder.objects.get()
    assert b.ready and b.files == 4 and b.job is None
    page = client.get(reverse("campaigns:binder_page", args=[c.pk]))
    assert reverse("campaigns:binder_download", args=[b.pk]) in page.content.decode()
    r = client.get(reverse("campaigns:binder_download", args=[b.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    data = b"".join(r.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    for who, code in ((world.county_a_admin, 200), (world.county_b_admin, 404), (world.outsider, 404)):
        login(who)
        assert client.get(reverse("campaigns:binder_download", args=[b.pk])).status_code == code
        assert client.get(reverse("campaigns:binder_page", args=[c.pk])).status_code == code


def test_large_binders_run_as_a_job_with_progress(
    world, client, django_capture_on_commit_callbacks, monkeypatch
):
    c = _campaign_with_evidence(world)
    monkeypatch.setattr(binder_mod, "SYNC_MAX_FILES", 1)
    client.force_login(world.unit_a_admin)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("campaigns:binder_page", args=[c.pk]))
    b = Binder.objects.get()
    assert not b.ready and b.job.status == JobStatus.QUEUED
    row = client.get(reverse("campaigns:binder_progress", args=[b.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in row
    # run it
    from wenming.campaigns.tasks import build_binder

    build_binder.call(job_id=b.job_id, binder_id=b.pk)
    b.refresh_from_db()
    job = Job.objects.get(pk=b.job_id)
    assert job.status == JobStatus.SUCCEEDED and (job.progress, job.total) == (4, 4)
    assert b.ready and default_storage.exists(b.storage_name)
    row = client.get(reverse("campaigns:binder_progress", args=[b.pk])).content.decode()
    assert "hx-trigger" not in row and reverse("campaigns:binder_download", args=[b.pk]) in row


def test_a_cancelled_job_leaves_no_file(world, django_capture_on_commit_callbacks, monkeypatch):
    from wenming.jobs import services as job_services

    c = _campaign_with_evidence(world)
    folder = f"binders/{c.pk}"
    before = set(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else set()
    with django_capture_on_commit_callbacks(execute=False):
        b = binder_start(campaign=c, user=world.unit_a_admin, sync=False)
    Job.objects.filter(pk=b.job_id).update(cancel_requested=True)
    monkeypatch.setattr(job_services, "CANCEL_CHECK_SECONDS", 0)
    from wenming.campaigns.tasks import build_binder

    build_binder.call(job_id=b.job_id, binder_id=b.pk)
    b.refresh_from_db()
    assert Job.objects.get(pk=b.job_id).status == JobStatus.CANCELLED
    assert not b.ready
    after = set(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else set()
    assert after == before


def test_only_the_latest_binders_are_kept(world, monkeypatch):
    c = _campaign_with_evidence(world)
    monkeypatch.setattr(binder_mod, "KEEP_BINDERS", 2)
    made = [binder_start(campaign=c, user=world.unit_a_admin, sync=True) for _ in range(3)]
    assert list(Binder.objects.values_list("pk", flat=True).order_by("pk")) == [made[1].pk, made[2].pk]
    assert not default_storage.exists(made[0].storage_name)


def test_a_missing_stored_file_is_a_clear_message_not_a_500(world, client, login):
    c = _campaign_with_evidence(world)
    login(world.unit_a_admin)
    client.post(reverse("campaigns:binder_page", args=[c.pk]))
    done = Binder.objects.get()
    default_storage.delete(done.storage_name)
    assert client.get(reverse("campaigns:binder_download", args=[done.pk])).status_code == 404
    blob = binder_plan(campaign=c)[0].evidence.file.blob
    default_storage.delete(blob.storage_name)
    r = client.post(reverse("campaigns:binder_page", args=[c.pk]), follow=True)
    assert r.status_code == 200 and "装订未完成" in r.content.decode()
    assert Binder.objects.filter(finished_at__isnull=True).count() == 1


def test_large_binders_draw_the_index_in_a_forked_child_beside_the_copy(world, monkeypatch):
    c = _campaign_with_evidence(world)
    inline = _zip(c)
    monkeypatch.setattr(binder_mod, "PARALLEL_INDEX_MIN", 1)
    forked = _zip(c)
    assert forked.testzip() is None
    assert forked.namelist() == inline.namelist()  # 目录 listed first although written last
    assert forked.read("目录.xlsx")[:2] == b"PK"

    def broken(*args):
        raise RuntimeError("child fails")

    monkeypatch.setattr(binder_mod, "_indexes_to", broken)
    fallback = _zip(c)  # the child's failure is logged and the index drawn in this process
    assert fallback.testzip() is None and fallback.namelist()[:2] == ["目录.pdf", "目录.xlsx"]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_index_text_is_the_same_as_drawstring_gives_across_font_subsets(world, monkeypatch):
    """The index's text is written as raw text operators (``_RawText``); with more than 256
    distinct characters the embedded font has several subsets. Both must read back as the same
    text as ReportLab's own drawString gives, and every row's date and SHA-256 must be there."""
    from django.utils import timezone

    c = _campaign_with_evidence(world)
    # 12 titles of 40 distinct common characters each: ~480 distinct characters, 2+ subsets.
    common = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
    for i in range(12):
        _add(world, c, "1.1", [f"s{i}.txt"], title=common[i * 40 : (i + 1) * 40])
    entries = binder_plan(campaign=c)
    made_at = timezone.localtime()
    fast = binder_mod.index_pdf(entries, campaign=c, made_at=made_at)
    monkeypatch.setattr(binder_mod._RawText, "enabled", False)
    slow = binder_mod.index_pdf(entries, campaign=c, made_at=made_at)
    assert fast != slow  # two ways of writing it …
    text = _pdf_text(fast)
    assert text == _pdf_text(slow)  # … the same text
    assert len(set(text)) > 256
    for e in entries:
        assert e.evidence.refers_to.isoformat() in text
        assert e.evidence.file.blob.sha256 in text
        assert "".join(e.evidence.title.split())[:10] in text


def test_the_pdf_font_has_a_glyph_for_every_character_of_the_index(world):
    from reportlab.pdfbase import pdfmetrics

    from wenming.web.pdf import cjk_font

    c = _campaign_with_evidence(world)
    font = pdfmetrics.getFont(cjk_font())
    assert hasattr(font, "face"), "a TrueType CJK font is installed and embedded (fonts-wqy-microhei)"
    text = "".join(
        f"{e.criterion}{e.evidence.title}{e.path}{c.title}佐证材料目录共项生成于第页序号测评标准材料名称日期文件链接大小"
        for e in binder_plan(campaign=c)
    )
    missing = {ch for ch in text if ord(ch) not in font.face.charToGlyph}
    assert not missing  # each would print as an empty box


def test_the_binder_page_has_a_fixed_query_count(world, client, login, django_assert_max_num_queries):
    c = _campaign_with_evidence(world)
    for _ in range(3):
        binder_start(campaign=c, user=world.unit_a_admin, sync=True)
    login(world.unit_a_admin)
    # A first request refreshes the session's last-seen time (at most once a minute: a slow run
    # can cross that minute between login and the measured request); the bound is the page's.
    client.get(reverse("campaigns:binder_page", args=[c.pk]))
    with django_assert_max_num_queries(10):
        body = client.get(reverse("campaigns:binder_page", args=[c.pk])).content.decode()
    assert body.count('data-testid="binder-row"') == 3


def test_a_failed_build_leaves_no_part_file(world, monkeypatch):
    c = _campaign_with_evidence(world)
    folder = f"binders/{c.pk}"
    before = set(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else set()
    blob = binder_plan(campaign=c)[-1].evidence.file.blob
    default_storage.delete(blob.storage_name)  # the last file has gone from storage mid-build
    b = Binder.objects.create(campaign=c, created_by=world.unit_a_admin)
    written = []
    monkeypatch.setattr(binder_mod, "_prune", lambda **kw: None)
    real_write = binder_mod.binder_write

    def spy(*, out, **kw):
        written.append(out.name)  # the .part file the build writes into
        return real_write(out=out, **kw)

    monkeypatch.setattr(binder_mod, "binder_write", spy)
    with pytest.raises(FileNotFoundError):
        binder_mod.binder_build(binder=b)
    assert written and written[0].endswith(".zip.part")
    assert set(default_storage.listdir(folder)[1]) == before  # the .part is gone, nothing else added


def test_the_sweep_removes_parts_of_dead_builds_and_keeps_live_ones(world, monkeypatch, tmp_path):
    import os
    import time

    from wenming.jobs.models import Job

    c = _campaign_with_evidence(world)
    monkeypatch.setattr(binder_mod.tempfile, "gettempdir", lambda: str(tmp_path))

    def part(binder, age: float = 0.0) -> str:
        path = default_storage.path(f"binders/{c.pk}/{binder.pk}-abc.zip.part")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(b"PK")
        os.utime(path, (time.time() - age, time.time() - age))
        return path

    running_job = Job.objects.create(kind="campaigns.binder", title="装订", status=JobStatus.RUNNING)
    failed_job = Job.objects.create(kind="campaigns.binder", title="装订", status=JobStatus.FAILED)
    live = part(Binder.objects.create(campaign=c, job=running_job))
    in_request = part(Binder.objects.create(campaign=c))  # a sync build in progress (no job)
    failed = part(Binder.objects.create(campaign=c, job=failed_job))
    killed = part(Binder.objects.create(campaign=c, job=running_job), age=binder_mod.STALE_PART_SECONDS + 5)
    gone = Binder.objects.create(campaign=c)
    orphan = part(gone)
    gone.delete()
    old_index = tmp_path / "wenming-binder-index-x"
    old_index.mkdir()
    os.utime(old_index, (time.time() - 10_000, time.time() - 10_000))
    new_index = tmp_path / "wenming-binder-index-y"
    new_index.mkdir()
    assert binder_mod.binder_sweep_parts() == 4
    assert [os.path.exists(p) for p in (live, in_request, failed, killed, orphan)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert not old_index.exists() and new_index.exists()


def test_every_binder_job_and_the_schedule_sweep_first(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr(binder_mod, "binder_sweep_parts", lambda **kw: calls.append("sweep") or 0)
    c = _campaign_with_evidence(world)
    with django_capture_on_commit_callbacks(execute=False):
        b = binder_start(campaign=c, user=world.unit_a_admin, sync=False)
    from wenming.campaigns.tasks import build_binder

    build_binder.call(job_id=b.job_id, binder_id=b.pk)
    assert calls == ["sweep"]
    schedule = pytest.importorskip("wenming.jobs.schedule")  # the scheduler, where it is installed
    from wenming.campaigns import schedule as ours  # noqa: F401 - registers

    assert "已清理 0 个" in schedule.REGISTRY["campaigns.binder_parts"].func()


def test_the_copy_opens_blobs_at_their_storage_path_and_other_names_through_the_storage(world, monkeypatch):
    from types import SimpleNamespace

    c = _campaign_with_evidence(world)
    opener = binder_mod._local_opener()
    blob = binder_plan(campaign=c)[0].evidence.file.blob
    with opener(blob) as fh:
        assert fh.name == default_storage.path(blob.storage_name)
    seen = []
    monkeypatch.setattr(binder_mod, "blob_open", lambda b: seen.append(b.storage_name) or io.BytesIO(b""))
    opener = binder_mod._local_opener()
    for odd in ("blobs/../secret.txt", "other/x.pdf", "blobs//x.pdf"):
        opener(SimpleNamespace(storage_name=odd))
    assert seen == ["blobs/../secret.txt", "other/x.pdf", "blobs//x.pdf"]


def test_the_cjk_font_is_parsed_before_the_fork_not_in_every_child(world, monkeypatch):
    from wenming.web.pdf import cjk_font

    c = _campaign_with_evidence(world)
    monkeypatch.setattr(binder_mod, "PARALLEL_INDEX_MIN", 1)
    cjk_font.cache_clear()
    zf = _zip(c)  # the index is drawn in a forked child
    assert zf.testzip() is None
    assert cjk_font.cache_info().currsize == 1  # parsed here, inherited by the child
