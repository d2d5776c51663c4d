"""100 remote files served with 50 ms latency each: fetch + files stages.

    python bench/fetch_remote.py [--repeat N]

Target: under 1 s for the files stage (the reference fetches them one by one: over 5 s).
The server runs on 127.0.0.1 in this process and delays every response by 50 ms. On a shared
machine one run is noise: ``--repeat N`` runs the stages N times and prints the median and the
best total.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_common import load, print_table, run_stages

LATENCY = 0.05
BODY = b"x" * 4096


class Slow(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        time.sleep(LATENCY)
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


def config(url: str) -> dict[str, Any]:
    files = [
        {"path": f"/srv/remote/f{i}", "contents": {"source": f"{url}/f{i}"}} for i in range(100)
    ]
    return {"ignition": {"version": "3.4.0"}, "storage": {"files": files}}


def main() -> None:
    ThreadingHTTPServer.request_queue_size = 128  # the default backlog of 5 drops SYNs
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
    totals = []
    try:
        for _ in range(repeat):
            with tempfile.TemporaryDirectory(prefix="bench-fetch-") as tmp:
                print(f"100 remote files, {LATENCY * 1000:.0f} ms latency each; {load()}")
                samples = run_stages(Path(tmp), config(url), ("fetch", "files"), runs=1)
                totals.append(print_table(samples))
    finally:
        srv.shutdown()
    if repeat > 1:
        print(
            f"fetch+files over {repeat} runs: median {statistics.median(totals) * 1000:.0f} ms, "
            f"best {min(totals) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
