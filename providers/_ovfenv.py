"""Azure's ``ovf-env.xml`` (the provisioning medium's, or the copy WALinuxAgent keeps in
``/var/lib/waagent``): the host name. The document also holds the admin password and the
custom data, so nothing of it is ever logged."""

from __future__ import annotations


def hostname_of(ovf_env: bytes) -> str:
    """``HostName`` in any namespace (``wa:``/``ns1:`` prefixes vary between generators);
    "" when there is none or the document does not parse."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(ovf_env)
    except ElementTree.ParseError:
        return ""
    for el in root.iter():
        if el.tag.rpartition("}")[2] == "HostName":
            return (el.text or "").strip()
    return ""
