"""Draw one training step of the 2-3-2 network, with every value and every gradient.

What it teaches: what autograd records for `loss = loss_fn(model(x), y)`, and what backward
then computes. The network is `nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))`, the
batch is two people (standardised height and weight) and the loss is cross-entropy.

The drawing (out/graph.svg) reads top to bottom in the order of the forward pass: parameters in
light blue, the batch `x` in white (an input that needs no gradient), one grey box per op with
its PyTorch `grad_fn` name, the loss in green, and one frame per module. Each box shows `data`
(the forward value) and `grad` (dL/d that value, what backward computed). Backward runs the
arrows in reverse.

What to watch:
  - the dashed blue arrows: a bias is added to every row of the batch (broadcast), so its
    gradient is the *sum* over the batch of the gradients below it: "sum over (0,)";
  - ReLU: wherever its `data` is 0, the `grad` that reaches the Linear below it is 0 too;
  - the summary printed before and after `backward()`: the arrays kept for backward are freed
    by it (that is why a second backward needs `retain_graph=True`, and why evaluation runs
    under `no_grad`, which records nothing at all).

Run:  python examples/draw_graph.py [--out out/graph.svg | --out DIR]    (the SVG needs `dot`)
The README's picture is this drawing: `python examples/draw_graph.py --out examples/graph.svg`.
It also writes out/backward.html (`--page`), the same step in `viz.explore`: open it in a
browser and press "next step" to watch backward run one node at a time.
(`--quick` is accepted like in the other examples; one step is quick already.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import _common  # noqa: F401  (puts the package on sys.path when run from a clone)

import tinygrad_nn as torch
from tinygrad_nn import nn, viz


def main(argv=None) -> str:
    """Run one SGD step of the 2-3-2 network, draw it, and return the path of the drawing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        default="out/graph.svg",
        help="SVG file, or a directory for graph.svg (default: %(default)s)",
    )
    parser.add_argument(
        "--page",
        help="where viz.explore writes its page (default: "
        "backward.html next to the drawing, or out/backward.html)",
    )
    # The other examples' flags, so one command line runs them all: one step is quick already.
    parser.add_argument("--quick", action="store_true", help="accepted; one step is quick")
    parser.add_argument("--epochs", type=int, help="accepted; the drawing is of one step")
    parser.add_argument("--seed", type=int, default=0, help="seed for the initial weights")
    args = parser.parse_args(argv)
    if Path(args.out).is_dir():
        args.out = str(Path(args.out) / "graph.svg")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if args.page is None:  # not into examples/ when regenerating the committed graph.svg
        folder = Path(args.out).parent
        args.page = str(Path("out" if folder.name == "examples" else folder) / "backward.html")

    torch.manual_seed(args.seed)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    x = torch.tensor([[0.8, -0.4], [-1.2, 0.9]])  # two people: height, weight (standardised)
    y = torch.tensor([0, 1])  # 0 = overweight, 1 = underweight
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    params = dict(model.named_parameters())

    optimizer.zero_grad()
    with viz.record():  # note intermediate values, gradients and modules for the drawing
        loss = loss_fn(model(x), y)
        viz.print_graph(loss, params=params)
        print(viz.graph_summary(loss, params=params), end="\n\n")
        page = viz.explore(loss, params=params, names={x: "x"}, path=args.page)  # no .grad change
        loss.backward()
    print("after backward:", repr(viz.graph_summary(loss)), end="\n\n")

    dot = viz.draw_graph(
        loss,
        params=params,
        names={loss: "loss", x: "x"},
        show_values=True,
        show_grads=True,
        group_by_module=model,
    )
    try:
        path = viz.render(dot, args.out)
    except viz.GraphvizNotFoundError as error:
        path = args.out + ".gv"
        with open(path, "w") as f:
            f.write(dot.source)
        print(f"{error}\nWrote the DOT source to {path} instead.")

    optimizer.step()
    with torch.no_grad():
        after = loss_fn(model(x), y).item()
    print(
        f"loss {loss.item():.4f} -> {after:.4f} after one SGD step; drawing: {path}; "
        f"step through backward: {page.path}"
    )
    return path


if __name__ == "__main__":
    main()
