"""The QEMU end-to-end machinery: kernel, initramfs, disks, boots, and host-side disk readers.

Nothing here touches the host's own ``/boot``, initramfs or dracut configuration:

* the kernel is Debian's cloud kernel package, downloaded and *unpacked* into a cache directory
  (``apt-get download`` + ``dpkg-deb -x`` + ``depmod -b``), never installed, so no
  kernel/initramfs hook runs;
* dracut runs with a private copy of its base directory (our module installed into it with
  ``dracut/install.sh``, plus the test-only module ``tests/e2e/dracut/99pyignition-e2e``),
  ``--conf /dev/null`` and an empty ``--confdir``, and writes the image into the test's
  directory;
* the guest's disks are sparse files; after a boot they are read from the host with
  ``debugfs``, ``sgdisk``, ``xfs_db``, ``blkid`` and ``cryptsetup``, without mounting.

Boots run under TCG (KVM does not work on these machines: docs/testing.md),
end by themselves (power-off from the guest) and are bounded by a timeout. The guest's network
is QEMU user networking with ``restrict=on``: its only way out is a ``guestfwd`` relay to the
test's HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RELAY = HERE / "relay.py"
E2E_MODULE = HERE / "dracut" / "99pyignition-e2e"
CACHE = Path(os.environ.get("PYIGNITION_E2E_CACHE", "/var/tmp/pyignition-e2e"))
KERNEL_META_PACKAGE = "linux-image-cloud-amd64"
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
QEMU = "qemu-system-x86_64"
BOOT_TIMEOUT = float(os.environ.get("PYIGNITION_E2E_BOOT_TIMEOUT", "420"))
GUEST_HTTP = "10.0.2.100"  # the guestfwd address the guest uses for the host's server
ICOUNT = os.environ.get("PYIGNITION_E2E_ICOUNT") or None  # see boot()

# dracut modules of the test image: a small explicit set (docs/testing.md) + ours
BASE_MODULES = (
    *("systemd", "systemd-initrd", "dracut-systemd", "udev-rules", "base", "fs-lib"),
    *("rootfs-block", "qemu"),
)
HOST_TOOLS = (QEMU, "dracut", "dpkg-deb", "depmod", "apt-get", "debugfs", "sgdisk", "zstd")


def missing_prerequisites() -> list[str]:
    """Why the suite cannot run here (empty when it can)."""
    why: list[str] = []
    if os.geteuid() != 0:
        why.append("needs root (dracut, depmod)")
    for tool in HOST_TOOLS:
        if shutil.which(tool, path=SYSTEM_PATH) is None:
            why.append(f"{tool} is not installed")
    if not Path("/usr/lib/dracut/modules.d/01systemd-networkd").is_dir():
        why.append("dracut's systemd-networkd module is missing (package dracut-network)")
    if not Path("/usr/bin/python3").exists():
        why.append("/usr/bin/python3 (the initramfs interpreter) is missing")
    return why


def run(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    full_env = {"PATH": SYSTEM_PATH, "LC_ALL": "C"}
    full_env.update(env or {})
    proc = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        check=False,
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, argv))} exited {proc.returncode}:\n"
            f"{proc.stdout.decode(errors='replace')[-4000:]}\n"
            f"{proc.stderr.decode(errors='replace')[-4000:]}"
        )
    return proc


# ---------------------------------------------------------------------------------------------
# kernel


@dataclass(frozen=True)
class Kernel:
    version: str
    vmlinuz: Path
    moddir: Path  # <root>/lib/modules/<version>
    seconds: float  # time spent getting it now (download + unpack, or only the look-up)
    cached: bool


def kernel(cache: Path = CACHE) -> Kernel:
    """Debian's cloud kernel, unpacked (not installed) into the cache."""
    started = time.monotonic()
    deps = run(["apt-cache", "depends", KERNEL_META_PACKAGE], check=False).stdout.decode()
    m = re.search(r"Depends: (linux-image-(\S+))", deps)
    if m is None:  # no package lists yet on this machine
        run(["apt-get", "update", "-q", "-o", "DPkg::Lock::Timeout=600"])
        deps = run(["apt-cache", "depends", KERNEL_META_PACKAGE], check=False).stdout.decode()
        m = re.search(r"Depends: (linux-image-(\S+))", deps)
    if m is None:
        raise RuntimeError(
            f"apt-cache does not know {KERNEL_META_PACKAGE} (run apt-get update first)"
        )
    package, version = m.group(1), m.group(2)
    root = cache / package
    done = root / ".unpacked"
    cached = done.exists()
    if not cached:
        cache.mkdir(parents=True, exist_ok=True)
        for old in cache.glob(f"{package}_*.deb"):
            old.unlink()
        run(["apt-get", "download", "-q", package], cwd=cache)
        deb = next(cache.glob(f"{package}_*.deb"))
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        run(["dpkg-deb", "-x", deb, root])
        run(["depmod", "-b", root, version])
        deb.unlink()
        done.touch()
    moddir = root / "lib" / "modules" / version
    vmlinuz = root / "boot" / f"vmlinuz-{version}"
    return Kernel(version, vmlinuz, moddir, time.monotonic() - started, cached)


# ---------------------------------------------------------------------------------------------
# initramfs


@dataclass(frozen=True)
class Image:
    path: Path
    size: int
    seconds: float
    log: str


def build_initramfs(
    k: Kernel,
    out: Path,
    workdir: Path,
    *,
    with_ignition: bool = True,
    extra_modules: Sequence[str] = (),
    compress: str = "zstd -3 -T0",
) -> Image:
    """One dracut run into ``out``, with a private dracut base directory."""
    started = time.monotonic()
    base = workdir / "dracutbase"
    if not base.exists():
        shutil.copytree("/usr/lib/dracut", base, symlinks=True)
        run(["sh", REPO / "dracut" / "install.sh", "--dracutdir", base])
        for module in sorted(HERE.joinpath("dracut").iterdir()):  # the test-only modules
            shutil.copytree(module, base / "modules.d" / module.name, symlinks=True)
    confdir = workdir / "dracut.conf.d"
    confdir.mkdir(exist_ok=True)
    tmp = workdir / "dracut-tmp"
    tmp.mkdir(exist_ok=True)
    modules = list(BASE_MODULES)
    if with_ignition:
        modules += ["ignition", "pyignition-e2e", *extra_modules]
    proc = run(
        [
            "dracut",
            "--force",
            "--no-hostonly",
            "--no-hostonly-cmdline",
            "--no-early-microcode",
            "--conf",
            "/dev/null",
            "--confdir",
            confdir,
            "--tmpdir",
            tmp,
            "--kver",
            k.version,
            "--kmoddir",
            k.moddir,
            "-m",
            " ".join(modules),
            "--compress",
            compress,
            out,
        ],
        env={"dracutbasedir": str(base)},
    )
    log = (proc.stdout + proc.stderr).decode(errors="replace")
    return Image(out, out.stat().st_size, time.monotonic() - started, log)


def image_file_count(image: Path) -> int:
    """Entries of an image that are not directories (files, links, device nodes)."""
    data = run(["zstd", "-dc", image]).stdout
    listing = run(["cpio", "-tv", "--quiet"], input=data).stdout.decode(errors="replace")
    return sum(1 for line in listing.splitlines() if line and not line.startswith("d"))


def initramfs_files(image: Path) -> list[str]:
    """``lsinitrd`` listing of an image (one line per file)."""
    return run(["lsinitrd", image]).stdout.decode(errors="replace").splitlines()


# ---------------------------------------------------------------------------------------------
# disks


def sparse_disk(path: Path, size_mib: int) -> Path:
    with path.open("wb") as fh:
        fh.truncate(size_mib * 1024 * 1024)
    return path


def root_disk(path: Path, tree: Path, *, size_mib: int = 128, label: str = "root") -> Path:
    """An ext4 image holding ``tree`` (mkfs.ext4 -d: no mount, no loop device)."""
    sparse_disk(path, size_mib)
    run(["mkfs.ext4", "-q", "-F", "-L", label, "-d", tree, path])
    return path


def minimal_root(tree: Path) -> Path:
    """A stub root filesystem: what the files stage needs (accounts), not an OS."""
    (tree / "etc").mkdir(parents=True)
    (tree / "home").mkdir()
    (tree / "root").mkdir(mode=0o700)
    (tree / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (tree / "etc" / "group").write_text("root:x:0:\nwheel:x:10:\n")
    for name, line in (("shadow", "root:*:19000:0:99999:7:::\n"), ("gshadow", "root:*::\n")):
        p = tree / "etc" / name
        p.write_text(line)
        p.chmod(0o600)
    (tree / "etc" / "os-release").write_text("ID=pyignition-e2e\n")
    return tree


def sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class Inode:
    type: str  # regular, directory, symlink, ...
    mode: int
    uid: int
    gid: int
    link: str | None  # symlink target


def ext4_stat(image: Path, path: str) -> Inode | None:
    out = run(["debugfs", "-R", f"stat {path}", image], check=False)
    text = out.stdout.decode(errors="replace")
    m = re.search(r"Type: (\S+)\s+Mode:\s+(\d+)", text)
    if m is None:
        return None
    ug = re.search(r"User:\s+(\d+)\s+Group:\s+(\d+)", text)
    link = re.search(r'Fast link dest: "(.*)"', text)
    return Inode(
        m.group(1),
        int(m.group(2), 8),
        int(ug.group(1)) if ug else -1,
        int(ug.group(2)) if ug else -1,
        link.group(1) if link else None,
    )


def ext4_tree(image: Path, top: str = "/") -> dict[str, bytes | None]:
    """Every path below ``top`` with its contents (None for directories and other non-files)."""
    out: dict[str, bytes | None] = {}
    todo = [top.rstrip("/") or "/"]
    while todo:
        d = todo.pop()
        listing = run(["debugfs", "-R", f"ls -p {d}", image]).stdout.decode(errors="replace")
        for line in listing.splitlines():
            fields = line.strip("/").split("/")
            if len(fields) < 5 or fields[4] in (".", ".."):
                continue
            mode, name = int(fields[1], 8), fields[4]
            path = f"{d.rstrip('/')}/{name}"
            if mode & 0o170000 == 0o040000:
                out[path] = None
                if name != "lost+found":
                    todo.append(path)
            elif mode & 0o170000 == 0o100000:
                out[path] = ext4_read(image, path)
            else:
                out[path] = None
    return out


def ext4_read(image: Path, path: str) -> bytes | None:
    if ext4_stat(image, path) is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "out"
        run(["debugfs", "-R", f"dump {path} {dest}", image])
        return dest.read_bytes()


def ext4_state(image: Path) -> str:
    """``clean`` when the filesystem was unmounted properly."""
    out = run(["dumpe2fs", "-h", image]).stdout.decode(errors="replace")
    m = re.search(r"Filesystem state:\s+(.*)", out)
    return m.group(1).strip() if m else "unknown"


def extract(image: Path, start_sector: int, sectors: int, dest: Path) -> Path:
    """Copy a byte range of a disk image (a partition) into its own sparse file."""
    with image.open("rb") as src, dest.open("wb") as out:
        src.seek(start_sector * 512)
        remaining = sectors * 512
        while remaining:
            chunk = src.read(min(remaining, 1 << 20))
            if not chunk:
                break
            if chunk.count(0) == len(chunk):
                out.seek(len(chunk), os.SEEK_CUR)
            else:
                out.write(chunk)
            remaining -= len(chunk)
        out.truncate(sectors * 512)
    return dest


@dataclass(frozen=True)
class GptPartition:
    number: int
    start: int
    end: int
    type_code: str
    name: str


def gpt_partitions(image: Path) -> list[GptPartition]:
    out = run(["sgdisk", "-p", image]).stdout.decode(errors="replace")
    parts = []
    for line in out.splitlines():
        m = re.match(r"\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+ \S+\s+(\w{4})\s*(.*)$", line)
        if m:
            parts.append(
                GptPartition(
                    int(m.group(1)),
                    int(m.group(2)),
                    int(m.group(3)),
                    m.group(4),
                    m.group(5).strip(),
                )
            )
    return parts


def blkid(image: Path) -> dict[str, str]:
    out = run(["blkid", "-p", "-o", "export", image], check=False).stdout.decode()
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


# ---------------------------------------------------------------------------------------------
# the host's HTTP server (loopback only)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    files: dict[str, bytes]
    requests: list[str]


@contextmanager
def http_server(files: Mapping[str, bytes]) -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.files = dict(files)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------------------------
# booting


# stage -> the key of its times in Boot.unit_times (umount: ignition-mount.service's ExecStop)
STAGE_UNITS = (
    ("fetch-offline", "ignition-fetch-offline.service"),
    ("fetch", "ignition-fetch.service"),
    ("kargs", "ignition-kargs.service"),
    ("disks", "ignition-disks.service"),
    ("mount", "ignition-mount.service"),
    ("files", "ignition-files.service"),
    ("umount", "umount"),
)


@dataclass(frozen=True)
class StageTime:
    """Guest seconds of one stage."""

    stage: str
    unit: float  # systemd's "Starting" to "Finished" (journal): what the boot waits for
    process: float | None  # ExecMainStartTimestamp to ExecMainExitTimestamp (not for umount)
    first_log: float | None  # "Starting" to the engine's first log line: start-up + imports
    skipped: bool = False  # its unit's condition said no: no process, 0 s (umount: mount's)


@dataclass
class Boot:
    console: str
    wall: float  # QEMU start to exit
    cpu: float  # user+sys of the QEMU process
    returncode: int
    timed_out: bool
    journal: str = ""
    unit_times: dict[str, tuple[float, float]] = field(default_factory=dict)
    exec_times: dict[str, tuple[float, float]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # unit -> the condition that said no

    def __post_init__(self) -> None:
        m = re.search(r"E2E-JOURNAL-BEGIN\r?\n(.*?)E2E-JOURNAL-END", self.console, re.S)
        self.journal = m.group(1) if m else ""
        self.unit_times = unit_times(self.journal)
        self.skipped = skipped_units(self.journal)
        for unit, start, end in re.findall(r"^E2E-EXEC (\S+) (\d+) (\d+)\r?$", self.console, re.M):
            if int(start) and int(end):
                self.exec_times[unit] = (int(start) / 1e6, int(end) / 1e6)

    def stage_times(self) -> list[StageTime]:
        """Each stage that ran or whose unit skipped it by a condition, in order, from systemd's
        timestamps (see :class:`StageTime`)."""
        logs = _engine_log_times(self.journal)
        out = []
        for stage, unit in STAGE_UNITS:
            runs_in = "ignition-mount.service" if unit == "umount" else unit
            if unit not in self.unit_times:
                if runs_in in self.skipped:  # no process: 0 s
                    out.append(StageTime(stage, 0.0, None, None, skipped=True))
                continue
            begin, end = self.unit_times[unit]
            first = next((t for t in logs if begin <= t <= end), None)
            ex = self.exec_times.get(unit)
            out.append(
                StageTime(
                    stage,
                    end - begin,
                    ex[1] - ex[0] if ex else None,
                    first - begin if first is not None else None,
                )
            )
        return out

    @property
    def finished(self) -> bool:
        return "E2E-FINISHED" in self.console

    def guest_seconds(self) -> float | None:
        """Guest clock at the e2e report (kernel start to the end of the initramfs work)."""
        stamps = re.findall(r"^\[\s*(\d+\.\d+)\]", self.journal, re.M)
        if not stamps:
            stamps = re.findall(r'"__MONOTONIC_TIMESTAMP":"(\d+)"', self.journal)
            return int(stamps[-1]) / 1e6 if stamps else None
        return float(stamps[-1])


_UNIT_EVENT = re.compile(
    r"^\[\s*(\d+\.\d+)\] \S+ systemd\[1\]: (Starting|Finished|Stopping|Stopped|Failed to start)"
    r" (ignition-[a-z-]+\.service)"
)


def unit_times(journal: str) -> dict[str, tuple[float, float]]:
    """``{unit: (start, end)}`` in guest seconds, from systemd's messages in the journal.
    The ``umount`` stage (ignition-mount.service's ExecStop) is reported as ``umount``."""
    begin: dict[str, float] = {}
    out: dict[str, tuple[float, float]] = {}
    for raw in journal.splitlines():
        line = _short_from_json(raw) if raw.startswith("{") else raw
        m = _UNIT_EVENT.match(line)
        if m is None:
            continue
        t, event, unit = float(m.group(1)), m.group(2), m.group(3)
        key = "umount" if event in ("Stopping", "Stopped") else unit
        if event in ("Starting", "Stopping"):
            begin[key] = t
        elif key in begin:
            out[key] = (begin[key], t)
    return out


_SKIPPED = re.compile(
    r"^\[\s*\d+\.\d+\] \S+ systemd\[1\]: (ignition-[a-z-]+\.service)\b.*"
    r" was skipped because of an unmet condition check \((.*)\)\.?\r?$"
)


def skipped_units(journal: str) -> dict[str, str]:
    """``{unit: condition}`` of the units systemd skipped by a condition (``ConditionPathExists=
    !/run/ignition/nothing-to-do/kargs``: the fetch stage found the stage idle)."""
    out: dict[str, str] = {}
    for raw in journal.splitlines():
        line = _short_from_json(raw) if raw.startswith("{") else raw
        m = _SKIPPED.match(line)
        if m is not None:
            out[m.group(1)] = m.group(2)
    return out


_ENGINE_LOG = re.compile(r"^\[\s*(\d+\.\d+)\] \S+ ignition\[\d+\]: ")


def _engine_log_times(journal: str) -> list[float]:
    """Guest seconds of every log line of the engine, in order."""
    out = []
    for raw in journal.splitlines():
        line = _short_from_json(raw) if raw.startswith("{") else raw
        m = _ENGINE_LOG.match(line)
        if m:
            out.append(float(m.group(1)))
    return out


def _short_from_json(raw: str) -> str:
    """A ``journalctl -o json`` entry as a ``-o short-monotonic`` line (enough for the above)."""
    try:
        entry = json.loads(raw)
        stamp = int(entry["__MONOTONIC_TIMESTAMP"]) / 1e6
        ident, pid, message = entry["SYSLOG_IDENTIFIER"], entry["_PID"], entry["MESSAGE"]
    except (ValueError, KeyError, TypeError):
        return ""
    return f"[{stamp:12.6f}] host {ident}[{pid}]: {message}"


def boot(
    k: Kernel,
    initrd: Path,
    disks: Sequence[Path],
    append: str,
    console_log: Path,
    *,
    fw_cfg: Path | None = None,
    http_port: int | None = None,
    timeout: float = BOOT_TIMEOUT,
    icount: str | None = ICOUNT,
) -> Boot:
    """One boot; ``icount`` (QEMU's ``-icount``, e.g. ``shift=3,sleep=off``) makes the guest's
    clock count instructions instead of following the host's: its times then no longer
    depend on how busy the host is (each instruction takes 2^shift ns of guest time)."""
    argv: list[str] = [QEMU, "-m", "1024", "-smp", "1", "-nographic", "-no-reboot"]
    argv += ["-accel", "tcg", "-kernel", str(k.vmlinuz), "-initrd", str(initrd)]
    if icount:
        argv += ["-icount", icount]
    argv += ["-device", "virtio-rng-pci"]  # as on a real hypervisor: no wait for entropy
    for d in disks:
        argv += ["-drive", f"file={d},if=virtio,format=raw"]
    if http_port is not None:
        relay = f"{sys.executable} {RELAY} 127.0.0.1 {http_port}"
        argv += [
            "-netdev",
            f"user,id=n0,restrict=on,guestfwd=tcp:{GUEST_HTTP}:80-cmd:{relay}",
            "-device",
            "virtio-net-pci,netdev=n0",
        ]
    else:
        argv += ["-nic", "none"]
    if fw_cfg is not None:
        argv += ["-fw_cfg", f"name=opt/com.coreos/config,file={fw_cfg}"]
    # no_timer_check: on a busy host the kernel's early check of the timer interrupt fails
    # ("IO-APIC + timer doesn't work!", a panic) because TCG is too slow for its delay loop
    base_append = "console=ttyS0 rd.shell=0 rd.emergency=poweroff panic=-1 no_timer_check"
    argv += ["-append", f"{base_append} {append}"]
    started = time.monotonic()
    with console_log.open("wb") as out:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
        timed_out = False
        status = 0
        cpu = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                cpu = usage.ru_utime + usage.ru_stime
                break
            if time.monotonic() - started > timeout:
                timed_out = True
                proc.send_signal(signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                cpu = usage.ru_utime + usage.ru_stime
                break
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    console = console_log.read_bytes().decode(errors="replace")
    return Boot(console, wall, cpu, proc.returncode, timed_out)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(text: str) -> str:
    return ANSI.sub("", text)
