"""Real servers on 127.0.0.1 for the engine's tests: HTTP(S) with scripted faults, a proxy,
TFTP. Each records what it received so tests can assert retries and headers."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# A scripted response: (status, headers, body, behaviour)
# behaviour: "" | "reset" (close without answering) | "truncate" (send half the body)
#            | "slow:<seconds>" (wait before the headers)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    behaviour: str = ""


@dataclass
class Route:
    replies: list[Reply]  # one per request; the last one repeats
    hits: int = 0


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    at: float


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        srv = self.server
        srv.requests.append(
            Recorded(self.command, self.path, {k: v for k, v in self.headers.items()}, time.time())
        )
        route = srv.routes.get(self.path.split("?")[0]) or srv.routes.get("*")
        if route is None:
            self.send_error(404)
            return
        reply = route.replies[min(route.hits, len(route.replies) - 1)]
        route.hits += 1
        if reply.behaviour == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if reply.behaviour.startswith("slow:"):
            time.sleep(float(reply.behaviour[5:]))
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.behaviour == "truncate":
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(reply.body)

    do_GET = do_PUT = do_POST = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog (5) drops concurrent connects

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.requests: list[Recorded] = []


class HTTPServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._srv = _Server()
        if tls is not None:
            self._srv.socket = tls.wrap_socket(self._srv.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self._thread = threading.Thread(target=self._srv.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._srv.server_address[1]}"

    @property
    def requests(self) -> list[Recorded]:
        return self._srv.requests

    def route(self, path: str, *replies: Reply) -> None:
        self._srv.routes[path] = Route(list(replies))

    def hits(self, path: str) -> int:
        return self._srv.routes[path].hits

    def start(self) -> HTTPServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._srv.shutdown()
        self._srv.server_close()


@contextmanager
def http_server(tls: ssl.SSLContext | None = None) -> Iterator[HTTPServer]:
    srv = HTTPServer(tls).start()
    try:
        yield srv
    finally:
        srv.stop()


# ----------------------------------------------------------------------------- proxy


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append(self.path)  # absolute-form: "http://host/path"
        body = self.server.body
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, body: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.body = body
        self.seen: list[str] = []


@contextmanager
def proxy_server(body: bytes) -> Iterator[_ProxyServer]:
    srv = _ProxyServer(body)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


# ----------------------------------------------------------------------------- TFTP


class TFTPServer:
    """RFC 1350 read requests with the blksize option; can drop the first DATA packet."""

    def __init__(self, files: dict[str, bytes], *, drop_first: bool = False) -> None:
        self.files = files
        self.drop_first = drop_first
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                pkt, addr = self.sock.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            if struct.unpack("!H", pkt[:2])[0] != 1:
                continue
            parts = pkt[2:].split(b"\0")
            name = parts[0].decode()
            opts = dict(zip(parts[2::2], parts[3::2], strict=False))
            self.requests.append(name)
            threading.Thread(target=self._send, args=(name, opts, addr), daemon=True).start()

    def _send(self, name: str, opts: dict[bytes, bytes], addr: tuple[str, int]) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(2)
        with s:
            data = self.files.get(name)
            if data is None:
                s.sendto(struct.pack("!HH", 5, 1) + f'no such file "{name}"'.encode() + b"\0", addr)
                return
            blksize = 512
            if b"blksize" in opts:
                blksize = int(opts[b"blksize"])
                s.sendto(struct.pack("!H", 6) + b"blksize\0" + str(blksize).encode() + b"\0", addr)
                s.recvfrom(64)  # ACK 0
            block, dropped = 1, False
            while True:
                chunk = data[(block - 1) * blksize : block * blksize]
                if self.drop_first and not dropped:
                    dropped = True  # pretend it got lost: the client must retransmit its ACK
                else:
                    s.sendto(struct.pack("!HH", 3, block & 0xFFFF) + chunk, addr)
                try:
                    ack, _ = s.recvfrom(64)
                except TimeoutError:
                    continue
                if struct.unpack("!HH", ack[:4]) == (4, block & 0xFFFF):
                    if len(chunk) < blksize:
                        return
                    block += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


# ----------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class TestCA:
    ca_pem: bytes
    server_context: ssl.SSLContext


def make_test_ca(tmp: Path) -> TestCA:
    """A throw-away CA and a server certificate for IP 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pyignition test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file = tmp / "server.pem"
    key_file = tmp / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, key_file)
    return TestCA(ca.public_bytes(serialization.Encoding.PEM), ctx)


Handler = Callable[[], None]


# ----------------------------------------------------------------------------- hostile HTTP

Script = Callable[[socket.socket, int], None]  # (connection, hit number of its path from 1)


class ScriptedServer:
    """A bare TCP server on 127.0.0.1 for answers no HTTP library sends: trickled headers,
    endless or stalled bodies. Each connection's request is read, then the script of its
    path writes whatever it likes; the connection closes when the script returns."""

    def __init__(self, scripts: dict[str, Script]) -> None:
        self.scripts = scripts
        self.hits: dict[str, int] = {}
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._conns: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            request = b""
            try:
                while b"\r\n\r\n" not in request and len(request) < 65536:
                    data = conn.recv(4096)
                    if not data:
                        return
                    request += data
                path = request.split(b" ", 2)[1].decode().split("?")[0]
                n = self.hits[path] = self.hits.get(path, 0) + 1
                script = self.scripts.get(path)
                if script is None:
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    return
                script(conn, n)
            except (OSError, IndexError):
                return

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


@contextmanager
def scripted_server(scripts: dict[str, Script]) -> Iterator[ScriptedServer]:
    srv = ScriptedServer(scripts)
    try:
        yield srv
    finally:
        srv.stop()


def endless_body(conn: socket.socket, n: int) -> None:
    """200 with no length, then zeros until the client goes away."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
    block = b"\0" * 65536
    while True:
        conn.sendall(block)


def trickle(data: bytes, every: float) -> Script:
    """Send ``data`` one byte at a time, ``every`` seconds apart."""

    def script(conn: socket.socket, n: int) -> None:
        for i in range(len(data)):
            conn.sendall(data[i : i + 1])
            time.sleep(every)

    return script
