"""What a translation returns: output bytes or a failure reason, and one located report."""

from __future__ import annotations

from ignition.config.report import Report
from ignition.util.record import field, record
from transpiler.translations import TranslationSet


@record(frozen=False)
class Failure:
    """Why there is no output, in the reference's wording (``reason``); ``line``/``column``
    locate errors that the reference reports as plain text (YAML errors)."""

    reason: str
    line: int | None = None
    column: int | None = None


@record(frozen=False)
class Result:
    output: bytes | None = None
    report: Report = field(default_factory=Report)
    failure: Failure | None = None
    translations: TranslationSet = field(default_factory=TranslationSet)
    hints: dict[int, str] = field(default_factory=dict)  # report entry index -> help text

    @property
    def ok(self) -> bool:
        return self.failure is None and self.output is not None
