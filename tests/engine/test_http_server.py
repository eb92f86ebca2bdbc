"""The local HTTP server behind the io-http workload."""

from __future__ import annotations

import random
import socket
import threading
import urllib.error
import urllib.request

import pytest

from concgui.engine.http_server import LATENCY_S, MAX_KIB, BlobServer


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read()


@pytest.fixture(scope="module")
def server():
    with BlobServer() as s:
        yield s


def test_serves_deterministic_bytes(server: BlobServer) -> None:
    status, body = _get(f"{server.base_url}/blob?size=4&seed=7")
    assert status == 200
    assert body == random.Random(7).randbytes(4 * 1024)
    assert _get(f"{server.base_url}/blob?size=4&seed=7")[1] == body
    assert _get(f"{server.base_url}/blob?size=4&seed=8")[1] != body
    assert len(_get(f"{server.base_url}/blob?size=1&seed=7")[1]) == 1024


def test_headers_and_empty_body(server: BlobServer) -> None:
    with urllib.request.urlopen(f"{server.base_url}/blob?size=2&seed=1", timeout=10) as resp:
        assert resp.headers["Content-Length"] == str(2048)
        assert resp.headers["Content-Type"] == "application/octet-stream"
    assert _get(f"{server.base_url}/blob?size=0&seed=1") == (200, b"")


def test_base_url_is_loopback(server: BlobServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert int(server.base_url.rsplit(":", 1)[1]) > 0


@pytest.mark.parametrize("path", ["/", "/nope", "/blob/extra?size=1&seed=1", "/BLOB?size=1&seed=1"])
def test_unknown_path_is_404(server: BlobServer, path: str) -> None:
    assert _get(server.base_url + path)[0] == 404


@pytest.mark.parametrize("query", [
    "", "?size=1", "?seed=1", "?size=abc&seed=1", "?size=1&seed=x", "?size=-1&seed=1",
    f"?size={MAX_KIB + 1}&seed=1", "?size=1.5&seed=1",
])
def test_bad_query_is_400(server: BlobServer, query: str) -> None:
    assert _get(f"{server.base_url}/blob{query}")[0] == 400


def test_requests_overlap(server: BlobServer) -> None:
    """A threading server: 8 concurrent requests take ~1 latency, not 8 (loose bound)."""
    from concgui.engine.clock import now

    results: list[int] = []

    def fetch(seed: int) -> None:
        results.append(_get(f"{server.base_url}/blob?size=1&seed={seed}")[0])

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(8)]
    t0 = now()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = now() - t0
    assert results == [200] * 8
    assert elapsed >= LATENCY_S
    assert elapsed < 8 * LATENCY_S + 1.0  # generous; serial handling would be 8 latencies


def test_stops_cleanly() -> None:
    s = BlobServer()
    with s:
        url = s.base_url
        port = int(url.rsplit(":", 1)[1])
        assert _get(f"{url}/blob?size=1&seed=1")[0] == 200
        thread = s._thread
        assert thread.is_alive()
    assert not thread.is_alive()
    assert thread not in threading.enumerate()
    with pytest.raises(OSError):  # ConnectionRefusedError: nobody listens any more
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
