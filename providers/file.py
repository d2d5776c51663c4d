"""``file``: the config is a local file, ``$IGNITION_CONFIG_FILE`` or ``config.ign`` in the
working directory (the reference's testing platform; the conformance harness uses it)."""

from __future__ import annotations

from ignition.util import limits
from providers.base import Provider, ProviderContext, ProviderError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar


class FileProvider(Provider):
    name: ClassVar[str] = "file"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        path = ctx.paths.file_platform_config
        ctx.log.info(f"reading config from file {path!r}")
        try:
            with open(path, "rb") as fh:
                data = limits.read_input(fh)
        except OSError as exc:
            raise ProviderError(f"couldn't read config file {path!r}: {exc.strerror}") from None
        except limits.InputTooLarge as exc:
            raise ProviderError(f"config file {path!r}: {exc}") from None
        return data or None
