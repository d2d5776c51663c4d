"""Local stand-ins for metadata services: a real HTTP server on 127.0.0.1 answering the real
services' paths with scripted responses, recording every request it gets."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the answer
    hang: bool = False  # never answer (the IMDSv2 hop-limit trap)
    require: dict[str, str] = field(default_factory=dict)  # headers the real service demands
    missing_status: int = 400  # answer when a required header is missing


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int
    at: float


class StandIn:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, method: str, path: str, *answers: Answer) -> None:
        """Answers are given in order; the last one repeats."""
        self.routes[(method, path)] = list(answers)

    def hits(self, method: str, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def _next(self, method: str, path: str) -> Answer:
        with self.lock:
            answers = self.routes.get((method, path))
            if not answers:
                return Answer(404, b"not found")
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with standin.lock:
                    standin.requests.append(
                        Request(
                            self.command,
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            self.client_address[1],
                            time.monotonic(),
                        )
                    )
                answer = standin._next(self.command, self.path)
                if answer.hang:
                    standin.stop.wait(120)
                    self.close_connection = True
                    return
                if answer.delay:
                    standin.stop.wait(answer.delay)
                status, data = answer.status, answer.body
                for name, value in answer.require.items():
                    if self.headers.get(name) != value:
                        status, data = answer.missing_status, b"missing header"
                self.send_response(status)
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = _serve

        return Handler

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def standin() -> Iterator[StandIn]:
    s = StandIn()
    s.start()
    try:
        yield s
    finally:
        s.close()
