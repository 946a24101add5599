"""The check-in burst, in three steps run as separate processes by ``wenming/volunteers/bench.py``:

``setup``  (Django, in the bench environment): one running activity, N volunteers with logins,
           confirmed sign-ups and signed-in sessions; writes what the load needs to a JSON file.
``load``   (no Django, its own interpreter like wenming/bench/pyload.py): ``clients`` keep-alive
           connections; N check-in scans plus ``repeat`` × N repeated scans of volunteers already
           scanned, scheduled at an even rate over ``duration`` seconds (open loop: a scan starts
           at its time whether or not the server kept up), each a real POST of the QR URL with the
           volunteer's session and CSRF token. The token is computed per 30 s slot like the
           organiser's screen does. Prints one JSON object.
``verify`` (Django): attendance rows per volunteer — lost = confirmed volunteers whose scan was
           answered as done but have no row; duplicated = more than one row (impossible by the
           unique constraint; counted anyway).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import random
import sys
import time
from pathlib import Path

from wenming.bench.pyload import ProtocolError, percentile, read_response

SLOT_SECONDS = 30  # wenming.volunteers.checkin.SLOT_SECONDS (not imported: no Django here)


def token(secret: str, key: str, activity_id: int, now: float) -> str:
    slot = int(now) // SLOT_SECONDS
    return hmac.new(f"{secret}:{key}".encode(), f"{activity_id}:{slot}".encode(), hashlib.sha256).hexdigest()[
        :16
    ]


# --- setup / verify (Django) ----------------------------------------------------------------


def setup(n: int, out: Path) -> None:
    import datetime as dt
    import secrets

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from wenming.orgs.models import Profile, Region
    from wenming.volunteers.models import Activity, Signup, Volunteer, VolunteerOrg, VolunteerProject
    from wenming.web.middleware import _SESSION_KEY as _2FA_SESSION_KEY

    User = get_user_model()
    now = timezone.now()
    with transaction.atomic():
        region, _ = Region.objects.get_or_create(
            code="990100000000", defaults={"name": "示范市", "level": 2, "prefix": "9901"}
        )
        org = VolunteerOrg.objects.create(name="基准志愿者协会", region=region, region_code=region.code)
        project = VolunteerProject.objects.create(org=org, name="签到压测")
        activity = Activity.objects.create(
            project=project, org=org, title="签到压测活动", place="体育场", start=now - dt.timedelta(minutes=10),
            end=now + dt.timedelta(hours=3), capacity=n, signup_deadline=now, checkin_key=secrets.token_hex(16),
        )  # fmt: skip
        users = User.objects.bulk_create(
            [User(username=f"bench_v{i:06d}", password="!") for i in range(n)],
            batch_size=2000,
        )
        users = list(User.objects.filter(username__startswith="bench_v").order_by("username"))
        Profile.objects.bulk_create(
            [Profile(user=u, display_name=f"压测{i}") for i, u in enumerate(users)], batch_size=2000
        )
        vols = Volunteer.objects.bulk_create(
            [
                Volunteer(
                    number=f"ZY990100{i:07d}",
                    name=f"压测{i}",
                    id_number_enc="",
                    id_hash=f"bench{i:059d}",
                    id_masked="9901**********0000",
                    user=u,
                )  # fmt: skip
                for i, u in enumerate(users)
            ],
            batch_size=2000,
        )
        vols = list(Volunteer.objects.filter(number__startswith="ZY990100").order_by("number"))
        Signup.objects.bulk_create(
            [Signup(activity=activity, volunteer=v, status="confirmed") for v in vols], batch_size=2000
        )
        backend = "wenming.orgs.backends.ProfileModelBackend"
        expire = now + dt.timedelta(hours=6)
        t = time.time()
        clients = []
        sessions = []
        for u in users:
            store = SessionStore()
            key = secrets.token_hex(16)
            # A session as it is after the volunteer's first page (the phone opening the QR link):
            # the idle stamp and the second-factor answer for this non-admin user are in it.
            data = {SESSION_KEY: str(u.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: u.get_session_auth_hash(),
                    "seen_at": t, "auth_at": t, _2FA_SESSION_KEY: [u.pk, False]}  # fmt: skip
            sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
            clients.append({"session": key, "csrf": secrets.token_hex(16)})
        Session.objects.bulk_create(sessions, batch_size=2000)
    out.write_text(
        json.dumps(
            {
                "activity": activity.pk,
                "secret": settings.SECRET_KEY,
                "key": activity.checkin_key,
                "clients": clients,
            }
        )
    )


def verify(out: Path) -> None:
    import django

    django.setup()
    from django.db.models import Count

    from wenming.volunteers.models import Attendance, ServiceRecord, Signup

    data = json.loads(out.read_text())
    activity = data["activity"]
    rows = Attendance.objects.filter(activity_id=activity)
    per = rows.values("volunteer_id").annotate(c=Count("id"))
    print(json.dumps({
        "confirmed": Signup.objects.filter(activity_id=activity, status="confirmed").count(),
        "attendance": rows.count(),
        "volunteers_checked_in": per.count(),
        "duplicated": sum(r["c"] - 1 for r in per if r["c"] > 1),
        "records": ServiceRecord.objects.filter(activity_id=activity).count(),
    }))  # fmt: skip


def cpu(out: Path, *, first: int, skip: int) -> None:
    """CPU per scan in this process (no HTTP server, no load generator): ``first`` volunteers
    after the first ``skip`` (not used by the load) each scan once, then scan again, through the
    Django test client and the full middleware stack with the production settings. process_time
    counts this process only (the test client's own work included; a PostgreSQL backend's work
    is in another process), so it hardly moves when other programs load the machine."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    data = json.loads(out.read_text())
    people = data["clients"][skip : skip + first]
    client = Client(HTTP_HOST="127.0.0.1")

    def scan(person: dict) -> None:
        tok = token(data["secret"], data["key"], data["activity"], time.time())
        client.cookies.clear()  # like the load: only the session and CSRF cookies (no messages cookie)
        client.cookies["sessionid"] = person["session"]
        client.cookies["csrftoken"] = person["csrf"]
        response = client.post(
            f"/volunteers/c/{data['activity']}/{tok}/", {"action": "checkin"}, HTTP_X_CSRFTOKEN=person["csrf"]
        )
        if response.status_code != 302:
            raise RuntimeError(f"scan answered {response.status_code}")

    scan(people[0])  # warm: imports, URL resolver, connection
    scan(people[0])
    result = {}
    for name, group in (("first", people[1:]), ("repeat", people[1:])):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.process_time()
            for person in group:
                scan(person)
            spent = time.process_time() - t0
        result[f"{name}_cpu_ms"] = round(spent * 1000 / len(group), 2)
        result[f"{name}_queries"] = round(len(queries) / len(group), 1)
    print(json.dumps(result))


# --- load (no Django) -----------------------------------------------------------------------


async def load(
    base: str, setup_file: Path, *, clients: int, duration: float, repeat: float, count: int | None
) -> dict:
    from urllib.parse import urlsplit

    data = json.loads(setup_file.read_text())
    people = data["clients"][: count or None]
    rng = random.Random(7)
    order = list(range(len(people)))
    rng.shuffle(order)
    scans = [(i, False) for i in order]
    for _ in range(int(len(order) * repeat)):  # a repeated scan comes after the first one
        pos = rng.randrange(len(scans))
        first = scans[: pos + 1]
        done_before = [s[0] for s in first if not s[1]]
        if done_before:
            scans.insert(pos + 1, (rng.choice(done_before), True))
    interval = duration / max(1, len(scans))
    parts = urlsplit(base)
    host, port = parts.hostname, parts.port
    queue: asyncio.Queue = asyncio.Queue()
    for k, scan in enumerate(scans):
        queue.put_nowait((k * interval, scan))

    # Warm-up (not measured): GET the scan page on a few connections so both granian workers have
    # loaded the app, resolved URLs and compiled the templates, as a server in service would have.
    async def warm(k: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        for j in range(10):
            person = people[(k * 10 + j) % len(people)]
            tok = token(data["secret"], data["key"], data["activity"], time.time())
            writer.write(
                f"GET /volunteers/c/{data['activity']}/{tok}/ HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                f"Cookie: sessionid={person['session']}\r\n\r\n".encode()
            )
            await writer.drain()
            await read_response(reader)
        writer.close()

    await asyncio.gather(*(warm(k) for k in range(8)))

    latencies: list[float] = []
    cpu0 = time.process_time()
    stats = {"ok_first": 0, "ok_repeat": 0, "errors": 0, "non_redirect": 0, "late_start_max_s": 0.0}
    answered: set[int] = set()
    started = time.perf_counter()
    wall0 = time.time()

    async def worker() -> None:
        reader = writer = None
        while True:
            try:
                at, (i, is_repeat) = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            delay = at - (time.perf_counter() - started)
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                stats["late_start_max_s"] = max(stats["late_start_max_s"], -delay)
            person = people[i]
            tok = token(
                data["secret"], data["key"], data["activity"], wall0 + (time.perf_counter() - started)
            )
            body = "action=checkin"
            req = (
                f"POST /volunteers/c/{data['activity']}/{tok}/ HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                f"Cookie: sessionid={person['session']}; csrftoken={person['csrf']}\r\nX-CSRFToken: {person['csrf']}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n{body}"
            ).encode()
            for attempt in range(2):  # one reconnect if a kept-alive connection was closed
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                t0 = time.perf_counter()
                try:
                    writer.write(req)
                    await writer.drain()
                    status, _size, close = await asyncio.wait_for(read_response(reader), 30)
                except (OSError, asyncio.IncompleteReadError, ProtocolError, TimeoutError) as exc:
                    writer.close()
                    reader = writer = None
                    if attempt == 1:
                        stats["errors"] += 1
                        stats.setdefault("error_samples", []).append(repr(exc)[:120])
                    continue
                latencies.append(time.perf_counter() - t0)
                if status == 302:
                    stats["ok_repeat" if is_repeat else "ok_first"] += 1
                    answered.add(i)
                else:
                    stats["non_redirect"] += 1
                    stats.setdefault("statuses", {}).setdefault(str(status), 0)
                    stats["statuses"][str(status)] += 1
                if close:
                    writer.close()
                    reader = writer = None
                break
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - cpu0
    latencies.sort()
    return {
        "scans": len(scans), "first_scans": len(order), "repeats": len(scans) - len(order), "clients": clients,
        "elapsed_s": round(elapsed, 2), "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1), "max_ms": round((latencies[-1] if latencies else 0) * 1000, 1),
        "answered_volunteers": len(answered),
        "client_cpu_ms_per_scan": round(client_cpu * 1000 / max(1, len(scans)), 2), **stats,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["setup", "load", "verify", "cpu"])
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--base", default="")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=50.0)
    parser.add_argument("--repeat", type=float, default=0.2)
    parser.add_argument(
        "--extra", type=int, default=0, help="setup: volunteers beyond --n (for the cpu step)"
    )
    args = parser.parse_args(argv)
    if args.step == "setup":
        setup(args.n + args.extra, args.file)
    elif args.step == "cpu":
        cpu(args.file, first=args.extra, skip=args.n)
    elif args.step == "verify":
        verify(args.file)
    else:
        result = asyncio.run(
            load(
                args.base,
                args.file,
                clients=args.clients,
                duration=args.duration,
                repeat=args.repeat,
                count=args.n,
            )
        )
        sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
