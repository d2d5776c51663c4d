"""Does applying this config need the network? (fetch-offline's walk, docs/engine.md)

True if any resource (file contents or appends, CAs, LUKS key files, config references) has a
source other than ``data:``/empty, a Tang server has no advertisement, or a custom clevis pin
says it needs the network.
"""

from __future__ import annotations

from ignition.config.model import Config, Resource
from ignition.fetch.fetcher import needs_network

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Iterator


def _resources(cfg: Config) -> Iterator[tuple[str, Resource]]:
    ign = cfg.ignition
    yield "ignition.config.replace", ign.config.replace
    for i, r in enumerate(ign.config.merge):
        yield f"ignition.config.merge.{i}", r
    for i, r in enumerate(ign.security.tls.certificate_authorities):
        yield f"ignition.security.tls.certificateAuthorities.{i}", r
    for i, f in enumerate(cfg.storage.files):
        yield f"storage.files.{i}.contents", f.contents
        for j, a in enumerate(f.append):
            yield f"storage.files.{i}.append.{j}", a
    for i, lk in enumerate(cfg.storage.luks):
        yield f"storage.luks.{i}.keyFile", lk.key_file


def network_reason(cfg: Config) -> str | None:
    """Where the first network need is (a JSON path), or None."""
    for where, res in _resources(cfg):
        if needs_network(res.source):
            return f"$.{where}"
    for i, lk in enumerate(cfg.storage.luks):
        for j, t in enumerate(lk.clevis.tang):
            if not t.advertisement:
                return f"$.storage.luks.{i}.clevis.tang.{j}"
        c = lk.clevis.custom
        if c is not None and c.needs_network:
            return f"$.storage.luks.{i}.clevis.custom"
    return None
