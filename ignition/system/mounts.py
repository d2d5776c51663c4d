"""Reading one file from a block device by mounting it read-only, for media that no user-space
reader understands (a config drive formatted ext4, xfs, btrfs, ...).

The medium is hostile input, so:

- only a block device is mounted (``mount`` would attach a loop device to a plain file);
- its file system type is what libblkid detects (a safe probe: no type, or several, is an
  error), and it is mounted ``ro,nosuid,nodev,noexec`` on a fresh directory only root can
  enter (``mkdtemp``: mode 0700);
- the file's path is resolved inside the mount: a symlink on the medium pointing at
  ``/etc/shadow`` designates that path *on the medium*, never on the host; only a regular file
  is read, and at most ``max_size`` bytes of it;
- the mount is always taken down and the directory removed: after an error, after a
  ``mount`` that timed out (it may have completed in the kernel all the same), and when the
  stage is stopped with SIGTERM meanwhile (systemd's unit timeout): the signal becomes an exit
  that runs the clean-up first. A busy mount point that will not unmount is detached lazily
  rather than left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import threading
import time

from ignition.system import blkid
from ignition.system.root import TargetRoot
from ignition.system.runner import CommandError, Runner

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Iterator

MOUNT_TIMEOUT = 60.0
UMOUNT_TRIES = 3
OPTIONS = "ro,nosuid,nodev,noexec"


class MountError(Exception):
    """The device could not be mounted or the file could not be read (names no data)."""


def read_file(
    runner: Runner,
    device: str,
    path: str,
    *,
    max_size: int,
    timeout: float = MOUNT_TIMEOUT,
) -> tuple[str, bytes | None]:
    """Mount ``device`` read-only, read ``path`` from it, unmount. Returns the detected file
    system type and the file's bytes (None when the file does not exist)."""
    import tempfile  # here: only a medium of an unusual type needs it

    fstype = detect(device)
    with _terminate_cleanly():
        mnt = tempfile.mkdtemp(prefix="ignition-media-")
        try:
            try:
                runner.run(["mount", "-o", OPTIONS, "-t", fstype, device, mnt], timeout=timeout)
            except CommandError as exc:
                raise MountError(f"couldn't mount {device} ({fstype}): {exc}") from None
            return fstype, _read_inside(mnt, path, max_size)
        finally:
            _take_down(runner, mnt, timeout)


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """SIGTERM raises SystemExit (status 143) here, so ``finally`` clauses unmount first.
    Signal handlers belong to the main thread: elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the clean-up
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def detect(device: str) -> str:
    """The file system type libblkid finds on ``device``, which must be a block device."""
    try:
        mode = os.stat(device).st_mode
    except OSError as exc:
        raise MountError(f"{device}: {exc.strerror or exc}") from None
    if not stat.S_ISBLK(mode):
        raise MountError(f"{device} is not a block device: not mounting it")
    try:
        fstype = blkid.probe_filesystem(device).type
    except blkid.ProbeError as exc:
        raise MountError(f"{device}: {exc}") from None
    if not fstype:
        raise MountError(f"{device}: no file system found")
    return fstype


def _read_inside(mnt: str, path: str, max_size: int) -> bytes | None:
    try:
        full = TargetRoot(mnt).follow(path)
        fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise MountError(f'couldn\'t open "{path}": {exc.strerror or exc}') from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise MountError(f'"{path}" is not a regular file')
        if st.st_size > max_size:
            raise MountError(f'"{path}" is larger than {max_size} bytes')
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(st.st_size + 1)  # never more than the size checked above, plus one
    except OSError as exc:
        raise MountError(f'couldn\'t read "{path}": {exc.strerror or exc}') from None
    finally:
        os.close(fd)
    if len(data) > max_size:
        raise MountError(f'"{path}" is larger than {max_size} bytes')
    return data


def _take_down(runner: Runner, mnt: str, timeout: float) -> None:
    for attempt in range(UMOUNT_TRIES):
        if not os.path.ismount(mnt):
            break
        if attempt:
            time.sleep(1)
        with contextlib.suppress(CommandError):
            runner.run(["umount", mnt], timeout=timeout)
    if os.path.ismount(mnt):  # still busy: detach it, so that nothing stays mounted
        with contextlib.suppress(CommandError):
            runner.run(["umount", "--lazy", mnt], timeout=timeout)
    with contextlib.suppress(OSError):
        os.rmdir(mnt)
