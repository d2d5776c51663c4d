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
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ignition.fetch import limits

_phase = threading.local()  # the header budget of the request this thread is sending


class _Clock:
    """One daemon thread that fires the armed watches when their time comes (a thread per
    request would cost more than the request on a fast network)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Watch]] = []
        self._thread: threading.Thread | None = None

    def add(self, when: float, ticket: int, watch: Watch) -> None:
        with self._cond:
            heapq.heappush(self._heap, (when, ticket, watch))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fetch-watch", daemon=True)
                self._thread.start()
            elif self._heap[0][1] == ticket:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(wait)
                _, seq, watch = heapq.heappop(self._heap)
            watch._fire(seq)


_clock = _Clock()
os.register_at_fork(after_in_child=_clock.reset)  # the thread does not survive a fork
_tickets = itertools.count(1)  # next() on a count is atomic


class Watch:
    """Shuts a socket down when the armed budget runs out; ``expired`` tells afterwards."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dup: socket.socket | None = None
        self._armed = 0  # the clock's ticket of the current budget; 0: none
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
        ticket = next(_tickets) if seconds is not None else 0
        with self._lock:
            self._armed = ticket  # replaces (disarms) any earlier budget
        if seconds is not None:
            _clock.add(time.monotonic() + max(seconds, 0.0), ticket, self)

    def disarm(self) -> None:
        with self._lock:
            self._armed = 0  # a ticket that fires later finds it stale

    def _fire(self, ticket: int) -> None:
        with self._lock:
            if ticket != self._armed:
                return
            self.expired = True
            if self._dup is not None:
                _shutdown(self._dup)

    def close(self) -> None:
        with self._lock:
            self._armed = 0
            dup, self._dup = self._dup, None
            self.reading = None
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


def set_header_budget(seconds: float | None) -> None:
    """The header budget of the next request this thread sends, inside a
    :func:`header_budget` block (for clients that retry by themselves: botocore)."""
    _phase.header_budget = seconds


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


Guarded = _Guarded  # the mixin, for other libraries' connection classes (botocore's)


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
