"""A tiny HTTP server on 127.0.0.1 for the ``io-http`` workload.

It runs in the engine's own process on a daemon thread, listens on an ephemeral
port, and answers ``/blob?size=KiB&seed=N`` with deterministic bytes after a
fixed latency, like a remote service would. It is started for one run and
stopped (socket closed, thread joined) when the run ends.
"""

from __future__ import annotations

import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LATENCY_S = 0.020
MAX_KIB = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlparse(self.path)
        if url.path != "/blob":
            self.send_error(404)
            return
        try:
            q = parse_qs(url.query)
            size = int(q["size"][0])
            seed = int(q["seed"][0])
            if not 0 <= size <= MAX_KIB:
                raise ValueError(size)
        except (KeyError, ValueError):
            self.send_error(400)
            return
        time.sleep(LATENCY_S)
        body = random.Random(seed).randbytes(size * 1024)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # silence stderr
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class BlobServer:
    """Context manager: ``with BlobServer() as s: s.base_url``."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="concgui-http", daemon=True,
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}" if isinstance(host, str) else f"http://{host.decode()}:{port}"

    def __enter__(self) -> "BlobServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
