"""What parsing a config gives back: the typed config, or why there is none, and one report.

Apart from :mod:`ignition.config.parse` so that the spec 1/2.x translation
(:mod:`ignition.config.legacy`) can fill a result without importing the 3.x pipeline.
"""

from __future__ import annotations

from ignition.config.report import Report
from ignition.util.record import field, record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from ignition.config import jsondoc, model

EMPTY = "not a config (empty)"
BAD_VERSION = "invalid config version (couldn't parse)"
UNSUPPORTED = "unsupported config version"


@record(frozen=False)
class ParseResult:
    """``config`` is None when the input was refused: then either ``failure`` says why (no
    report possible, as the reference's "couldn't parse config: ...") or the report has errors."""

    config: model.Config | None
    report: Report = field(default_factory=Report)
    version: str | None = None  # the spec version the user wrote
    failure: str | None = None
    document: jsondoc.Document | None = None  # for positions; its value is released

    @property
    def ok(self) -> bool:
        return self.config is not None
