"""TranslationSet: where every output value came from.

Both dialects record, for each output JSON path, the YAML path it was made from. A
diagnostic found on the output (by the config core's validator) is mapped back through the set
and then located in the YAML. Generated structure (a mount unit made from a filesystem entry)
points at the one YAML node it came from.
"""

from __future__ import annotations

from collections.abc import Iterator

from ignition.config.report import Path, dotted
from ignition.util.record import field, record


def snake(name: str) -> str:
    """``sizeMiB`` -> ``size_mib``, ``httpHeaders`` -> ``http_headers``."""
    name = name.replace("MiB", "Mib")
    out = []
    for ch in name:
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out)


@record(frozen=False)
class TranslationSet:
    entries: dict[Path, Path] = field(default_factory=dict)  # output path -> source path

    def add(self, to: Path, frm: Path) -> None:
        self.entries[to] = frm

    def add_tree(self, to: Path, value: object, frm: Path) -> None:
        """Everything under ``to`` (a generated value) comes from ``frm``."""
        self.entries[to] = frm
        if isinstance(value, dict):
            for k, v in value.items():
                self.add_tree((*to, k), v, frm)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.add_tree((*to, i), v, frm)

    def source(self, to: Path) -> Path:
        """The source of ``to``: exact, else its nearest mapped ancestor plus the rest of
        the path in YAML spelling (the reference's camel-to-snake fallback)."""
        hit = self.entries.get(to)
        if hit is not None:
            return hit
        for n in range(len(to) - 1, -1, -1):
            base = self.entries.get(to[:n])
            if base is not None:
                rest = tuple(snake(p) if isinstance(p, str) else p for p in to[n:])
                return base + rest
        return tuple(snake(p) if isinstance(p, str) else p for p in to)

    def move(self, old: Path, new: Path) -> None:
        """Re-root the entries under ``old`` (an output entry moved by a merge)."""
        n = len(old)
        moved = {(*new, *k[n:]): v for k, v in self.entries.items() if k[:n] == old}
        for k in [k for k in self.entries if k[:n] == old]:
            del self.entries[k]
        self.entries.update(moved)

    def __iter__(self) -> Iterator[tuple[Path, Path]]:
        return iter(self.entries.items())

    def debug_text(self) -> str:
        """The reference's ``-D`` dump: one ``yaml → json`` line per entry, sorted."""
        lines = sorted(f"{dotted(f)} → {dotted(t)}" for t, f in self.entries.items())
        return "TranslationSet: yaml → json\n" + "".join(line + "\n" for line in lines)
