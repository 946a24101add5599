"""Module benchmark "vimport": importing 450,000 volunteers from xlsx (issue 5), validation
included, on SQLite and PostgreSQL, against two yardsticks measured in the same run:

- **the plain limit**: read the same file with python-calamine and insert the same rows through
  the driver's fastest path (``executemany`` / ``COPY``) without any validation, encryption or
  hashing (cells go into the columns as they are, rows gathered with one ``itemgetter`` call),
  and commit. Target: the import reaches ≥ 50% of its rows/s.
- **django-import-export** (the usual Django way: a ``ModelResource`` whose ``before_import_row``
  does the same validation, encryption and hashing with the volunteer module's helpers, rows saved
  one by one as the library does by default) on a sample of the same sheet (5,000 rows; quick: 300),
  extrapolated as rows/s. Target: the import is ≥ 30× faster.

The file is generated once into ``ctx.var_dir`` (quick mode: 2,000 rows; ``VIMPORT_ROWS`` sets
another size for development). Per database, two subprocesses, each on a fresh migrated scratch
database with a county of 20 communities and an organisation with two teams: the plain limit
(committed: until session 3 it was rolled back, which left out the commit's work — on
PostgreSQL the deferred foreign-key checks — and its rows were built through a dict per row);
then the import and django-import-export. The import is the job's own code path: the sheet
uploaded with ``batch_create`` (outside the time), then ``services.batch_import_volunteers``
from the file's bytes to the commit; the statistics update the job runs afterwards
(docs/vstats.md) is timed separately.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from wenming.bench.modules import ModuleBenchContext, module_bench, run_json, scratch_database, scratch_env

TARGET_RATIO = 0.50
TARGET_SPEEDUP = 30
TEAMS = ["助老服务队", "文明交通劝导队"]
COMMUNITIES = [f"第{i}社区" for i in range(1, 21)]


def _env(ctx: ModuleBenchContext, url: str) -> dict:
    return scratch_env(ctx, url, var_name="vimport-var", settings_module="wenming.settings")


def _sub(ctx, url: str, code: str) -> dict:
    return run_json(
        ctx, url, code, var_name="vimport-var", settings_module="wenming.settings", label="vimport"
    )


def _setup_world():
    """A county, 20 communities, an organisation and its teams (ORM, outside the measurement)."""
    from wenming.orgs.models import Region
    from wenming.orgs.regions import prefix_of
    from wenming.volunteers.models import Team, VolunteerOrg

    def region(code, name, level, parent):
        return Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent, "prefix": prefix_of(code)}
        )[0]

    province = region("990000000000", "示范省", 1, None)
    city = region("990100000000", "示范市", 2, province)
    county = region("990102000000", "东城区", 3, city)
    town = region("990102001000", "朝阳街道", 4, county)
    for i, name in enumerate(COMMUNITIES, 1):
        region(f"990102001{i:03d}", name, 5, town)
    org = VolunteerOrg.objects.get_or_create(
        name="东城区志愿者协会", region=county, defaults={"region_code": county.code}
    )[0]
    for name in TEAMS:
        Team.objects.get_or_create(org=org, name=name)
    return org


def measure_plain(path: str) -> dict:
    """The plain limit, in its own fresh database (subprocess): read the file with calamine and
    insert the cells as they are — no validation, encryption or hashing — through the same
    ``insert_rows``, rows gathered with one ``itemgetter`` call each, **committed** (a rolled-back
    insert skips the commit's work — PostgreSQL's deferred foreign-key checks, the WAL flush — that
    the import pays; the time before the commit is reported too)."""
    import operator

    from django.db import connection, transaction
    from django.utils import timezone

    from wenming.audit.context import SYSTEM, acting_as
    from wenming.volimport import fastinsert, parser
    from wenming.volunteers.models import Volunteer

    out: dict = {"vendor": connection.vendor}
    with acting_as(SYSTEM):
        org = _setup_world()
        columns, attnames = fastinsert.model_columns(Volunteer, {})
        sqlite = connection.vendor == "sqlite"
        adapt = fastinsert.sqlite_value if sqlite else (lambda v: v)
        base = {a: "" for a in attnames}
        base.update(fastinsert.defaults_for(Volunteer, attnames, set()))
        base.update(
            {
                "residence_id": None,
                "home_org_id": org.pk,
                "user_id": None,
                "dual_report_unit_id": None,
                "dual_report_community_id": None,
                "birth_date": None,
                "consent_at": None,
                "created_at": timezone.now(),
                "id_type": "mainland",
                "availability": "any",
            }
        )
        # The sheet's columns: 序号 姓名 身份证号码 手机号码 所属队伍 政治面貌 居住社区 注册日期.
        from_cells = {
            "name": 1,
            "id_number_enc": 2,
            "id_hash": 2,
            "id_masked": 2,
            "phone_enc": 3,
            "phone_hash": 3,
            "phone_masked": 3,
            "skills": 4,
            "political_status": 5,
        }
        constant_names = [a for a in attnames if a not in from_cells and a != "number"]
        constants = tuple(adapt(base[a]) for a in constant_names)
        source = {"number": 0, **{a: 1 + c for a, c in from_cells.items()}}
        source.update({a: 9 + k for k, a in enumerate(constant_names)})
        gather = operator.itemgetter(*(source[a] for a in attnames))
        cpu0 = os.times()
        t0 = time.perf_counter()
        with open(path, "rb") as fh:
            data = fh.read()
        grid = parser.read_grid(data)
        t_read = time.perf_counter() - t0
        header = parser.detect_header(grid, "volunteers")
        with transaction.atomic():
            rows = [gather((f"P{int(r[0])}", *r[:8], *constants)) for r in grid[header + 1 :]]
            n_plain = fastinsert.insert_rows(Volunteer._meta.db_table, columns, rows)
            t_inserted = time.perf_counter() - t0
        t_plain = time.perf_counter() - t0
        cpu1 = os.times()
    assert Volunteer.objects.count() == n_plain
    out.update(
        rows=n_plain,
        plain_s=t_plain,
        plain_uncommitted_s=t_inserted,
        plain_read_s=t_read,
        plain_cpu_s=cpu1.user + cpu1.system - cpu0.user - cpu0.system,
    )
    return out


def measure(path: str, sample_path: str) -> dict:
    """The import and django-import-export, in a fresh database (subprocess)."""
    import datetime as dt

    from django.db import connection

    from wenming.audit.context import SYSTEM, acting_as
    from wenming.volimport import services
    from wenming.volimport.validate import default_workers

    out: dict = {"vendor": connection.vendor}
    with acting_as(SYSTEM):
        org = _setup_world()
        # 2. the import: the job's own code path (services.batch_import_volunteers), committed.
        from django.contrib.auth import get_user_model
        from django.core.files.uploadedfile import SimpleUploadedFile

        user = get_user_model().objects.get_or_create(username="vimport-bench")[0]
        with open(path, "rb") as fh:
            upload = SimpleUploadedFile(os.path.basename(path), fh.read())
        batch = services.batch_create(org=org, kind="volunteers", upload=upload, user=user)
        del upload
        marks: dict[str, float] = {}

        def say(message, total):
            marks.setdefault(message, time.perf_counter())

        cpu0 = os.times()
        t0 = time.perf_counter()
        with open(path, "rb") as fh:
            data = fh.read()
        inserted, checked = services.batch_import_volunteers(
            batch=batch, mode="valid", data=data, user=user, say=say
        )
        t4 = time.perf_counter()
        cpu1 = os.times()
        assert inserted == checked.total and not checked.errors, (inserted, checked.total, checked.errors[:3])
        out["import_rows"] = inserted
        read_end = marks.get("正在校验") or marks["正在校验并写入数据库（可取消，取消后不留任何数据）"]
        write_start = marks.get("正在写入数据库（可取消，取消后不留任何数据）")
        out.update(
            import_s=t4 - t0,
            read_s=read_end - t0,
            check_s=(write_start or t4) - read_end,
            insert_s=(t4 - write_start) if write_start else None,
            pipelined=write_start is None,
            workers=default_workers(),
            import_cpu_s=cpu1.user + cpu1.system - cpu0.user - cpu0.system,
            import_children_cpu_s=cpu1.children_user
            + cpu1.children_system
            - cpu0.children_user
            - cpu0.children_system,
        )
        rebuilt = time.perf_counter()
        if services.rollups_after_import(batch=batch):
            out["rollups_s"] = time.perf_counter() - rebuilt
        del checked, data

        # 3. django-import-export on the sample.
        out.update(_import_export(sample_path, org))
    out["when"] = dt.datetime.now().isoformat(timespec="seconds")
    return out


def _import_export(sample_path: str, org) -> dict:
    import tablib
    from import_export import fields, resources

    from wenming.orgs.personal import (
        encrypt,
        id_hash,
        mask_id,
        mask_phone,
        phone_hash,
        validate_id,
        validate_phone,
    )
    from wenming.volunteers.models import Volunteer
    from wenming.volunteers.services import number_allocate, number_prefix

    statuses = {
        "中共党员": "cpc",
        "中共预备党员": "cpc_probationary",
        "共青团员": "cyl",
        "民主党派": "democratic",
        "群众": "masses",
    }

    class VolunteerResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")

        class Meta:
            model = Volunteer
            fields = (
                "name",
                "number",
                "id_type",
                "id_number_enc",
                "id_hash",
                "id_masked",
                "birth_date",
                "sex",
                "phone_enc",
                "phone_hash",
                "phone_masked",
                "political_status",
                "home_org",
            )
            import_id_fields = ("id_hash",)

        def before_import_row(self, row, **kwargs):
            info = validate_id("mainland", str(row["身份证号码"]))
            phone = validate_phone(str(row["手机号码"]))
            row.update(
                {
                    "number": number_allocate(prefix=number_prefix(residence=None, home_org=org))[0],
                    "id_type": "mainland",
                    "id_number_enc": encrypt(info.number),
                    "id_hash": id_hash("mainland", info.number),
                    "id_masked": mask_id(info.number),
                    "birth_date": info.birth_date,
                    "sex": info.sex,
                    "phone_enc": encrypt(phone),
                    "phone_hash": phone_hash(phone),
                    "phone_masked": mask_phone(phone),
                    "political_status": statuses.get(row["政治面貌"], "masses"),
                    "home_org": org.pk,
                }
            )

    t0 = time.perf_counter()
    with open(sample_path, "rb") as fh:
        data = fh.read()
    import openpyxl

    book = openpyxl.load_workbook(__import__("io").BytesIO(data), read_only=True)
    values = list(book.worksheets[0].values)[2:]  # the same title rows as the big file
    computed = [
        "number",
        "id_type",
        "id_number_enc",
        "id_hash",
        "id_masked",
        "birth_date",
        "sex",
        "phone_enc",
        "phone_hash",
        "phone_masked",
        "political_status",
        "home_org",
    ]
    # The model's columns the resource fills in before_import_row, as empty columns of the sheet.
    dataset = tablib.Dataset(
        *[[*r, *([""] * len(computed))] for r in values[1:]],
        headers=[*(str(h) for h in values[0]), *computed],
    )
    result = VolunteerResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    elapsed = time.perf_counter() - t0
    rows = len(dataset)
    assert result.totals["new"] == rows, result.totals
    return {"die_rows": rows, "die_s": elapsed}


PRELUDE = "import django, json, sys; django.setup(); from wenming.volimport import bench; "


@module_bench("vimport", title="志愿者 Excel 导入（issue 5：450,000 行，含校验）")
def vimport(ctx: ModuleBenchContext) -> str:
    from wenming.volimport.generate import write_sheet

    n = int(os.environ.get("VIMPORT_ROWS", 0)) or (2_000 if ctx.quick else 450_000)
    sample = 300 if ctx.quick else 5_000
    ctx.var_dir.mkdir(parents=True, exist_ok=True)
    path = ctx.var_dir / f"vimport-{n}.xlsx"
    sample_path = ctx.var_dir / f"vimport-sample-{sample}.xlsx"
    if not path.exists():
        ctx.say(f"vimport: generating {n:,} rows → {path}")
        took = write_sheet(path.with_suffix(".tmp.xlsx"), n, teams=TEAMS, communities=COMMUNITIES)
        path.with_suffix(".tmp.xlsx").rename(path)
        ctx.say(f"vimport: generated in {took:.1f}s")
    if not sample_path.exists():
        write_sheet(sample_path, sample, start=600_000, teams=TEAMS, communities=COMMUNITIES)
    results = {}
    base_dir = __import__("django.conf", fromlist=["settings"]).settings.BASE_DIR
    for db in ctx.databases:
        ctx.say(f"vimport: measuring on {db}")
        results[db] = {}
        for name, call in (
            ("vimport_plain", f"bench.measure_plain({str(path)!r})"),
            ("vimport", f"bench.measure({str(path)!r}, {str(sample_path)!r})"),
        ):
            url = scratch_database(ctx, db, name)
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0"], env=_env(ctx, url), check=True, cwd=base_dir
            )
            results[db].update(_sub(ctx, url, PRELUDE + f"print(json.dumps({call}))"))
        assert results[db]["rows"] == results[db]["import_rows"], results[db]
    return _report(n, sample, path.stat().st_size, results, ctx.quick)


def _report(n: int, sample: int, size: int, results: dict, quick: bool) -> str:
    load = os.getloadavg()
    lines = [
        f"{'Quick run (small scale, not the target scale). ' if quick else ''}"
        f"File: {n:,} volunteers, {size / 1e6:.1f} MB xlsx (title row, blank row, header; 8 columns: "
        f"name, ID, phone, team, political status, community, registration date). Machine: "
        f"{os.cpu_count()} cores, shared; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        "(1 / 5 / 15 min).",
        "",
        "| database | plain limit (read + insert + commit, no checks) | import (read + check + encrypt + insert + commit) | ratio (target ≥ 50%) | django-import-export (sample) | speed-up (target ≥ 30×) |",
        "|---|---|---|---|---|---|",
    ]
    for db, r in results.items():
        plain_rps = r["rows"] / r["plain_s"]
        imp_rps = r["rows"] / r["import_s"]
        die_rps = r["die_rows"] / r["die_s"]
        ratio = imp_rps / plain_rps
        speedup = imp_rps / die_rps
        lines.append(
            f"| {db} | {r['plain_s']:.1f} s = {plain_rps:,.0f} rows/s (read {r['plain_read_s']:.1f} s; "
            f"before commit {r['plain_uncommitted_s']:.1f} s) "
            f"| {r['import_s']:.1f} s = {imp_rps:,.0f} rows/s | {ratio:.0%} {'met' if ratio >= TARGET_RATIO else f'**missed** by {TARGET_RATIO - ratio:.0%} points'} "
            f"(against the plain time before its commit: {r['plain_uncommitted_s'] / r['import_s']:.0%}) "
            f"| {r['die_rows']:,} rows in {r['die_s']:.1f} s = {die_rps:,.0f} rows/s "
            f"| {speedup:,.0f}× {'met' if speedup >= TARGET_SPEEDUP else '**missed**'} |"
        )
    lines += [
        "",
        "Where the import's time goes (wall; CPU of this process and of its forked checkers; the "
        "database server's own CPU is not counted):",
        "",
        "| database | read (calamine) | check + encrypt (forked processes) + duplicate look-up | insert (numbers, COPY/executemany, memberships, audit, commit) | CPU: import / plain | statistics after commit |",
        "|---|---|---|---|---|---|",
    ]
    for db, r in results.items():
        rebuild = f"{r['rollups_s']:.1f} s" if "rollups_s" in r else "—"
        if r["pipelined"]:
            middle = f"{r['check_s']:.1f} s together: each checked chunk is inserted while the next is checked ({r['workers']} processes)"
            insert = "(in the previous column)"
        else:
            middle = f"{r['check_s']:.1f} s ({r['workers']} processes)"
            insert = f"{r['insert_s']:.1f} s"
        lines.append(
            f"| {db} | {r['read_s']:.1f} s | {middle} | {insert} "
            f"| {r['import_cpu_s']:.1f} s + {r['import_children_cpu_s']:.1f} s / {r['plain_cpu_s']:.1f} s | {rebuild} |"
        )
    lines += [
        "",
        f"django-import-export ran on a {sample:,}-row sample of the same layout and its rows/s is "
        "extrapolated (at its rate the full file would take "
        + ", ".join(f"{db}: {n / (r['die_rows'] / r['die_s']) / 60:.0f} min" for db, r in results.items())
        + "). The plain limit and the import each start from a fresh, migrated database. The "
        "statistics update (docs/vstats.md) runs after the import's commit and is not in the import's time.",
    ]
    return "\n".join(lines)
