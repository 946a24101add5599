"""A small HTTP/1.1 load generator, the fallback when ``wrk`` is not installed.

Run it as its own process (``python -m wenming.bench.pyload URL --connections 16 --duration 10``):
the load must not share an interpreter (or a GIL) with the server. It keeps ``connections``
keep-alive connections busy for ``duration`` seconds, one request in flight on each, like wrk, and
prints one JSON object with the same fields ``loadgen`` reads from wrk. It is slower than wrk (one
Python thread), so on a small machine it takes more CPU from the server; the report names the
generator used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from urllib.parse import urlsplit


class ProtocolError(Exception):
    pass


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in 0..1)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """Read one response; return (status, body bytes, server wants the connection closed)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise ProtocolError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    close = headers.get("connection", "").lower() == "close"
    size = 0
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size_line = await reader.readuntil(b"\r\n")
            chunk = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if chunk == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers, then the blank line
                    pass
                break
            await reader.readexactly(chunk + 2)
            size += chunk
    elif "content-length" in headers:
        size = int(headers["content-length"])
        if size:
            await reader.readexactly(size)
    elif status not in (204, 304) and not 100 <= status < 200:
        await reader.read()  # body ends when the server closes
        close = True
    return status, size, close


async def run(url: str, *, connections: int, duration: float, headers: list[str], timeout: float) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    extra = "".join(f"{h.strip()}\r\n" for h in headers if h.strip())
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: wenming-bench\r\n{extra}\r\n".encode()
    )

    latencies: list[float] = []
    stats = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0, "non2xx": 0, "bytes": 0}
    started = time.perf_counter()
    deadline = started + duration

    async def worker() -> None:
        reader = writer = None
        while time.perf_counter() < deadline:
            if writer is None:
                try:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
                except (TimeoutError, OSError):
                    stats["connect"] += 1
                    await asyncio.sleep(0.01)
                    continue
            t0 = time.perf_counter()
            try:
                writer.write(request)
                await writer.drain()
            except OSError:
                stats["write"] += 1
                writer.close()
                reader = writer = None
                continue
            try:
                status, size, close = await asyncio.wait_for(read_response(reader), timeout)
            except TimeoutError:
                stats["timeout"] += 1
                close, status = True, None
            except (
                OSError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                ProtocolError,
                ValueError,
            ):
                stats["read"] += 1
                close, status = True, None
            if status is not None:
                finished = time.perf_counter()
                if finished <= deadline:
                    latencies.append(finished - t0)
                    stats["bytes"] += size
                    if status > 399:
                        stats["status"] += 1
                    if not 200 <= status < 300:
                        stats["non2xx"] += 1
            if close:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = min(time.perf_counter(), deadline) - started
    latencies.sort()
    us = 1_000_000
    return {
        "tool": "python",
        "requests": len(latencies),
        "duration_us": int(elapsed * us),
        **stats,
        "p50_us": int(percentile(latencies, 0.50) * us),
        "p90_us": int(percentile(latencies, 0.90) * us),
        "p99_us": int(percentile(latencies, 0.99) * us),
        "mean_us": (sum(latencies) / len(latencies) * us) if latencies else 0.0,
        "max_us": int((latencies[-1] if latencies else 0) * us),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument(
        "--header", action="append", default=[], help="extra request header, e.g. 'Cookie: a=b'"
    )
    args = parser.parse_args(argv)
    result = asyncio.run(
        run(
            args.url,
            connections=args.connections,
            duration=args.duration,
            headers=args.header,
            timeout=args.timeout,
        )
    )
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
