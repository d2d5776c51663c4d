"""QEMU ``guestfwd=...-cmd:`` relay: one guest TCP connection <-> 127.0.0.1:PORT on the host.

QEMU starts this program once per guest connection and speaks the connection's bytes on its
stdin/stdout. With ``restrict=on`` this is the only way out of the guest, and it leads only to
the test's own server on the loopback address.

    python3 relay.py 127.0.0.1 PORT
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading


def main(argv: list[str]) -> int:
    host, port = argv[1], int(argv[2])
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"relay: refusing non-loopback address {host}", file=sys.stderr)
        return 2
    conn = socket.create_connection((host, port), timeout=60)
    conn.settimeout(None)
    stdin = os.fdopen(sys.stdin.fileno(), "rb", buffering=0)
    stdout = sys.stdout.buffer

    def upstream() -> None:
        try:
            while data := stdin.read(65536):
                conn.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_WR)

    threading.Thread(target=upstream, daemon=True).start()
    try:
        while data := conn.recv(65536):
            stdout.write(data)
            stdout.flush()
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
