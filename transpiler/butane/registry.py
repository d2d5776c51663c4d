"""Which translator handles ``(variant, version)``: an explicit table, nothing registered at
import time. Each entry names the base layer (the Ignition spec it emits) and the distro layer.
"""

from __future__ import annotations

from ignition.util.record import record

RHCOS_REMOVED = (
    "rhcos variant has been removed; use openshift variant instead: "
    "https://coreos.github.io/butane/upgrading-openshift/"
)

# base layer -> Ignition spec version it emits
BASES = {
    "v0_1": "3.0.0",
    "v0_2": "3.1.0",
    "v0_3": "3.2.0",
    "v0_4": "3.3.0",
    "v0_5": "3.4.0",
    "v0_6": "3.5.0",
    "v0_7": "3.6.0",
    "v0_8_exp": "3.7.0-experimental",
}
BASE_ORDER = tuple(BASES)


@record
class Spec:
    variant: str
    version: str
    base: str  # "v0_5"
    package: str  # Go package name of the distro layer, for messages ("v1_5")
    fcos: int = 0  # fcos layer minor version (boot_device from 3, grub from 5), 0 = none
    openshift: int = 0  # openshift minor version (8..23), 0 = not openshift

    @property
    def ignition(self) -> str:
        return BASES[self.base]

    def base_at_least(self, base: str) -> bool:
        return BASE_ORDER.index(self.base) >= BASE_ORDER.index(base)


def _fcos(minor: int, exp: bool = False) -> Spec:
    base = {
        0: "v0_1",
        1: "v0_2",
        2: "v0_3",
        3: "v0_3",
        4: "v0_4",
        5: "v0_5",
        6: "v0_6",
        7: "v0_7",
        8: "v0_8_exp",
    }[minor]
    version = f"1.{minor}.0" + ("-experimental" if exp else "")
    return Spec("fcos", version, base, f"v1_{minor}" + ("_exp" if exp else ""), fcos=minor)


def _openshift(minor: int, exp: bool = False) -> Spec:
    if minor <= 13:
        base, fcos = "v0_3", 3
    elif minor <= 18:
        base, fcos = "v0_5", 5
    elif minor <= 22:
        base, fcos = "v0_6", 6
    else:
        base, fcos = "v0_8_exp", 8
    version = f"4.{minor}.0" + ("-experimental" if exp else "")
    pkg = f"v4_{minor}" + ("_exp" if exp else "")
    return Spec("openshift", version, base, pkg, fcos=fcos, openshift=minor)


def _other(variant: str, version: str, base: str) -> Spec:
    major, minor = version.split(".")[:2]
    pkg = f"v{major}_{minor}" + ("_exp" if "experimental" in version else "")
    return Spec(variant, version, base, pkg)


def _table() -> dict[tuple[str, str], Spec]:
    specs = [_fcos(m) for m in range(8)] + [_fcos(8, exp=True)]
    specs += [_openshift(m) for m in range(8, 23)] + [_openshift(23, exp=True)]
    specs += [
        _other("flatcar", "1.0.0", "v0_4"),
        _other("flatcar", "1.1.0", "v0_5"),
        _other("flatcar", "1.2.0-experimental", "v0_8_exp"),
        _other("r4e", "1.0.0", "v0_4"),
        _other("r4e", "1.1.0", "v0_5"),
        _other("r4e", "1.2.0-experimental", "v0_8_exp"),
        _other("fiot", "1.0.0", "v0_5"),
        _other("fiot", "1.1.0-experimental", "v0_8_exp"),
    ]
    return {(s.variant, s.version): s for s in specs}


def lookup(variant: str, version: str) -> Spec | None:
    return _table().get((variant, version))


def all_specs() -> list[Spec]:
    return list(_table().values())
