"""Keep the guide honest: run its code, redraw its pictures, re-aim its source links.

    python docs/build.py            # run every chapter, write docs/img/*.svg, fix #L anchors
    python docs/build.py --check    # change nothing; exit 1 if an anchor is out of date

Conventions the chapters follow (tests/test_docs.py checks them):

- The ```python blocks of one chapter run in order in one namespace, as a reader would run them.
- A picture `![...](img/NAME.svg)` after a block is the drawing held in that block's variable
  `dot` (a `viz.draw_graph` result); this script renders it.
- A source link is written [`text`](../tinygrad_nn/FILE.py#LN): line N must be where `text`
  is defined (`def`/`class`, following dots: `Mul.backward` is the `backward` inside
  `class Mul`) or, for other text, the first line containing it. Code moves; this script
  moves the anchors with it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
IMAGE = re.compile(r"!\[[^\]]*\]\((img/[\w.-]+\.svg)\)")
LINK = re.compile(r"\[`([^`]+)`\]\((\.\./[\w/.-]+\.py)#L(\d+)\)")
IDENT = re.compile(r"[A-Za-z_]\w*")


def chapters() -> list[Path]:
    """The guide's Markdown files, in reading order (their names start with a number)."""
    return sorted(DOCS.glob("[0-9][0-9]_*.md"))


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """`(code, images)` per python block: `images` are the pictures before the next block."""
    found = list(BLOCK.finditer(text))
    result = []
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        result.append((match.group(1), IMAGE.findall(text, match.end(), end)))
    return result


def run_chapter(path: Path, render_to: Path | None = None) -> dict:
    """Exec the chapter's blocks in one namespace; render its pictures into `render_to`."""
    namespace: dict = {"__name__": f"docs_{path.stem}"}
    for n, (code, images) in enumerate(blocks(path.read_text()), 1):
        exec(compile(code, f"{path.name} block {n}", "exec"), namespace)
        for image in images:
            if "dot" not in namespace:
                raise RuntimeError(f"{path.name} block {n}: {image} follows a block with no `dot`")
            if render_to is not None:
                (render_to / image).write_bytes(namespace["dot"].pipe(format="svg"))
                print(f"wrote {render_to / image}")
            del namespace["dot"]  # each picture needs its own drawing
    return namespace


def find_line(source: list[str], text: str) -> int | None:
    """The 1-based line a link with `text` should point at (see the module docstring)."""
    parts = text.split(".")
    if all(IDENT.fullmatch(p) for p in parts):
        start = 0
        for part in parts:
            pattern = re.compile(rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(part)}\b")
            line = next((i for i in range(start, len(source)) if pattern.match(source[i])), None)
            if line is None:
                break
            start = line
        else:
            return start + 1
    return next((i + 1 for i, line in enumerate(source) if text in line), None)


def check_links(path: Path, fix: bool) -> list[str]:
    """Problems with the chapter's source links; with `fix`, rewrite stale anchors in place."""
    text, problems = path.read_text(), []

    def repair(match: re.Match) -> str:
        label, target, line = match.group(1), match.group(2), int(match.group(3))
        file = (path.parent / target).resolve()
        if not file.is_file():
            problems.append(f"{path.name}: {target} does not exist")
            return match.group(0)
        found = find_line(file.read_text().splitlines(), label)
        if found is None:
            problems.append(f"{path.name}: `{label}` not found in {target}")
        elif found != line:
            problems.append(f"{path.name}: `{label}` is at {target}#L{found}, not #L{line}")
            return f"[`{label}`]({target}#L{found})" if fix else match.group(0)
        return match.group(0)

    new = LINK.sub(repair, text)
    if fix and new != text:
        path.write_text(new)
    return problems


def main(argv=None) -> int:
    """Render every picture and fix every anchor (or, with --check, only report)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale anchors only")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    problems = []
    for path in chapters():
        problems += check_links(path, fix=not args.check)
        if not args.check:
            (DOCS / "img").mkdir(exist_ok=True)
            run_chapter(path, render_to=DOCS)
    for problem in problems:
        print(problem)
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
