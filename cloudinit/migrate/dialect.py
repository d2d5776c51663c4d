"""Which of ignition-convert's three input dialects a document is written in.

* coreos-cloudinit's ``#cloud-config`` (also ``#!`` scripts and MIME multipart user data);
* canonical cloud-init's ``#cloud-config``;
* a Container Linux Config (ct's input: YAML without a header).

Both cloud-configs share their header and a few keys (``hostname``, ``users``,
``write_files``, ``ssh_authorized_keys``, ``manage_etc_hosts``), so the keys decide: each
dialect has keys (and ``users``/``write_files`` fields) the other does not know. A document
with only shared keys is read as coreos-cloudinit's, as ignition-convert always did, unless
its header is written as only cloud-init accepts it.
"""

from __future__ import annotations

import re

from cloudinit.userdata import gunzip, header_style, is_multipart
from ignition.config.yamldoc import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    YamlSyntaxError,
    compose_first,
)
from ignition.util.record import record

COREOS_CLOUDINIT = "coreos-cloudinit"
CLOUD_INIT = "cloud-init"
CT = "ct"
DIALECTS = (COREOS_CLOUDINIT, CLOUD_INIT, CT)
NAMES = {
    COREOS_CLOUDINIT: "coreos-cloudinit's cloud-config",
    CLOUD_INIT: "canonical cloud-init's cloud-config",
    CT: "a Container Linux Config (ct)",
}

SHARED = frozenset({"hostname", "users", "write_files", "ssh_authorized_keys", "manage_etc_hosts"})
COREOS_USER_KEYS = frozenset(
    {"coreos_ssh_import_github", "coreos_ssh_import_github_users", "coreos_ssh_import_url"}
)
CLOUD_INIT_USER_KEYS = frozenset(
    [
        "sudo",
        "lock_passwd",
        "lock-passwd",
        "hashed_passwd",
        "plain_text_passwd",
        "ssh_import_id",
        "ssh_redirect_user",
        "uid",
        "expiredate",
        "inactive",
        "selinux_user",
        "doas",
        "snapuser",
        "create_groups",
    ]
)
CLOUD_INIT_FILE_KEYS = frozenset({"append", "defer", "source"})
CT_KEYS = frozenset(
    [
        "ignition",
        "storage",
        "systemd",
        "networkd",
        "passwd",
        "etcd",
        "flannel",
        "docker",
        "update",
        "locksmith",
    ]
)
_CT_LINE = re.compile(
    rb"^(ignition|storage|systemd|networkd|passwd|etcd|flannel|docker|update|locksmith)\s*:",
    re.M,
)


@record
class Detected:
    dialect: str
    reason: str  # why, for the report


def detect(raw: bytes) -> Detected:
    data = raw
    if data[:2] == b"\x1f\x8b":
        try:
            data = gunzip(data)
        except ValueError:
            return Detected(COREOS_CLOUDINIT, "gzip-compressed user data")
    if data.startswith(b"#!"):
        return Detected(COREOS_CLOUDINIT, "a #! script")
    if is_multipart(data):
        return Detected(COREOS_CLOUDINIT, "a MIME multipart message")
    style = header_style(data)
    if style is None:
        return _headerless(data)
    return _cloud_config(data, style)


def _headerless(data: bytes) -> Detected:
    try:
        root = compose_first(data.decode("utf-8", "replace"))
    except YamlSyntaxError:
        root = None
        if _CT_LINE.search(data):
            return Detected(
                CT, "no #cloud-config header; top-level keys of a Container Linux Config"
            )
    keys = _keys(root)
    if keys and keys <= CT_KEYS:
        return Detected(CT, "no #cloud-config header; its keys are a Container Linux Config's")
    from cloudinit.migrate.canonical import KNOWN_KEYS

    if keys and keys <= KNOWN_KEYS:
        return Detected(
            COREOS_CLOUDINIT,
            "no #cloud-config header on the first line, so not a cloud-config for either "
            "tool; its keys are canonical cloud-init's: add the header or give -from cloud-init",
        )
    return Detected(COREOS_CLOUDINIT, "no #cloud-config header (not a cloud-config)")


def _keys(node: Node | None) -> set[str]:
    if not isinstance(node, MappingNode):
        return set()
    return {k.value for k, _ in node.value if isinstance(k, ScalarNode)}


_HOSTS_CLOUD_INIT = frozenset(["true", "false", "yes", "no", "on", "off", "template"])


def _value(node: Node | None, key: str) -> ScalarNode | None:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key and isinstance(v, ScalarNode):
                return v
    return None


def _items(node: Node | None, key: str) -> list[Node]:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key and isinstance(v, SequenceNode):
                return list(v.value)
    return []


def _cloud_config(data: bytes, style: str) -> Detected:
    try:
        root = compose_first(data.decode("utf-8", "replace"))
    except YamlSyntaxError:
        return Detected(COREOS_CLOUDINIT, "a #cloud-config document that is not valid YAML")
    keys = _keys(root)
    coreos = {"coreos"} & keys
    canonical = keys - SHARED - {"coreos"}
    hosts = _value(root, "manage_etc_hosts")
    if hosts is not None and hosts.value.lower() in _HOSTS_CLOUD_INIT:
        canonical.add(f"manage_etc_hosts: {hosts.value}")  # coreos-cloudinit takes localhost only
    for user in _items(root, "users"):
        if isinstance(user, ScalarNode):
            canonical.add("users: a name")
        ukeys = _keys(user)
        coreos |= {f"users.{k}" for k in ukeys & COREOS_USER_KEYS}
        canonical |= {f"users.{k}" for k in ukeys & CLOUD_INIT_USER_KEYS}
        for k, val in user.value if isinstance(user, MappingNode) else ():
            if getattr(k, "value", "") == "groups" and isinstance(val, ScalarNode):
                canonical.add("users.groups as a string")
    for f in _items(root, "write_files"):
        canonical |= {f"write_files.{k}" for k in _keys(f) & CLOUD_INIT_FILE_KEYS}
        for k, val in f.value if isinstance(f, MappingNode) else ():
            if val.tag == "tag:yaml.org,2002:binary" or (
                getattr(k, "value", "") == "encoding" and val.value == "text/plain"
            ):
                canonical.add(
                    f"write_files.{k.value}: {val.value if k.value == 'encoding' else '!!binary'}"
                )
    if canonical and not coreos:
        return Detected(CLOUD_INIT, "keys only canonical cloud-init knows: " + _list(canonical))
    if coreos and not canonical:
        return Detected(COREOS_CLOUDINIT, "keys only coreos-cloudinit knows: " + _list(coreos))
    if coreos and canonical:
        pick = CLOUD_INIT if len(canonical) > len(coreos) else COREOS_CLOUDINIT
        return Detected(
            pick,
            f"keys of both dialects (coreos-cloudinit: {_list(coreos)}; cloud-init: "
            f"{_list(canonical)}); -from forces one",
        )
    if style == "cloud-init":
        return Detected(
            CLOUD_INIT, "only keys both dialects share, and a header only cloud-init accepts"
        )
    return Detected(
        COREOS_CLOUDINIT,
        "only keys both dialects share (-from cloud-init to read it as cloud-init's)",
    )


def _list(keys: set[str]) -> str:
    shown = sorted(keys)
    return ", ".join(shown[:5]) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")
