"""The openshift variant: metadata and extras, MCO restrictions, MachineConfig output."""

from __future__ import annotations

from typing import Any

import yaml

from ignition.config.report import Path
from ignition.config.urls import URLError, parse_url
from transpiler.butane.context import Ctx
from transpiler.butane.walk import UNSUPPORTED, UNSUPPORTED_PL, walk

ROLE = "machineconfiguration.openshift.io/role"
CEX_KARG = "rd.luks.key=/etc/luks/cex.key"
NOT_DATA_URL = "file contents source must be data URL in this spec version"


def validate(ctx: Ctx, cfg: dict[str, Any], *, raw_output: bool) -> None:
    r = ctx.report
    minor = ctx.spec.openshift
    md = cfg.get("metadata", {})
    if not md.get("name"):
        r.error(("metadata", "name"), "metadata.name is required")
    if not md.get("labels", {}).get(ROLE):
        r.error(("metadata", "labels"), f"{ROLE} label is required")
    oc = cfg.get("openshift", {})
    kt = oc.get("kernel_type")
    if kt not in (None, "", "default", "realtime"):
        r.error(("openshift", "kernel_type"), 'must be empty, "default", or "realtime"')
    if raw_output:
        for key in ("kernel_arguments", "extensions", "fips", "kernel_type"):
            if oc.get(key):
                r.warning(("openshift", key), "field ignored in raw mode")
    if minor >= 19:
        kargs = oc.get("kernel_arguments", [])
        bd_cex = cfg.get("boot_device", {}).get("luks", {}).get("cex", {}).get("enabled")
        root_cex = any(
            lk.get("name") == "root" and lk.get("cex", {}).get("enabled")
            for lk in cfg.get("storage", {}).get("luks", [])
        )
        if (bd_cex or root_cex) and CEX_KARG not in kargs:
            r.error(
                ("openshift", "kernel_arguments"),
                f"'{CEX_KARG}' must be set as kernel argument when CEX is enabled for the "
                "boot device",
            )


def _remote(source: str | None) -> bool:
    """A source the MCO cannot embed: any parseable URL whose scheme is not ``data`` (an
    unparseable one is left to the Ignition checks)."""
    if source is None:
        return False
    try:
        return parse_url(source).scheme != "data"
    except URLError:
        return False


def filter_errors(ctx: Ctx, out: dict[str, Any]) -> list[tuple[Path, str]]:
    minor = ctx.spec.openshift
    errs: list[tuple[Path, str]] = []
    errs += [(p, UNSUPPORTED_PL.format("groups")) for p, _ in walk(out, "passwd", "groups")]
    allowed = {"name", "sshAuthorizedKeys"} | ({"passwordHash"} if minor >= 13 else set())
    for p, user in walk(out, "passwd", "users", "*"):
        if user.get("name") != "core":
            errs.append(
                ((*p, "name"), 'users other than "core" are not supported in this spec version')
            )
        for k in user:
            if k not in allowed:
                errs.append(
                    (
                        (*p, k),
                        'fields other than "name", "ssh_authorized_keys", and '
                        '"password_hash" (4.13.0+) are not supported in this spec version',
                    )
                )
    errs += [
        (p, UNSUPPORTED_PL.format("directories")) for p, _ in walk(out, "storage", "directories")
    ]
    errs += [(p, UNSUPPORTED_PL.format("links")) for p, _ in walk(out, "storage", "links")]
    for p, f in walk(out, "storage", "files", "*"):
        if "append" in f:
            errs.append(
                ((*p, "append"), "appending to files is not supported in this spec version")
            )
        contents = f.get("contents", {})
        if "httpHeaders" in contents:
            errs.append(
                ((*p, "contents", "httpHeaders"), UNSUPPORTED_PL.format("file HTTP headers"))
            )
        if _remote(contents.get("source")):
            errs.append(((*p, "contents", "source"), NOT_DATA_URL))
        if minor <= 9 and contents.get("compression"):
            errs.append(((*p, "contents", "compression"), UNSUPPORTED.format("file compression")))
        mode = f.get("mode")
        if minor >= 10 and mode is not None and mode & 0o7000:
            errs.append(((*p, "mode"), UNSUPPORTED_PL.format("special mode bits")))
    for p, fs in walk(out, "storage", "filesystems", "*"):
        if fs.get("format") == "btrfs":
            errs.append(((*p, "format"), UNSUPPORTED.format("btrfs")))
        if minor >= 14 and fs.get("format") == "none":
            errs.append(((*p, "format"), UNSUPPORTED.format('format "none"')))
    if minor >= 14:
        errs += [
            (
                p,
                "this section cannot be used for kernel arguments in this spec version; use "
                "openshift.kernel_arguments instead",
            )
            for p, _ in walk(out, "kernelArguments")
        ]
    if minor <= 19 and ctx.decoded.value.get("openshift", {}).get("fips"):
        for _, lk in walk(out, "storage", "luks", "*"):
            opts = lk.get("options", [])
            if not any(o == "--cipher" or o.startswith("--cipher=") or o == "-c" for o in opts):
                lk["options"] = [*opts, "--cipher", "aes-cbc-essiv:sha256"]
    return errs


class _Dumper(yaml.SafeDumper):
    """yaml.v3's layout: sequences indented under their key, multi-line strings as blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data and not any(c in data for c in "\r\t") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def machine_config(ctx: Ctx, cfg: dict[str, Any], ign: dict[str, Any]) -> bytes:
    md = cfg.get("metadata", {})
    oc = cfg.get("openshift", {})
    spec: dict[str, Any] = {"config": ign}
    if oc.get("extensions"):
        spec["extensions"] = oc["extensions"]
    if oc.get("fips"):
        spec["fips"] = True
    if oc.get("kernel_arguments"):
        spec["kernelArguments"] = oc["kernel_arguments"]
    if oc.get("kernel_type"):
        spec["kernelType"] = oc["kernel_type"]
    metadata: dict[str, Any] = {"labels": md.get("labels", {}), "name": md.get("name", "")}
    doc = {
        "apiVersion": "machineconfiguration.openshift.io/v1",
        "kind": "MachineConfig",
        "metadata": metadata,
        "spec": spec,
    }
    body = yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=True,
        indent=2,
        allow_unicode=True,
        width=1 << 30,
        default_flow_style=False,
    )
    return ("# Generated by Butane; do not edit\n" + body).encode()
