"""Plumbing shared by the example scripts: command line, progress bars and output files.

It lives here so each lesson shows only its network and its training loop. tqdm and matplotlib
come from the `examples` extra (`pip install -e ".[examples]"`); without them the scripts still
run, printing a plain progress line and skipping the PNG with a message.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

try:
    import tinygrad_nn  # noqa: F401
except ModuleNotFoundError:
    # Run straight from a clone, without `pip install -e .`: the package sits next to examples/.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def parse_args(doc: str, epochs: int, quick_epochs: int, argv=None) -> argparse.Namespace:
    """The options every example takes: --epochs, --quick, --out DIR and --seed.

    `--quick` sets the epochs to `quick_epochs` (an explicit --epochs wins). Pictures go to
    `--out`, by default the folder `out/` (git-ignored), created if missing.
    """
    parser = argparse.ArgumentParser(
        description=doc.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--epochs", type=int, help=f"training epochs (default {epochs})")
    parser.add_argument("--quick", action="store_true", help=f"{quick_epochs} epochs only")
    parser.add_argument(
        "--out", type=Path, default=Path("out"), help="where to write pictures (default: out/)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for data split and weights")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = quick_epochs if args.quick else epochs
    args.out.mkdir(parents=True, exist_ok=True)
    return args


class _TextBar:
    """What `progress` returns without tqdm: the same `set_postfix`, one plain line per epoch.

    On a terminal the line is redrawn after every batch; in a log it is written once, at the end.
    """

    def __init__(self, iterable, desc: str):
        self.iterable, self.desc, self.postfix = iterable, desc, {}
        self.live = sys.stderr.isatty()

    def set_postfix(self, refresh: bool = True, **values) -> None:
        """Values shown after the counter, e.g. loss and accuracy (`refresh` as in tqdm)."""
        self.postfix = values

    def _draw(self, n: int, total: int, end: str) -> None:
        done = int(20 * n / max(total, 1))
        stats = ", ".join(f"{k}={v:.4f}" for k, v in self.postfix.items())
        bar = "#" * done + "." * (20 - done)
        sys.stderr.write(f"\r{self.desc}: [{bar}] {n}/{total} {stats}{end}")
        sys.stderr.flush()

    def __iter__(self):
        total, n = len(self.iterable), 0
        for n, item in enumerate(self.iterable, 1):
            yield item
            if self.live:
                self._draw(n, total, "")
        self._draw(n, total, "\n")


def progress(iterable, desc: str):
    """A progress bar over `iterable` (tqdm's when installed), with `.set_postfix(**values)`."""
    try:
        from tqdm import tqdm
    except ImportError:
        return _TextBar(iterable, desc)
    # leave=False: the bar shows progress while the epoch runs, then makes way for the
    # caller's one-line summary of the epoch.
    return tqdm(iterable, desc=desc, leave=False, dynamic_ncols=True)


def save_curves(path: Path, history: dict[str, dict[str, list[float]]]) -> Path | None:
    """Plot per-epoch curves as a PNG: a loss panel and an accuracy panel, one colour per run.

    Args:
        path: the PNG to write.
        history: `{run: {metric: [value per epoch]}}`; metrics whose name contains "accuracy"
            share the right panel (training dashed, validation solid), the rest go left.

    Returns:
        `path`, or None when matplotlib is not installed (a message says so).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed: we only write a file
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        print(f"matplotlib is not installed: skipping {path} (pip install matplotlib)")
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for colour, (run, curves) in enumerate(history.items()):
        for metric, values in curves.items():
            ax = right if "accuracy" in metric else left
            style = "--" if "train" in metric else "-"
            epochs = range(1, len(values) + 1)
            ax.plot(epochs, values, style, color=f"C{colour}", marker=".", label=f"{run} {metric}")
    for ax, title in ((left, "loss"), (right, "accuracy")):
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")
    return path


def save_bars(path: Path, values: list[float], title: str, xlabel: str) -> Path | None:
    """A bar chart of `values` (one bar per item, numbered from 1) on a log scale, as a PNG.

    Returns `path`, or None when matplotlib is not installed (a message says so).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"matplotlib is not installed: skipping {path} (pip install matplotlib)")
        return None
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.bar(range(1, len(values) + 1), values, color="C0")
    ax.set_yscale("log")  # the lesson spans orders of magnitude
    ax.set_xticks(range(1, len(values) + 1))
    ax.set(title=title, xlabel=xlabel)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")
    return path


def save_graph(output, path: Path, params=None, **options) -> Path | None:
    """Draw the graph that produced `output` with `tinygrad_nn.viz` and write it as SVG.

    `options` go to `viz.draw_graph` (`show_values`, `show_grads`, `group_by_module`, ...).
    Returns `path`, or None when Graphviz's `dot` program is missing (a message says so).
    """
    from tinygrad_nn import viz

    graph = viz.draw_graph(output, params=params, **options)
    try:
        svg = viz.pipe(graph, format="svg")
    except viz.GraphvizNotFoundError:
        print(f"Graphviz's `dot` program is not installed: skipping {path}")
        return None
    path.write_bytes(svg)
    print(f"wrote {path}")
    return path
