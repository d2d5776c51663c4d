"""``zvm`` (IBM z/VM): the first spool file of type ``ign`` in the virtual reader ``000c``
(docs/providers.md): ``modprobe vmur``, ``cio_ignore -r 000c``, ``chccwdev -e 000c``,
``udevadm settle``, ``vmur li``, then ``vmur re -f <spoolid> <file>``; NULs trimmed. No
``ign`` file is "no config". The tools are looked up like every host path (a test host root
can stand in for them)."""

from __future__ import annotations

import contextlib
import os
import tempfile

from ignition.system import hostroot
from ignition.util import limits
from providers.base import Provider, ProviderContext, ProviderError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

READER = "000c"


def spool_id(listing: str) -> str | None:
    """The spool id of the first ``ign`` file in ``vmur li`` output. Columns: ORIGINID FILE
    CLASS RECORDS CPY HOLD DATE TIME NAME TYPE DIST, where CLASS is two words (``A PUN``), so
    TYPE is the next to last word and FILE the second."""
    for line in listing.splitlines():
        cols = line.split()
        if len(cols) >= 11 and cols[0] != "ORIGINID" and cols[-2] == "ign":
            return cols[1]
    return None


class ZvmProvider(Provider):
    name: ClassVar[str] = "zvm"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        hostroot.modprobe("vmur")
        for argv in (["cio_ignore", "-r", READER], ["chccwdev", "-e", READER]):
            try:
                hostroot.run(argv, check=False)
            except OSError:
                ctx.log.info(f"{argv[0]} unavailable: assuming the reader is online")
        with contextlib.suppress(OSError):
            hostroot.run(["udevadm", "settle"], check=False)
        try:
            listing = hostroot.run(["vmur", "li"]).stdout.decode("utf-8", "replace")
        except OSError as exc:
            raise ProviderError(f"couldn't list the z/VM reader: {exc}") from None
        spool = spool_id(listing)
        if spool is None:
            ctx.log.info("no spool file of type ign in the z/VM reader: no config")
            return None
        with tempfile.TemporaryDirectory(prefix="ignition-zvm-") as tmp:
            out = os.path.join(tmp, "config")
            try:
                hostroot.run(["vmur", "re", "-f", spool, out])
            except OSError as exc:
                raise ProviderError(f"couldn't receive z/VM spool file {spool}: {exc}") from None
            try:
                with open(out, "rb") as fh:
                    data = limits.read_input(fh)
            except limits.InputTooLarge as exc:
                raise ProviderError(f"z/VM spool file {spool}: {exc}") from None
        return data.strip(b"\x00") or None
