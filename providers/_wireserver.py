"""Azure's wireserver health report (docs/providers.md), what Afterburn's check-in and
cloud-init do and the reference Ignition does not: until the guest reports *Ready*, Azure keeps
the VM "provisioning" and finally fails the deployment.

1. address: DHCP option 245, else ``168.63.129.16``;
2. ``GET /?comp=versions`` must list ``2012-11-30``;
3. ``GET /machine/?comp=goalstate``: incarnation, container id, role instance id;
4. ``POST /machine/?comp=health``: ``Ready``, or ``NotReady`` with substatus
   ``ProvisioningFailed`` and a reason (never config data: error messages carry none).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from providers import _dhcp, _imds
from providers.base import ProviderContext, ProviderError

DEFAULT_ADDRESS = "168.63.129.16"
VERSION = "2012-11-30"
HEADERS = {"x-ms-agent-name": "pyignition", "x-ms-version": VERSION}
REQUEST_WAIT = 15.0  # per request; Afterburn gives up after about as long (5 tries)
MAX_REASON = 512


def _get(ctx: ProviderContext, url: str) -> bytes:
    return _imds.fetch(ctx, url, headers=HEADERS, total_timeout=REQUEST_WAIT)


def _text(root: ET.Element, path: str) -> str:
    node = root.find(path)
    if node is None or not (node.text or "").strip():
        raise ProviderError(f"wireserver goal state has no {path}")
    return (node.text or "").strip()


def health_document(incarnation: str, container: str, instance: str, reason: str | None) -> str:
    if reason is None:
        health = "<State>Ready</State>"
    else:
        health = (
            "<State>NotReady</State><Details><SubStatus>ProvisioningFailed</SubStatus>"
            f"<Description>{escape(reason[:MAX_REASON])}</Description></Details>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Health xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        f"<GoalStateIncarnation>{escape(incarnation)}</GoalStateIncarnation>"
        f"<Container><ContainerId>{escape(container)}</ContainerId><RoleInstanceList><Role>"
        f"<InstanceId>{escape(instance)}</InstanceId><Health>{health}</Health>"
        "</Role></RoleInstanceList></Container></Health>\n"
    )


def report(ctx: ProviderContext, reason: str | None) -> None:
    """Report Ready (``reason`` None) or a provisioning failure."""
    base = f"http://{_dhcp.option_245() or DEFAULT_ADDRESS}"
    versions = _get(ctx, f"{base}/?comp=versions").decode("utf-8", "replace")
    if VERSION not in versions:
        raise ProviderError(f"wireserver does not support protocol version {VERSION}")
    try:
        goal = ET.fromstring(_get(ctx, f"{base}/machine/?comp=goalstate"))
    except ET.ParseError as exc:
        raise ProviderError(f"wireserver goal state is not XML: {exc}") from None
    doc = health_document(
        _text(goal, "Incarnation"),
        _text(goal, "Container/ContainerId"),
        _text(goal, "Container/RoleInstanceList/RoleInstance/InstanceId"),
        reason,
    )
    _imds.fetch(
        ctx,
        f"{base}/machine/?comp=health",
        method="POST",
        body=doc.encode(),
        headers={**HEADERS, "Content-Type": "text/xml; charset=utf-8"},
        total_timeout=REQUEST_WAIT,
    )
    ctx.log.info(f"reported {'Ready' if reason is None else 'provisioning failure'} to Azure")
