"""A LibreTranslate-compatible HTTP server on 127.0.0.1 for tests and benchmarks, with failures on request.

It answers POST /translate like LibreTranslate ({"translatedText": ...}), translating by prefixing the target
language. Knobs: fail the next N requests with 429 or 500, stall them past the client's timeout, add latency
to every request, drop placeholder markers of one protection style or all of them, answer in another shape
(a JSON list, a string, null, not JSON, text with NUL or control characters), close the connection halfway
through an answer, or trickle answers a byte at a time.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class Behaviour:
    """What the server does; tests change it between passes."""

    fail_429: int = 0          # next N requests answer 429
    fail_500: int = 0          # next N requests answer 500
    stall: int = 0             # next N requests sleep `stall_seconds` before answering
    stall_seconds: float = 2.0
    latency: float = 0.0       # every request
    mangle: str = ""           # "first": drop ⟦n⟧ markers; "all": drop every marker
    status: int = 0            # answer every request with this status (e.g. 403)
    shape: str = ""            # "list", "string", "null", "not-json", "no-key", "nul", "control": the answer's
    disconnect: int = 0        # next N requests: half the answer, then the connection closes
    trickle: float = 0.0       # seconds between the bytes of every answer
    requests: int = 0
    texts: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class LibreServer:
    """Start with `with LibreServer() as server:`; `server.url` is the custom_url for LibreTranslator."""

    def __init__(self) -> None:
        self.behaviour = Behaviour()
        behaviour = self.behaviour

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                query = urllib.parse.urlparse(self.path).query
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                params = {**urllib.parse.parse_qs(query), **urllib.parse.parse_qs(body)}
                text = params.get("q", [""])[0]
                target = params.get("target", ["xx"])[0]
                with behaviour.lock:
                    behaviour.requests += 1
                    behaviour.texts.append(text)
                    behaviour.keys.append(params.get("api_key", [""])[0])
                    status = behaviour.status
                    if not status and behaviour.fail_429:
                        behaviour.fail_429 -= 1
                        status = 429
                    elif not status and behaviour.fail_500:
                        behaviour.fail_500 -= 1
                        status = 500
                    stall = 0.0
                    if behaviour.stall:
                        behaviour.stall -= 1
                        stall = behaviour.stall_seconds
                if behaviour.latency:
                    time.sleep(behaviour.latency)
                if stall:
                    time.sleep(stall)
                if status:
                    self._answer(status, {"error": "failure on request"})
                    return
                translated = f"[{target}] {text}"
                if behaviour.mangle == "first":
                    translated = re.sub(r"⟦\d+⟧", "", translated)
                elif behaviour.mangle == "all":
                    translated = re.sub(r"⟦\d+⟧|\[\[\d+\]\]", "", translated)
                self._answer(200, _shaped(behaviour.shape, translated))

            def _answer(self, status: int, payload: object) -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                with behaviour.lock:
                    cut = behaviour.disconnect > 0
                    behaviour.disconnect -= cut
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if cut:
                        self.wfile.write(data[: len(data) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(2)
                    elif behaviour.trickle:
                        for byte in data:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(behaviour.trickle)
                    else:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass  # the client gave up (a timeout test)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LibreServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _shaped(shape: str, translated: str) -> object:
    """The answer's payload in the shape asked for; LibreTranslate's own by default."""
    shapes: dict[str, object] = {
        "list": [translated], "string": translated, "null": {"translatedText": None},
        "not-json": b"<html>502 Bad Gateway</html>", "no-key": {"text": translated},
        "nul": {"translatedText": translated + "\u0000"}, "control": {"translatedText": "\u0007" + translated},
    }
    return shapes.get(shape, {"translatedText": translated})


def free_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


if __name__ == "__main__":  # serve for a benchmark or a manual try: python tests/libre_server.py [latency]
    import sys

    server = LibreServer()
    server.behaviour.latency = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    with server:
        print(server.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
