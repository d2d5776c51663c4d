"""The Markdown files of the repository link only to what the repository holds.

Every relative link (``[text](path#anchor)``, images, reference definitions) must name a file
or directory inside the repository, and an anchor must name a heading of the linked page.
Mentions of Markdown pages in the text (``docs/limits.md``, also in code spans) must name a
page that exists, and nothing may point outside the repository: no ``../`` path that leaves
it, no absolute link, and no section citation (``§``) of a document a reader does not have.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRUNE = {"build", "dist", "node_modules", "__pycache__"}

FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.M)
HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)
MD_MENTION = re.compile(r"(?<![\w/.-])((?:\.{1,2}/)*[\w.-]+(?:/[\w.-]+)*\.md)(?![\w/-])")
# a document or source file reached with ../ (a path such as ../../etc/x.service in an example
# of hostile input is not a reference)
PARENT_PATH = re.compile(
    r"(?<![\w.-])((?:\.\./)+[\w.-][\w./-]*\.(?:md|rst|txt|html|pdf|py|sh|json|ya?ml|toml))\b"
)
# the reference material the project was built from lives beside the checkout, not in it
OUTSIDE_NAMES = re.compile(r"(?:\.\./)+shared\b|\bshared/(?:spec|conformance)\b")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def markdown_files() -> list[Path]:
    found = []
    for here, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in PRUNE and not d.endswith(".egg-info")
        )
        found += [Path(here, f) for f in sorted(files) if f.endswith(".md")]
    return found


def without_code(text: str) -> str:
    """The text with fenced blocks and code spans blanked (their links are not links)."""
    text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = text.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for m in HEADING.finditer(FENCE.sub("", text)):
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def has_anchor(page: Path, fragment: str) -> bool:
    return unquote(fragment) in anchors(page.read_text(encoding="utf-8"))


def inside(path: Path) -> bool:
    return path == ROOT or ROOT in path.parents


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def link_problems(page: Path, text: str) -> list[str]:
    prose = without_code(text)
    rel = page.relative_to(ROOT)
    problems = []
    targets = [(m.start(), m.group(1)) for m in INLINE_LINK.finditer(prose)]
    targets += [(m.start(), m.group(1)) for m in REFERENCE_DEF.finditer(prose)]
    for pos, target in targets:
        where = f"{rel}:{line_of(text, pos)}: link {target!r}"
        if not target or SCHEME.match(target):
            continue
        path_part, _, fragment = target.partition("#")
        if path_part.startswith("/"):
            problems.append(f"{where}: absolute path (use a path relative to the page)")
            continue
        if not path_part:  # an anchor on this page
            if unquote(fragment) not in anchors(text):
                problems.append(f"{where}: no heading with anchor #{fragment} on this page")
            continue
        dest = (page.parent / unquote(path_part)).resolve()
        if not inside(dest):
            problems.append(f"{where}: leads outside the repository")
        elif not dest.exists():
            problems.append(f"{where}: no such file")
        elif fragment and dest.suffix == ".md" and not has_anchor(dest, fragment):
            problems.append(f"{where}: no heading with anchor #{fragment} in {dest.name}")
    return problems


def mention_problems(page: Path, text: str) -> list[str]:
    rel = page.relative_to(ROOT)
    problems = []
    for m in MD_MENTION.finditer(text):
        name = m.group(1)
        candidates = [(page.parent / name).resolve(), (ROOT / name).resolve()]
        if not any(inside(c) and c.is_file() for c in candidates):
            where = f"{rel}:{line_of(text, m.start())}"
            problems.append(f"{where}: mentions {name}, which is not a page of the repository")
    for m in PARENT_PATH.finditer(text):
        if m.group(1).endswith(".md"):
            continue  # checked above
        if not inside((page.parent / m.group(1)).resolve()):
            where = f"{rel}:{line_of(text, m.start())}"
            problems.append(f"{where}: {m.group(1)} is outside the repository")
    for m in OUTSIDE_NAMES.finditer(text):
        where = f"{rel}:{line_of(text, m.start())}"
        problems.append(f"{where}: {m.group(0)!r} names a place outside the repository")
    for m in re.finditer("§", text):
        where = f"{rel}:{line_of(text, m.start())}"
        problems.append(f"{where}: a section citation (§) of a document outside the repository")
    return problems


def test_there_are_pages_to_check() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in markdown_files()}
    assert {"README.md", "docs/deviations.md", "docs/limits.md"} <= names


def page_id(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("page", markdown_files(), ids=page_id)
def test_relative_links_resolve(page: Path) -> None:
    problems = link_problems(page, page.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", markdown_files(), ids=page_id)
def test_nothing_outside_the_repository(page: Path) -> None:
    problems = mention_problems(page, page.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


UP, SECTION = "../", "\u00a7"


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("[x](missing.md)", "no such file"),
        ("[x](limits.md#no-such-heading)", "no heading with anchor"),
        ("[x](#no-such-heading)", "no heading with anchor"),
        ("[x](../../outside.md)", "leads outside the repository"),
        ("[x]: ../../outside.md", "leads outside the repository"),
        ("[x](/docs/limits.md)", "absolute path"),
        ("see `providers-elsewhere.md`", "not a page of the repository"),
        # built from parts, so that this file itself cites nothing outside the repository
        (f"from `{UP}{UP}shared/spec/x.txt`", "outside the repository"),
        (f"the corpora in `{UP}shared/conformance/`", "outside the repository"),
        (f"as in ignition.md {SECTION}5", "section citation"),
    ],
)
def test_each_check_fires(snippet: str, expected: str) -> None:
    """A page in docs/ that breaks a rule is caught (the checks cannot pass vacuously)."""
    page = ROOT / "docs" / "a-page.md"
    found = link_problems(page, snippet) + mention_problems(page, snippet)
    assert any(expected in p for p in found), found


def test_good_links_pass() -> None:
    page = ROOT / "docs" / "a-page.md"
    text = (
        "# A page\n[ok](limits.md#how-to-raise-a-limit) [self](#a-page) [web](https://x.org/y.md)"
        " `docs/limits.md` [up](../README.md)\n```\n[not a link](nowhere)\n```\n"
    )
    assert link_problems(page, text) + mention_problems(page, text) == []
