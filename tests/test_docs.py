"""The guide in docs/ cannot rot: its code runs, its links aim true, its pictures exist.

Each chapter's ```python blocks run in order in one namespace (as a reader would run them);
their `assert`s are the guide's claims. Stale `#L` anchors or missing pictures are fixed with
`python docs/build.py`.
"""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _load_build():
    spec = importlib.util.spec_from_file_location("docs_build", DOCS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()
CHAPTERS = build.chapters()


def test_the_guide_has_its_chapters_in_order():
    names = [path.name for path in CHAPTERS]
    assert len(names) >= 5 and names[0].startswith("01_")
    index = (DOCS / "README.md").read_text()
    for name in names:
        assert f"]({name})" in index, f"docs/README.md does not link to {name}"


def test_blocks_are_extracted_in_order_with_their_pictures():
    text = "a\n```python\nx = 1\n```\n![p](img/a.svg)\n```python\ny = x + 1\n```\n"
    assert build.blocks(text) == [("x = 1\n", ["img/a.svg"]), ("y = x + 1\n", [])]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_chapter_code_runs(chapter):
    code = build.blocks(chapter.read_text())
    assert code, f"{chapter.name} has no python blocks"
    assert any("assert" in block for block, _ in code), f"{chapter.name} checks nothing"
    build.run_chapter(chapter)  # raises on any failing block or assert


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_source_links_point_at_what_they_name(chapter):
    problems = build.check_links(chapter, fix=False)
    assert not problems, "run `python docs/build.py` to re-aim them:\n" + "\n".join(problems)
    assert build.LINK.search(chapter.read_text()), f"{chapter.name} links to no source line"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_pictures_exist_and_are_svg(chapter):
    text = chapter.read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images, f"{chapter.name} has no picture"
    for image in images:
        path = DOCS / image
        assert path.is_file(), f"{image} is missing: run `python docs/build.py`"
        assert ET.parse(path).getroot().tag.endswith("svg")


def test_find_line_follows_class_then_method():
    source = ["class A:", "    def f(self):", "        pass", "class B:", "    def f(self):"]
    assert build.find_line(source, "B.f") == 5
    assert build.find_line(source, "A") == 1
    assert build.find_line(source, "pass") == 3
    assert build.find_line(source, "missing") is None
