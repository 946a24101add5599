"""Drive one URL with a load generator in a separate process: wrk when installed, else ``pyload``.

Both report the same fields. An error is a socket error (connect, read, write, timeout) or any
response that is not 2xx: a redirect would mean the session was lost, which must not pass as a
fast page. wrk only counts status >= 400 itself, so a small Lua script counts the rest.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from wenming.bench import REPO_ROOT

# Runs inside wrk: one Lua state per wrk thread, so setup() keeps the threads and done() sums them.
WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"tool": "wrk", "requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "non2xx": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, n,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
"""


@dataclass
class LoadResult:
    tool: str
    url: str
    connections: int
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    socket_errors: int  # connect + read + write + timeout
    non2xx: int
    bytes: int

    @property
    def errors(self) -> int:
        return self.socket_errors + self.non2xx

    def as_dict(self) -> dict:
        return {**asdict(self), "errors": self.errors}


class LoadError(RuntimeError):
    pass


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version() -> str:
    path = wrk_path()
    if not path:
        return ""
    out = subprocess.run([path, "-v"], capture_output=True, text=True, check=False)
    match = re.search(r"wrk\s+(\S+)", out.stdout + out.stderr)
    return match.group(1) if match else "unknown"


def choose_tool(requested: str) -> str:
    """``auto`` picks wrk when it is on PATH; asking for wrk when it is missing is an error."""
    if requested == "auto":
        return "wrk" if wrk_path() else "python"
    if requested == "wrk" and not wrk_path():
        raise LoadError("wrk 未安装（apt-get install wrk），或改用 --loadgen python")
    return requested


def wrk_threads(connections: int) -> int:
    # One wrk thread per two cores: on a small machine the load generator must leave the CPU to the server.
    return max(1, min(connections, (os.cpu_count() or 2) // 2, 4))


def _from_raw(raw: dict, *, url: str, connections: int) -> LoadResult:
    duration = raw["duration_us"] / 1e6
    return LoadResult(
        tool=raw["tool"],
        url=url,
        connections=connections,
        requests=raw["requests"],
        duration_s=round(duration, 3),
        rps=round(raw["requests"] / duration, 1) if duration else 0.0,
        p50_ms=round(raw["p50_us"] / 1000, 2),
        p90_ms=round(raw["p90_us"] / 1000, 2),
        p99_ms=round(raw["p99_us"] / 1000, 2),
        mean_ms=round(raw["mean_us"] / 1000, 2),
        max_ms=round(raw["max_us"] / 1000, 2),
        socket_errors=raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
        non2xx=raw["non2xx"],
        bytes=raw["bytes"],
    )


def run_load(
    url: str, *, tool: str, connections: int, duration: float, headers: list[str], timeout: float = 5.0
) -> LoadResult:
    """Load ``url`` for ``duration`` seconds with ``connections`` keep-alive connections."""
    if tool == "wrk":
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
            fh.write(WRK_SCRIPT)
            script = fh.name
        try:
            cmd = [
                wrk_path() or "wrk",
                f"-t{wrk_threads(connections)}",
                f"-c{connections}",
                f"-d{max(1, math.ceil(duration))}s",  # wrk takes whole seconds
                f"--timeout={max(1, math.ceil(timeout))}s",
                "-s",
                script,
            ]
            for header in headers:
                cmd += ["-H", header]
            out = subprocess.run(
                [*cmd, url], capture_output=True, text=True, check=False, timeout=duration + 60
            )
        finally:
            Path(script).unlink(missing_ok=True)
        match = re.search(r"^WRKJSON (\{.*\})$", out.stdout, re.M)
        if out.returncode != 0 or not match:
            raise LoadError(
                f"wrk 运行失败（退出码 {out.returncode}）：{out.stderr.strip() or out.stdout.strip()}"
            )
        raw = json.loads(match.group(1))
    elif tool == "python":
        cmd = [sys.executable, "-m", "wenming.bench.pyload", url, f"--connections={connections}"]
        cmd += [f"--duration={duration}", f"--timeout={timeout}"]
        for header in headers:
            cmd += ["--header", header]
        out = subprocess.run(
            cmd, capture_output=True, text=True, check=False, timeout=duration + 60, cwd=REPO_ROOT
        )
        if out.returncode != 0:
            raise LoadError(f"Python 负载生成器运行失败（退出码 {out.returncode}）：{out.stderr.strip()}")
        raw = json.loads(out.stdout.strip().splitlines()[-1])
    else:
        raise LoadError(f"未知的负载生成器 {tool!r}")
    return _from_raw(raw, url=url, connections=connections)
