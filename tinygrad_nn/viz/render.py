"""Writing a drawing to a file, with a clear message when Graphviz's `dot` is missing.

Building a `graphviz.Digraph` is pure Python; turning it into SVG/PNG/PDF runs the `dot`
program, which is installed separately from the `graphviz` Python package.
"""

from __future__ import annotations

import os

INSTALL_HINT = (
    "Graphviz's `dot` program was not found: install it with `apt-get install graphviz` / "
    "`brew install graphviz` / `conda install graphviz` (the `graphviz` Python package alone "
    "cannot render). The graph's DOT text is still available as `graph.source`."
)


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's `dot` program, and it is not on the PATH."""


def render(graph, path, format: str = "svg") -> str:
    """Render `graph` (from `draw_graph`) to `path`, e.g. "graph.svg"; returns the file's path.

    Args:
        graph: a `graphviz.Digraph`.
        path: the output file. A suffix equal to `format` ("graph.svg") is not doubled.
        format: "svg", "png", "pdf" or any other format `dot` knows.

    Raises:
        GraphvizNotFoundError: if the `dot` program is not installed.
    """
    import graphviz  # imported here, so `import tinygrad_nn` never needs it

    path = os.fspath(path)
    stem = path[: -len(format) - 1] if path.endswith("." + format) else path
    try:
        return graph.render(outfile=stem + "." + format, format=format, cleanup=True)
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizNotFoundError(INSTALL_HINT) from exc


def pipe(graph, format: str = "svg") -> bytes:
    """The rendered bytes of `graph` (e.g. SVG text), without touching the file system.

    Raises:
        GraphvizNotFoundError: if the `dot` program is not installed.
    """
    import graphviz

    try:
        return graph.pipe(format=format)
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizNotFoundError(INSTALL_HINT) from exc
