"""问题台账导出: the 导出 button on the ledger starts a background job whose xlsx holds exactly the
rows the ledger lists the starter with the filters applied — Chinese headers, formulas neutralised,
audited, the file the starter's own."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import login_client
from wenming.audit.models import Action, AuditEntry
from wenming.inspections import selectors, services
from wenming.inspections.models import Finding, PointType, Status
from wenming.inspections.tasks import LEDGER_HEADERS
from wenming.inspections.tests.helpers import category, new_finding, point
from wenming.jobs.models import Job, JobStatus
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db

EXPORT = "/inspections/findings/export/"


@pytest.fixture
def ledger(world):
    """Findings in both counties: every status in 东城区 (two categories, some overdue, one with a
    location typed as a formula) and two in 西湖区 (unit B)."""
    flyers, webs = category("牛皮癣"), category("蜘蛛网")
    a = [
        new_finding(
            world, status=status, category=flyers if i % 2 else webs, point=point(world, name=f"导出点位{i}")
        )
        for i, status in enumerate(
            [
                Status.OPEN,
                Status.OPEN,
                Status.RECTIFYING,
                Status.CLOSURE_REQUESTED,
                Status.UNDER_REVIEW,
                Status.CLOSED,
            ]
        )
    ]
    planted = new_finding(world, location_text='=HYPERLINK("http://evil.example","点我")', category=webs)
    Finding.objects.filter(pk__in=[a[0].pk, a[2].pk]).update(
        deadline=services.local_today() - dt.timedelta(days=2)
    )
    with as_user(world.city_admin):
        west_point = services.point_create(
            name="西湖医院门口",
            point_type=PointType.objects.get_or_create(name="医院")[0],
            region=world.county_b,
            responsible_unit=world.unit_b,
        )
    b = [
        new_finding(world, point=west_point, category=flyers),
        new_finding(world, point=west_point, category=webs),
    ]
    return {"a": [*a, planted], "b": b, "planted": planted, "flyers": flyers, "webs": webs}


def export(client, django_capture_on_commit_callbacks, params: dict) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EXPORT, params)
    job = Job.objects.filter(kind=services.LEDGER_EXPORT_KIND).latest("id")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED, job.message
    return job


def sheet(job: Job) -> list[list]:
    with default_storage.open(job.result_file.blob.storage_name, "rb") as fh:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
    assert workbook.sheet_names == ["问题台账"]
    return workbook.get_sheet_by_index(0).to_python()


def ids(rows: list[list]) -> list[int]:
    return [int(r[0]) for r in rows[1:]]


def expected(user, params: dict) -> list[int]:
    query = selectors.ledger_query(user=user, params=params)
    qs = selectors.finding_list(user=user, today=services.local_today(), **query.filters)
    return list(qs.values_list("id", flat=True))


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "open"},
        {"overdue": "1"},
        {"category": "webs"},
        {"group": "review"},
        {"status": "open", "category": "flyers"},
        {"region": "990102"},
        {"group": "open", "unit": "unit_a"},
    ],
)
def test_the_export_holds_exactly_the_ledgers_rows_for_the_filters(
    client, world, ledger, django_capture_on_commit_callbacks, params
):
    params = {
        k: str(ledger[v].pk) if v in ("webs", "flyers") else str(world.unit_a.pk) if v == "unit_a" else v
        for k, v in params.items()
    }
    login_client(client, world.city_inspector)
    rows = sheet(export(client, django_capture_on_commit_callbacks, params))
    assert rows[0] == LEDGER_HEADERS
    assert ids(rows) == expected(world.city_inspector, params)  # same rows, same order
    assert ids(rows)  # every filter above lists something: the comparison is not vacuous


def test_the_ledger_page_offers_the_export_with_its_filters(
    client, world, ledger, django_capture_on_commit_callbacks
):
    login_client(client, world.county_a_admin)
    webs = ledger["webs"].pk
    # On a later page (a key in 2100: every row comes after it) the export is still the whole list.
    page = client.get(f"/inspections/findings/?status=open&category={webs}&after=4102444800000000.1")
    page = page.content.decode()
    assert f'action="{EXPORT}"' in page and ">导出</button>" in page
    form = page[page.index('data-testid="ledger-export"') :].split("</form>")[0]
    assert '<input type="hidden" name="status" value="open">' in form
    assert f'<input type="hidden" name="category" value="{webs}">' in form
    assert 'name="after"' not in form  # the page key is not a filter: the export is every page
    assert client.get(EXPORT).status_code == 405


def test_another_county_gets_none_of_the_others_rows(
    client, world, ledger, django_capture_on_commit_callbacks
):
    a_ids = {f.pk for f in ledger["a"]}
    b_ids = {f.pk for f in ledger["b"]}
    login_client(client, world.county_b_admin)
    west = set(ids(sheet(export(client, django_capture_on_commit_callbacks, {}))))
    assert west == set(expected(world.county_b_admin, {})) and b_ids <= west and not west & a_ids
    login_client(client, world.county_a_admin)
    east = set(ids(sheet(export(client, django_capture_on_commit_callbacks, {}))))
    assert a_ids <= east and not east & b_ids
    assert east == set(expected(world.county_a_admin, {}))


def test_a_unit_exports_only_its_own_findings(client, world, ledger, django_capture_on_commit_callbacks):
    login_client(client, world.unit_a_admin)
    rows = sheet(export(client, django_capture_on_commit_callbacks, {"todo": "unit"}))
    got = ids(rows)
    assert got == expected(world.unit_a_admin, {"todo": "unit"})
    assert set(got) <= {f.pk for f in ledger["a"]}
    assert {r[7] for r in rows[1:]} <= {"挂账", "整改中"} and {r[5] for r in rows[1:]} == {world.unit_a.name}


def test_each_row_reads_as_the_ledger_does(client, world, ledger, django_capture_on_commit_callbacks):
    login_client(client, world.county_a_admin)
    job = export(client, django_capture_on_commit_callbacks, {})
    rows = {int(r[0]): r for r in sheet(job)[1:]}
    overdue = Finding.objects.select_related("category", "point").get(pk=ledger["a"][0].pk)
    row = rows[overdue.pk]
    assert row[1:9] == [
        overdue.category.name,
        "一般",
        overdue.point.name,
        overdue.location_text,
        world.unit_a.name,
        world.city_office.name,
        "挂账",
        "",
    ]
    assert str(row[9])[:10] == overdue.deadline.isoformat() and row[10] == "是"
    assert row[13] == "city_inspector"  # 记录人 (display name)
    closed = rows[ledger["a"][5].pk]
    assert closed[7:9] == ["已销号", "整改到位"] and closed[10] == "否" and closed[15]
    # A location a user typed as a formula stays text.
    assert rows[ledger["planted"].pk][4] == "'" + ledger["planted"].location_text
    assert job.message == f"已导出 {len(rows)} 个问题" and job.total == job.progress == len(rows)


def test_the_export_is_audited_and_kept_to_the_starter(
    client, world, ledger, django_capture_on_commit_callbacks
):
    login_client(client, world.county_a_admin)
    job = export(client, django_capture_on_commit_callbacks, {"status": "open"})
    entry = AuditEntry.objects.get(action=Action.EXPORT, object_type="jobs.job", object_id=str(job.pk))
    assert entry.object_repr == "问题台账" and entry.actor_id == world.county_a_admin.pk
    assert entry.changes == {"filters": [None, {"status": "open"}]}
    assert entry.org_id == world.county_a_office.pk and entry.region_code == world.county_a.code
    stored = job.result_file
    assert (stored.uploaded_by, stored.organisation, stored.purpose) == (world.county_a_admin, None, "导出")
    assert stored.original_name == f"问题台账{services.local_today():%Y%m%d}.xlsx"
    download = reverse("files:file_download", args=[stored.pk])
    job_page = reverse("jobs:job_detail", args=[job.pk])
    assert f'href="{download}"' in client.get(job_page).content.decode()  # the job page, then the file
    assert client.get(download).status_code == 200
    login_client(client, world.city_admin)  # sees county A's ledger, not county A's admin's export
    assert client.get(job_page).status_code == 404 and client.get(download).status_code == 404


def test_a_cancelled_export_stores_nothing(world, ledger, monkeypatch, django_capture_on_commit_callbacks):
    from wenming.files.models import StoredFile
    from wenming.inspections import tasks
    from wenming.jobs import tasks as job_tasks
    from wenming.jobs.services import JobCancelled

    def starter_cancelled(run):
        raise JobCancelled

    monkeypatch.setattr(tasks, "CHECK_EVERY", 1)  # look at the cancel flag on every row
    monkeypatch.setattr(job_tasks, "job_check_cancel", starter_cancelled)  # export_xlsx checks
    files_before = StoredFile.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.finding_export_start(user=world.county_a_admin, params={})
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.result_file is None
    assert StoredFile.objects.count() == files_before
