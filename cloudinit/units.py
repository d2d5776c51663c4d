"""``coreos.units`` as Ignition units (network units as files under /etc/systemd/network)."""

from __future__ import annotations

import re

from cloudinit.builder import Builder, Doc, Origin, Shared
from cloudinit.model import Unit

NETWORK_UNITS = (".network", ".netdev", ".link")
_UNIT_NAME = re.compile(r"[A-Za-z0-9:_.\\@-]+")


def unit(b: Builder, sh: Shared, doc: Doc, u: Unit) -> None:
    def fo(key: str) -> Origin:
        return doc.origin((*u.at, key))

    entry = doc.origin(u.at)
    if not u.name:
        b.error(entry, "unit has no name: coreos-cloudinit skips such an entry")
        return
    if u.runtime:
        b.info(
            fo("runtime"),
            "runtime: written under /etc, as first-boot provisioning keeps it "
            "(coreos-cloudinit wrote /run at every boot)",
        )
    if u.name.endswith(NETWORK_UNITS):
        _network_unit(b, doc, u)
        return
    if u.mask and u.enable:
        b.error(fo("enable"), "a masked unit cannot be enabled (coreos-cloudinit fails here)")
        return
    unit = b.unit(u.name, fo("name"))
    if u.content:
        if u.mask:
            b.warning(
                fo("content"),
                "the content is not written: the unit is masked, and a mask "
                "replaces it (as with coreos-cloudinit)",
            )
        else:
            b.set_contents(unit, u.content, fo("content"))
    if u.mask:
        unit.mask, unit.mask_origin = True, fo("mask")
    if u.enable:
        unit.enabled, unit.enabled_origin = True, fo("enable")
    for d in u.drop_ins:
        if not d.name:
            b.error(doc.origin(d.at), "drop-in has no name: coreos-cloudinit skips it")
        elif not d.content:
            b.warning(
                doc.origin(d.at), "drop-in has no content: not written, as with coreos-cloudinit"
            )
        else:
            b.add_dropin(unit, d.name, d.content, doc.origin((*d.at, "content")))
    if u.command and not b.has_error(fo("command")):
        if not _UNIT_NAME.fullmatch(u.name):
            b.error(fo("name"), f"{u.name!r} is not a valid unit name for systemctl")
            return
        sh.commands.append((u.command, u.name, fo("command")))


def _network_unit(b: Builder, doc: Doc, u: Unit) -> None:
    def fo(key: str) -> Origin:
        return doc.origin((*u.at, key))

    base = f"/etc/systemd/network/{u.name}"
    if "/" in u.name:
        b.error(fo("name"), f"{u.name!r} is not a valid network unit name")
        return
    if u.enable:
        b.warning(fo("enable"), "enable is ignored for network units, as coreos-cloudinit does")
    if u.command:
        b.warning(
            fo("command"),
            "command is ignored for network units, as coreos-cloudinit "
            "does: networkd reads the file when it starts",
        )
    if u.mask:
        if u.content:
            b.warning(fo("content"), "the content is not written: the unit is masked")
        b.add_link(base, "/dev/null", fo("mask"))
    elif u.content:
        b.add_file(
            base,
            u.content.encode("utf-8", "surrogateescape"),
            0o644,
            {"": fo("name"), "contents": fo("content"), "contents.source": fo("content")},
        )
    for d in u.drop_ins:
        if d.name and d.content:
            o = doc.origin((*d.at, "content"))
            b.add_file(
                f"{base}.d/{d.name}",
                d.content.encode("utf-8", "surrogateescape"),
                0o644,
                {"": doc.origin(d.at), "contents": o, "contents.source": o},
            )
        elif not d.name:
            b.error(doc.origin(d.at), "drop-in has no name: coreos-cloudinit skips it")
