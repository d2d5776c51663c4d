"""Deadlines that hold while bytes trickle in.

A socket timeout bounds one ``recv()``: a server that sends a byte just before it expires keeps
a read going forever. So each phase of an HTTP request (connecting with TLS, waiting for the
response headers, reading the body) runs under a :class:`Watch` that shuts the connection's
socket down when the phase's budget is spent; the blocked read then returns at once and the
caller sees the phase as timed out. The watch shuts down a duplicate descriptor it owns, so it
can never hit a socket that was closed and whose number was reused meanwhile.

urllib3 knows nothing of this: the pools below hand it connection classes that arm a watch
around ``connect()`` and ``getresponse()`` and keep it for the body phase.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ignition.fetch import limits

_phase = threading.local()  # the header budget of the request this thread is sending


class Watch:
    """Shuts a socket down when the armed budget runs out; ``expired`` tells afterwards."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dup: socket.socket | None = None
        self._timer: threading.Timer | None = None
        self.reading: socket.socket | None = None  # the socket the response reads from
        self.expired = False

    def attach(self, sock: socket.socket) -> None:
        dup = socket.socket(fileno=os.dup(sock.fileno()))
        with self._lock:
            old, self._dup = self._dup, dup
            if self.expired:
                _shutdown(dup)
        if old is not None:
            old.close()

    def arm(self, seconds: float | None) -> None:
        self.disarm()
        if seconds is None:
            return
        timer = threading.Timer(max(seconds, 0.0), self._fire)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def disarm(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            if self._dup is not None:
                _shutdown(self._dup)

    def close(self) -> None:
        self.disarm()
        with self._lock:
            dup, self._dup = self._dup, None
        if dup is not None:
            dup.close()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def header_budget(seconds: float | None) -> Iterator[None]:
    """The whole wait for the response headers of the request sent inside the block."""
    _phase.header_budget = seconds
    try:
        yield
    finally:
        _phase.header_budget = None


class _Guarded(HTTPConnection):
    """Mixed into urllib3's connections: every phase under a :class:`Watch`."""

    _connecting: Watch | None = None
    # from the headers to the end of the body; not released by close(), which http.client
    # calls when the response owns the socket (``Connection: close``): release() does it
    watch: Watch | None = None

    def connect(self) -> None:
        watch = self._connecting = Watch()
        watch.arm(self.timeout if isinstance(self.timeout, int | float) else None)
        try:
            super().connect()
        finally:
            self._connecting = None
            watch.close()
        if watch.expired:  # the handshake ended just as the budget did
            self.close()
            raise TimeoutError("connecting timed out")

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        if self._connecting is not None:
            self._connecting.attach(sock)
        return sock

    def getresponse(self) -> Any:
        self.release_watch()
        watch = self.watch = Watch()
        if self.sock is not None:
            watch.attach(self.sock)
            watch.reading = self.sock
        watch.arm(getattr(_phase, "header_budget", None))
        try:
            resp = super().getresponse()
        except BaseException:
            self.release_watch()
            if watch.expired:
                raise TimeoutError("response headers not received in time") from None
            raise
        watch.disarm()
        if watch.expired:  # the cut ended the headers early and they happened to parse
            resp.close()
            self.release_watch()
            raise TimeoutError("response headers not received in time")
        return resp

    def release_watch(self) -> None:
        watch, self.watch = self.watch, None
        if watch is not None:
            watch.close()


class GuardedHTTPConnection(_Guarded):
    pass


class GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    pass


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


def guarded(manager: urllib3.PoolManager) -> urllib3.PoolManager:
    """``manager`` with pools whose connections run under watches."""
    manager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}
    return manager


@contextlib.contextmanager
def body_phase(resp: urllib3.BaseHTTPResponse, budget: float | None) -> Iterator[Watch]:
    """Arm the request's watch for the body: cut at ``budget`` seconds (None: no deadline),
    and each read waits at most ``limits.IDLE_TIMEOUT`` (or what is left of the budget)."""
    conn = resp.connection
    watch = conn.watch if isinstance(conn, _Guarded) and conn.watch is not None else Watch()
    if watch.reading is not None:
        idle = limits.IDLE_TIMEOUT
        if budget is not None:
            idle = min(idle, max(budget, 0.001))
        with contextlib.suppress(OSError):
            watch.reading.settimeout(idle)
    watch.arm(budget)
    try:
        yield watch
    finally:
        watch.disarm()


def release(conn: object) -> None:
    """Close the request's watch (its duplicate descriptor) once the response is done. Takes
    the connection as it was before the body was read: urllib3 forgets it at the end."""
    if isinstance(conn, _Guarded):
        conn.release_watch()
