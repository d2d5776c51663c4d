"""State shared by the Butane translation steps of one run."""

from __future__ import annotations

from typing import Any

from ignition.config.report import Path, Report
from ignition.util.record import field, record
from transpiler.butane.registry import Spec
from transpiler.localfiles import FilesDir, LocalFileError
from transpiler.shapes import Decoded
from transpiler.translations import TranslationSet


@record(frozen=False)
class Ctx:
    spec: Spec
    files: FilesDir
    decoded: Decoded
    report: Report = field(default_factory=Report)
    ts: TranslationSet = field(default_factory=TranslationSet)
    # child-config problems: report index -> help text naming the child's own path
    hints: dict[int, str] = field(default_factory=dict)
    mount_units: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)

    @property
    def auto_compress(self) -> bool:
        return not (self.spec.openshift and self.spec.openshift < 10)

    def read_local(self, rel: str, at: Path) -> bytes | None:
        try:
            return self.files.read(rel)
        except LocalFileError as exc:
            self.report.error(at, str(exc))
            return None
