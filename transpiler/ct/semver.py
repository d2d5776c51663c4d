"""Version strings of ct's etcd and flannel sections, read as ct reads them (coreos/go-semver).

The parse is looser than semantic versioning and its errors are Go's own: metadata is split off
at the first ``+``, then a pre-release at the first ``-``; the rest is split into at most three
parts on ``.``, each a base-10 int64 (leading zeros allowed). So ``3.3.x`` fails on ``x``,
``3.3.1.2`` on ``1.2``, and ``03.3.0`` is 3.3.0 (printed back as such in the image tag).
"""

from __future__ import annotations

import re

from ignition.util.record import record

_INT64_MAX = (1 << 63) - 1


class SemverError(ValueError):
    """The reference's error text, printed as ``error: <text>`` with no position."""


@record
class Semver:
    major: int
    minor: int
    patch: int
    pre: str = ""
    meta: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            text += f"-{self.pre}"
        if self.meta:
            text += f"+{self.meta}"
        return text

    def older_than(self, major: int, minor: int, patch: int) -> bool:
        """``LessThan`` a release version: a pre-release sorts before its release."""
        own = (self.major, self.minor, self.patch)
        return own < (major, minor, patch) or (own == (major, minor, patch) and bool(self.pre))


def parse(text: str) -> Semver:
    """Raise :class:`SemverError` with the reference's message where it refuses ``text``."""
    version, _, meta = text.partition("+")
    version, _, pre = version.partition("-")
    parts = version.split(".", 2)
    if len(parts) != 3:
        raise SemverError(f"{version} is not in dotted-tri format")
    numbers = [_parse_int64(p) for p in parts]
    return Semver(numbers[0], numbers[1], numbers[2], pre, meta)


def _parse_int64(text: str) -> int:
    """Go's ``strconv.ParseInt(text, 10, 64)`` for the texts that reach it (no signs: ``+`` and
    ``-`` were split off before)."""
    from ignition.config.gofmt import quote

    if not re.fullmatch(r"[0-9]+", text):
        raise SemverError(f"strconv.ParseInt: parsing {quote(text)}: invalid syntax")
    digits = text.lstrip("0")
    if len(digits) > 19 or int(digits or "0") > _INT64_MAX:
        raise SemverError(f"strconv.ParseInt: parsing {quote(text)}: value out of range")
    return int(digits or "0")
