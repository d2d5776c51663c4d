"""What every step of the disks stage shares: the stage context, device lookup and aliases,
udev, and the dry-run plan."""

from __future__ import annotations

from ignition.system import blkid, devices
from ignition.util.errors import StageError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Sequence

    from ignition.stages import StageContext
    from ignition.system import System
    from ignition.util.log import Logger

DESTRUCTIVE = "  [DESTRUCTIVE]"  # the marker `ignition plan` documents for every stage


class DisksRun:
    def __init__(self, ctx: StageContext, timeout: float = devices.DEVICE_TIMEOUT) -> None:
        self.ctx = ctx
        self.timeout = timeout
        running = devices.udev_running()
        self.lookup = devices.Lookup(udev=running)
        self.udev = devices.Udev(ctx.system, running)
        self.problems: list[str] = []  # dry run: what the real run would refuse

    @property
    def system(self) -> System:
        return self.ctx.system

    @property
    def log(self) -> Logger:
        return self.ctx.system.log

    @property
    def dry_run(self) -> bool:
        return self.ctx.dry_run

    def plan(self, line: str, *, destroy: bool = False) -> None:
        self.ctx.plan.append(f"disks: {line}{DESTRUCTIVE if destroy else ''}")

    def refuse(self, message: str) -> None:
        """A refusal: raised in a real run; in a dry run recorded and planning goes on."""
        if not self.dry_run:
            raise StageError(message)
        self.problems.append(message)
        self.ctx.plan.append(f"disks: would fail: {message}")

    def devices_for(self, paths: Sequence[str], what: str) -> dict[str, str]:
        """Wait for ``paths`` and alias them (the reference's ``waitOnDevicesAndCreateAliases``);
        return path → the path tools should be given (the alias).

        In a dry run nothing waits and nothing is created: present devices map to their node,
        absent ones (e.g. partitions still to be created) are left out.
        """
        unique = list(dict.fromkeys(paths))
        if self.dry_run:
            found = {}
            for p in unique:
                try:
                    node = self.lookup.find(p)
                except devices.DeviceError as exc:
                    self.refuse(str(exc))
                    continue
                if node is not None:
                    found[p] = node
            return found
        with self.log.op(f"waiting for devices [{' '.join(unique)}]"):
            try:
                nodes = devices.wait_for(unique, lookup=self.lookup, timeout=self.timeout)
            except devices.DeviceError as exc:
                raise StageError(f"failed to wait on {what} devs: {exc}") from None
        out = {}
        for p in unique:
            try:
                alias, target = devices.create_alias(self.system.paths.dev_aliases, p, nodes[p])
            except (devices.DeviceError, OSError) as exc:
                raise StageError(f"failed to create device alias for {p!r}: {exc}") from None
            self.log.info(f'created device alias for "{p}": "{alias}" -> "{target}"')
            out[p] = alias
        return out


def probe_signature(run: DisksRun, device: str) -> blkid.FilesystemInfo:
    """The reference's ``readFilesystemInfo``: a safe probe; when several signatures are found,
    probe again taking the first one and warn."""
    try:
        try:
            return blkid.probe_filesystem(device)
        except blkid.AmbivalentProbe as exc:
            info = blkid.probe_filesystem(device, allow_ambivalent=True)
            run.log.warning(str(exc))
            return info
    except blkid.ProbeError as exc:
        raise StageError(str(exc)) from None
