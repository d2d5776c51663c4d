"""User-data size limits per platform, for ``ignition-validate --platform ID``.

A config larger than what the platform accepts is refused when the instance is created (or
silently cut), which users discover only at boot. Sizes are what each cloud's API documents for
user/custom data (external facts, not verified here). ``encoded`` marks limits that apply to the
base64 text the API carries. These are advice for the author; what the engine itself accepts
from a metadata service is bounded by the fetcher (``ignition.fetch.limits``, docs/limits.md).
"""

from __future__ import annotations

import base64
import gzip

from ignition.util.record import record


@record
class Limit:
    size: int
    encoded: bool = False  # the limit counts base64 characters
    what: str = "user data"


LIMITS: dict[str, Limit] = {
    "aws": Limit(16 * 1024),
    "akamai": Limit(16 * 1024, encoded=True),
    "aliyun": Limit(32 * 1024, encoded=True),
    "azure": Limit(64 * 1024, encoded=True, what="custom data / user data"),
    "azurestack": Limit(64 * 1024, encoded=True, what="custom data"),
    "digitalocean": Limit(64 * 1024),
    "exoscale": Limit(32 * 1024, encoded=True),
    "gcp": Limit(256 * 1024, what="metadata value"),
    "hetzner": Limit(32 * 1024),
    "openstack": Limit(65535, encoded=True),
    "brightbox": Limit(16 * 1024, encoded=True),
    "oraclecloud": Limit(32 * 1024, encoded=True),
    "vultr": Limit(64 * 1024, encoded=True),
}


def size_on_wire(data: bytes, limit: Limit) -> int:
    return len(base64.b64encode(data)) if limit.encoded else len(data)


def check(platform: str, data: bytes) -> str | None:
    """A warning with the fix when ``data`` exceeds ``platform``'s limit, else None."""
    limit = LIMITS.get(platform)
    if limit is None:
        return None
    size = size_on_wire(data, limit)
    if size <= limit.size:
        return None
    unit = "base64 characters" if limit.encoded else "bytes"
    packed = size_on_wire(gzip.compress(data, 9), limit)
    gz = (
        f"gzip it (gzip -9: {packed} {unit}, which fits; pyignition and Flatcar's Ignition "
        "decompress gzip user data, upstream Ignition does not)"
        if packed <= limit.size
        else f"gzip is not enough ({packed} {unit})"
    )
    return (
        f"config is {size} {unit} but {platform} accepts at most {limit.size} {unit} of "
        f"{limit.what}: {gz}; or host the config and pass a small one that points at it "
        'with "ignition": {"config": {"replace": {"source": "<url>"}}}'
    )
