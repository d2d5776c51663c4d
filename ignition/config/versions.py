"""Spec versions: parsing the version string, ordering, and feature thresholds."""

from __future__ import annotations

from ignition.util.record import record

SPEC3 = (
    "3.0.0",
    "3.1.0",
    "3.2.0",
    "3.3.0",
    "3.4.0",
    "3.5.0",
    "3.6.0",
    "3.7.0-experimental",
)
SPEC2 = ("2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0")
LATEST = SPEC3[-1]
LATEST_STABLE = "3.6.0"
_ORDER = {v: i for i, v in enumerate(("1", *SPEC2, *SPEC3))}

# go-semver's grammar (leading zeros tolerated, as the reference does):
# MAJOR.MINOR.PATCH[-PRE][+META], numbers of decimal digits, PRE and META of [0-9A-Za-z.-].
# Checked with string methods: compiling the regular expression cost every stage process that
# parses a config more than the parse (docs/initramfs.md).
_IDENT = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-")


@record
class SemVer:
    major: int
    minor: int
    patch: int
    pre: str = ""
    meta: str = ""

    def __str__(self) -> str:
        s = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            s += f"-{self.pre}"
        if self.meta:
            s += f"+{self.meta}"
        return s


def parse_semver(text: str) -> SemVer | None:
    rest, plus, meta = text.partition("+")
    core, dash, pre = rest.partition("-")
    numbers = core.split(".")
    if (
        len(numbers) != 3
        or not all(n.isdecimal() for n in numbers)  # what \d matches in a str pattern
        or (dash and not _ident(pre))
        or (plus and not _ident(meta))
    ):
        return None
    major, minor, patch = map(int, numbers)
    return SemVer(major, minor, patch, pre, meta)


def _ident(part: str) -> bool:
    return bool(part) and _IDENT.issuperset(part)


def canonical(version: str) -> str | None:
    """The supported spec version a version string names exactly, if any."""
    sv = parse_semver(version)
    if sv is None:
        return None
    s = str(sv)
    return s if s in _ORDER and s != "1" else None


def at_least(version: str, minimum: str) -> bool:
    return _ORDER[version] >= _ORDER[minimum]


def before(version: str, limit: str) -> bool:
    return _ORDER[version] < _ORDER[limit]


def is_spec2(version: str) -> bool:
    return version in SPEC2 or version == "1"
