"""The load generators count what they must: requests, latencies and every non-2xx response.

Each runs as its own process against a tiny threaded HTTP/1.1 server in this process (keep-alive,
fixed-length and chunked bodies, a redirect). No figure is asserted beyond "present and counted".
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from wenming.bench import loadgen
from wenming.bench.pyload import percentile


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the bench server

    def do_GET(self):  # noqa: N802 - the http.server API
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/login/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/cookie":
            ok = "sessionid=abc" in (self.headers.get("Cookie") or "")
            self._body(200 if ok else 403, b"ok" if ok else b"no")
        else:
            self._body(200, b"ok")

    def _body(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the load generators hang up mid-request when their time is up


@pytest.fixture(scope="module")
def server():
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _secs(tool: str) -> float:
    return 0.3 if tool == "python" else 1  # wrk runs whole seconds


TOOLS = [
    "python",
    pytest.param("wrk", marks=pytest.mark.skipif(not loadgen.wrk_path(), reason="wrk is not installed")),
]


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("path", ["/ok", "/chunked"])
def test_it_counts_successful_keep_alive_requests(server, tool, path):
    result = loadgen.run_load(server + path, tool=tool, connections=2, duration=_secs(tool), headers=[])
    assert result.tool == tool and result.connections == 2
    assert result.requests > 0 and result.rps > 0
    assert 0 < result.p50_ms <= result.p99_ms <= result.max_ms
    assert result.errors == 0


@pytest.mark.parametrize("tool", TOOLS)
def test_it_counts_a_redirect_as_an_error(server, tool):
    result = loadgen.run_load(
        server + "/redirect", tool=tool, connections=2, duration=_secs(tool), headers=[]
    )
    assert result.requests > 0
    assert result.non2xx == result.requests  # a lost session shows as errors, not as a fast page
    assert result.errors >= result.requests


@pytest.mark.parametrize("tool", TOOLS)
def test_it_sends_the_session_cookie(server, tool):
    cookie = ["Cookie: sessionid=abc; csrftoken=x"]
    with_cookie = loadgen.run_load(
        server + "/cookie", tool=tool, connections=1, duration=_secs(tool), headers=cookie
    )
    assert with_cookie.requests > 0 and with_cookie.errors == 0
    without = loadgen.run_load(server + "/cookie", tool="python", connections=1, duration=0.3, headers=[])
    assert without.requests > 0 and without.non2xx == without.requests  # the endpoint does check


def test_it_reports_socket_errors_when_nothing_listens():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    result = loadgen.run_load(
        f"http://127.0.0.1:{port}/", tool="python", connections=1, duration=0.3, headers=[]
    )
    assert result.requests == 0 and result.socket_errors > 0


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([], 0.5) == 0.0


def test_auto_picks_wrk_only_when_installed(monkeypatch):
    monkeypatch.setattr(loadgen, "wrk_path", lambda: None)
    assert loadgen.choose_tool("auto") == "python"
    with pytest.raises(loadgen.LoadError):
        loadgen.choose_tool("wrk")
    monkeypatch.setattr(loadgen, "wrk_path", lambda: "/usr/bin/wrk")
    assert loadgen.choose_tool("auto") == "wrk"
