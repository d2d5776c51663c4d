#!/usr/bin/python3 -ISB
"""Guest-side timings for bench/guest_stages.py, printed as ``E2E-PROBE name seconds`` lines:
the interpreter alone (the floor of any stage), and the engine's start-up path (``ignition
-version``: interpreter + CLI imports) once the stages have run, so with warm caches."""

import subprocess
import sys
import time

PY = "/usr/bin/python3"
PROBES = {
    "python -I -S -c pass": [PY, "-I", "-S", "-c", "pass"],
    "ignition -version": ["/usr/bin/ignition", "-version"],
    "import engine (warm)": [
        PY,
        "-I",
        "-S",
        "-B",
        "-c",
        "import sys; sys.path.insert(0, '/usr/lib/pyignition');"
        "import ignition.commands.cli, ignition.engine.engine, ignition.stages.fetch,"
        "ignition.stages.disks, ignition.stages.mount, ignition.stages.files,"
        "ignition.stages.umount, providers.qemu",
    ],
}

for name, argv in PROBES.items():
    for _ in range(3):
        start = time.monotonic()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=False)
        print(f"E2E-PROBE {name}\t{time.monotonic() - start:.4f}", flush=True)
sys.exit(0)
