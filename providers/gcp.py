"""``gcp`` (Google Compute Engine): the instance attribute ``user-data``, asked with the
``Metadata-Flavor: Google`` header the server requires; 404 is "no config" (providers.md §4.2).
Only that attribute is read, as the reference does (cloud-init also honours
``user-data-encoding``)."""

from __future__ import annotations

from typing import ClassVar

from providers._simple import UserDataProvider


class GcpProvider(UserDataProvider):
    name: ClassVar[str] = "gcp"
    url: ClassVar[str] = "http://169.254.169.254/computeMetadata/v1/instance/attributes/user-data"
    headers: ClassVar[dict[str, str]] = {"Metadata-Flavor": "Google"}
