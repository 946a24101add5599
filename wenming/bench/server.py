"""Serve the project as in production for the benchmark, and sign the bench user in."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from wenming.bench import REPO_ROOT

# Variables of the developer's environment that would change what is measured or where it goes.
_DROP = (
    "DATABASE_URL",
    "REPLICA_DATABASE_URL",
    "TEST_DATABASE_NAME",
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "REQUIRE_2FA",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "STATIC_MANIFEST",
    "STORAGE_BACKEND",
    "WENMING_VAR_DIR",
    "WENMING_DEMO",
    "DB_CONN_MAX_AGE",
    "ALLOWED_HOSTS",
    "AXES_ENABLED",
    "LOG_LEVEL",
)


def child_env(*, database_url: str, var_dir: Path, conn_max_age: int) -> dict[str, str]:
    """The production settings module, pointed at the bench database and directory.

    WENMING_DEMO=1 only switches the second factor off for the demo admins (the bench cannot
    type a TOTP code); everything else is as in production: DEBUG off, the manifest static
    storage, persistent connections.
    """
    env = {k: v for k, v in os.environ.items() if k not in _DROP and not k.startswith("GRANIAN_")}
    env.update(
        DJANGO_SETTINGS_MODULE="wenming.settings",
        DATABASE_URL=database_url,
        WENMING_VAR_DIR=str(var_dir),
        WENMING_DEMO="1",
        DEBUG="0",
        DB_CONN_MAX_AGE=str(conn_max_age),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """granian serving ``wenming.wsgi`` with a fixed number of workers and blocking threads."""

    def __init__(self, *, env: dict[str, str], workers: int, threads: int, log_path: Path):
        self.env = env
        self.workers = workers
        self.threads = threads
        self.log_path = log_path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "granian",
            "--interface", "wsgi",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--workers", str(self.workers),
            "--blocking-threads", str(self.threads),
            "--no-ws",
            "--log-level", "warning",
            "wenming.wsgi:application",
        ]  # fmt: skip

    def start(self, *, wait: float = 60.0) -> None:
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.command(),
            cwd=REPO_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"granian 启动失败（退出码 {self.proc.returncode}）：\n{self.log_tail()}")
            try:
                status, _, body = request(self.port, "GET", "/healthz")
                if status == 200 and json.loads(body).get("database") is True:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise ServerError(f"granian 在 {wait:.0f} 秒内没有通过 /healthz：\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # granian stops its workers on SIGTERM
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group of this granian only (own session)
            self.proc.wait(timeout=5)

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by granian and its worker processes (Linux only).

        CPU per request barely moves when other programs compete for the cores, unlike requests
        per second, so the report shows it beside the throughput.
        """
        if self.proc is None or not Path("/proc").is_dir():
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended while we looked
            pid, ppid = int(stat.parent.name), int(fields[1])
            if pid == self.proc.pid or ppid == self.proc.pid:
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def request(port: int, method: str, path: str, *, headers: dict | None = None, body: str | None = None):
    """One request on a new connection; returns (status, headers, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _cookies(headers, jar: dict[str, str]) -> dict[str, str]:
    for value in headers.get_all("Set-Cookie") or []:
        parsed = SimpleCookie()
        parsed.load(value)
        for name, morsel in parsed.items():
            jar[name] = morsel.value
    return jar


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(jar.items()))


def login(port: int, *, username: str, password: str) -> dict[str, str]:
    """Sign in through the real login form; return the cookies (session and CSRF) to send."""
    status, headers, body = request(port, "GET", "/login/")
    if status != 200:
        raise ServerError(f"登录页返回 {status}")
    jar = _cookies(headers, {})
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not match or "csrftoken" not in jar:
        raise ServerError("登录页没有 CSRF 令牌")
    form = urlencode(
        {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password, "next": "/"}
    )
    status, headers, _ = request(
        port,
        "POST",
        "/login/",
        headers={"Cookie": cookie_header(jar), "Content-Type": "application/x-www-form-urlencoded"},
        body=form,
    )
    jar = _cookies(headers, jar)
    if status != 302 or headers.get("Location") != "/" or "sessionid" not in jar:
        raise ServerError(f"以 {username} 登录失败（{status} {headers.get('Location')}）")
    status, headers, _ = request(port, "GET", "/", headers={"Cookie": cookie_header(jar)})
    if status != 200:
        raise ServerError(
            f"{username} 登录后首页返回 {status} {headers.get('Location', '')}（第二因素未关闭？）"
        )
    return jar
