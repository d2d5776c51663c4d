"""Make values safe to log: URLs lose credentials and query values; data: URLs their data.

The reference logs every URL with its query string (pre-signed URLs carry credentials there)
and dumps the whole merged config on failure. We log only what identifies a resource.
"""

from __future__ import annotations

SECRET = "<redacted>"


def url(value: str) -> str:
    """``https://user:pw@host/p?token=x`` → ``https://host/p?token=<redacted>``."""
    if value[:5].lower() == "data:":
        head = value.split(",", 1)[0]
        return f"{head},<{len(value) - len(head) - 1} bytes>"
    scheme, sep, rest = value.partition("://")
    if not sep:
        return value
    authority, slash, tail = rest.partition("/")
    host = authority.rpartition("@")[2]
    path, q, query = tail.partition("?")
    path = path.partition("#")[0]
    out = f"{scheme}://{host}{slash}{path}"
    if q:
        parts = []
        for p in query.split("&"):
            k, eq, _ = p.partition("=")
            parts.append(f"{k}={SECRET}" if eq else k)
        out += "?" + "&".join(parts)
    return out


def digest(data: bytes) -> str:
    """What the reference logs instead of a config body: its SHA512."""
    try:  # the interpreter's own SHA-512: hashlib would load OpenSSL's library for it
        from _sha512 import sha512  # type: ignore[import-not-found]
    except ImportError:  # an interpreter without it (3.12 names it _sha2)
        from hashlib import sha512

    hexdigest: str = sha512(data).hexdigest()
    return hexdigest


def argv(args: list[str], secrets: frozenset[str]) -> list[str]:
    """A command line with every secret value (and ``--opt=secret`` forms) replaced."""
    out = []
    for a in args:
        if a in secrets:
            out.append(SECRET)
            continue
        name, eq, value = a.partition("=")
        out.append(f"{name}={SECRET}" if eq and value in secrets else a)
    return out


def text(value: str, secrets: frozenset[str]) -> str:
    """Tool output may echo what it was given: remove every secret occurring in it."""
    for s in sorted(secrets, key=len, reverse=True):
        if s:
            value = value.replace(s, SECRET)
    return value


def exception(exc: BaseException) -> str:
    """An exception's text when it is one of ours (written to name what failed, never a
    value), else only its type: a foreign message may quote any value (``KeyError('pw')``)."""
    if type(exc).__module__.split(".")[0] in _OWN_PACKAGES:
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return os_error(exc)
    return f"{type(exc).__name__} (message withheld)"


NAME_SHOWN = 256  # characters of a file name echoed from an OSError


def os_error(exc: OSError) -> str:
    """``str(exc)`` (errno, reason, file names: paths are logged anyway) with each file name
    cut to :data:`NAME_SHOWN` characters: a config can name a path of megabytes."""
    text = f"[Errno {exc.errno}] {exc.strerror}"
    if exc.filename is not None:
        text += f": {file_name(exc.filename)!r}"
    if exc.filename2 is not None:
        text += f" -> {file_name(exc.filename2)!r}"
    return text


def file_name(name: object) -> str:
    """A file name for a message, cut to :data:`NAME_SHOWN` characters."""
    text = name if isinstance(name, str) else str(name)
    return text if len(text) <= NAME_SHOWN else text[:NAME_SHOWN] + "..."


_OWN_PACKAGES = frozenset({"ignition", "cloudinit", "providers", "transpiler"})


def short_path(filename: str) -> str:
    """A source file relative to the directory holding the packages (no host paths)."""
    parts = filename.replace("\\", "/").split("/")
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] in _OWN_PACKAGES:
            return "/".join(parts[i:])
    return parts[-1]


def trace(exc: BaseException) -> str:
    """A traceback for ``PYIGNITION_DEBUG``: every frame (file, line, function, source line),
    the chained exceptions, and messages through :func:`exception`. Local variables and
    foreign messages never appear."""
    import traceback  # only a crashing process with the debug flag pays for it

    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        chain.append(current)
        seen.add(id(current))
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    out = []
    for i, e in enumerate(reversed(chain)):
        if i:
            out.append("\nwhich led to:\n")
        out.append("trace (innermost call last; messages that are not our own withheld):\n")
        for frame in traceback.extract_tb(e.__traceback__):
            out.append(f"  {short_path(frame.filename)}:{frame.lineno} in {frame.name}\n")
            if frame.line:
                out.append(f"    {frame.line.strip()}\n")
        out.append(f"{type(e).__name__}: {exception(e)}\n")
    return "".join(out)
