"""``virtualbox``: guest property ``/Ignition/Config``; ``/Ignition/Config/Encoding`` must be
empty (reserved); an absent property is "no config" (docs/providers.md).

Transport: ``/dev/vboxguest`` (HGCM, :mod:`providers._vboxguest`) where the device exists,
else ``VBoxControl guestproperty`` when the guest additions are installed (looked up like
every host path, so a test host root can stand in for it). ``ignition-rmcfg`` deletes both
properties.
"""

from __future__ import annotations

from ignition.system import hostroot
from providers import _vboxguest
from providers.base import Provider, ProviderContext, ProviderError

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from typing import ClassVar

CONFIG, ENCODING = "/Ignition/Config", "/Ignition/Config/Encoding"


class _Device:
    def __init__(self) -> None:
        self.props = _vboxguest.GuestProperties(hostroot.path(_vboxguest.DEVICE))

    def get(self, name: str) -> str | None:
        return self.props.get(name)

    def delete(self, name: str) -> None:
        self.props.delete(name)

    def close(self) -> None:
        self.props.close()


class _Tool:
    def get(self, name: str) -> str | None:
        done = hostroot.run(["VBoxControl", "--nologo", "guestproperty", "get", name], check=False)
        out = done.stdout.decode("utf-8", "replace")
        if done.returncode != 0 or not out.startswith("Value: "):
            return None  # "No value set!"
        return out[len("Value: ") :].removesuffix("\n")

    def delete(self, name: str) -> None:
        done = hostroot.run(
            ["VBoxControl", "--nologo", "guestproperty", "delete", name], check=False
        )
        if done.returncode != 0:
            raise ProviderError(f"couldn't delete guest property {name}")

    def close(self) -> None:
        pass


def _open() -> _Device | _Tool:
    if hostroot.is_char_device(_vboxguest.DEVICE):
        try:
            return _Device()
        except OSError as exc:
            raise ProviderError(f"opening {_vboxguest.DEVICE}: {exc}") from None
    if hostroot.which("VBoxControl"):
        return _Tool()
    raise ProviderError(f"{_vboxguest.DEVICE} does not exist (is the vboxguest driver loaded?)")


class VirtualboxProvider(Provider):
    name: ClassVar[str] = "virtualbox"

    def fetch_config(self, ctx: ProviderContext) -> bytes | None:
        props = _open()
        try:
            encoding = props.get(ENCODING)
            if encoding:
                raise ProviderError(f"unsupported {ENCODING} {encoding!r}: it must be empty")
            value = props.get(CONFIG)
        except OSError as exc:
            raise ProviderError(f"reading guest properties: {exc}") from None
        finally:
            props.close()
        if value is None:
            ctx.log.info(f"guest property {CONFIG} is not set: no config")
            return None
        return value.encode() or None

    def delete_config(self, ctx: ProviderContext) -> None:
        props = _open()
        try:
            for name in (CONFIG, ENCODING):
                if props.get(name) is not None:
                    props.delete(name)
        finally:
            props.close()
        ctx.log.info("deleted the config guest properties")
