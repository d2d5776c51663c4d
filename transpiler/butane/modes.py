"""Butane's hint for modes written in decimal (``mode: 644`` instead of ``0644``)."""

from __future__ import annotations

DECIMAL_MODE = (
    "unreasonable mode would be reasonable if specified in octal; remember to add a leading zero"
)


def _reasonable(mode: int, *, directory: bool) -> bool:
    if mode > 0o7777:
        return False
    user, group, other = (mode >> 6) & 7, (mode >> 3) & 7, mode & 7
    special = mode >> 9
    if user | group | other == 0 or not (user | group | other) & 4:
        return False  # readable by nobody
    # a less specific class never has more than a more specific one
    if group & ~user or other & ~group:
        return False
    for cls in (user, group, other):
        if cls & 3 and not cls & 4:  # write or exec without read
            return False
    if directory:
        return bool((user | group | other) & 1) and not special & 4
    if special & 1:  # sticky bit on a file
        return False
    if special & 6:  # setuid/setgid: only when executable and not world-writable
        return bool((user | group | other) & 1) and not other & 2
    return True


def decimal_mode_warning(mode: int, *, directory: bool) -> bool:
    """True when ``mode`` looks like octal digits typed as a decimal number."""
    digits = str(mode)
    if mode < 0 or mode > 7777 or any(d > "7" for d in digits):
        return False
    return not _reasonable(mode, directory=directory) and _reasonable(
        int(digits, 8), directory=directory
    )
