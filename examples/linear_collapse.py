"""From y = Wx + b to a deep net: why the ReLUs between the layers matter.

What it teaches: `nn.Linear` computes y = x W^T + b, nothing more. Stacking linear layers
without anything between them buys nothing: W3 (W2 (W1 x + b1) + b2) + b3 is again one linear
map, with W = W3 W2 W1 and b = W3 (W2 b1 + b2) + b3. A ReLU between the layers breaks that, and
the stack becomes a deep net that can bend.

What to watch: the residuals over a batch of inputs.
  1. one Linear layer against x @ W.T + b by hand: zero;
  2. Linear->Linear->Linear against the single collapsed layer: float32 rounding (< 1e-5),
     and the best linear fit (least squares) to the stack explains it to rounding too;
  3. Linear->ReLU->Linear->ReLU->Linear against its best linear fit: the error left is a
     sizeable fraction of the output's spread - no linear map reproduces the net.
Then both stacks are trained on y = |x1| + |x2| (a bowl, not a plane): the linear stack's loss
stops at the best plane's, the ReLU net's keeps falling.

Run:  python examples/linear_collapse.py [--quick] [--epochs N] [--out DIR]   (pictures: out/)
"""

from __future__ import annotations

import _common
import numpy as np

import tinygrad_nn as torch
from tinygrad_nn import nn


def collapse(l1: nn.Linear, l2: nn.Linear, l3: nn.Linear) -> nn.Linear:
    """One Linear layer computing exactly what l3(l2(l1(x))) computes."""
    one = nn.Linear(l1.in_features, l3.out_features)
    with torch.no_grad():
        one.weight.copy_(l3.weight @ l2.weight @ l1.weight)
        one.bias.copy_(l3.weight @ (l2.weight @ l1.bias + l2.bias) + l3.bias)
    return one


def linear_fit_errors(x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """y - (x A + c) for the least-squares A, c: how far y is from the best linear map."""
    x1 = np.hstack([x.numpy(), np.ones((len(x), 1), np.float32)])  # a column of 1s fits c
    coef, *_ = np.linalg.lstsq(x1, y.numpy(), rcond=None)
    return x1 @ coef - y.numpy()


def relative_fit_residual(x: torch.Tensor, y: torch.Tensor) -> float:
    """Root-mean-square linear-fit error over y's standard deviation: 0 means y is linear in x."""
    return float(np.sqrt(np.mean(linear_fit_errors(x, y) ** 2)) / y.numpy().std())


def fit(model: nn.Module, x, y, steps: int) -> float:
    """Full-batch Adam on mean squared error; returns the last loss."""
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()


def main(argv=None) -> dict:
    """Show the collapse numerically, then train both stacks on a bowl; return the numbers."""
    args = _common.parse_args(__doc__, epochs=600, quick_epochs=200, argv=argv)
    torch.manual_seed(args.seed)
    x = torch.randn(256, 2)

    layer = nn.Linear(2, 16)
    by_hand = (layer(x) - (x @ layer.weight.T + layer.bias)).abs().max().item()
    print(f"1. Linear(x) vs x @ W.T + b:            residual {by_hand:.1e}")

    deep = nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)
    )
    linear_stack = nn.Sequential(deep[0], deep[2], deep[4])  # the same layers, no ReLUs
    with torch.no_grad():
        collapsed = (linear_stack(x) - collapse(*linear_stack)(x)).abs().max().item()
        stack_fit = relative_fit_residual(x, linear_stack(x))
        relu_fit = relative_fit_residual(x, deep(x))
    print(f"2. three stacked Linears vs one Linear:  residual {collapsed:.1e}")
    print(f"   best linear fit to the linear stack:  relative residual {stack_fit:.1e}")
    print(f"3. best linear fit to the ReLU net:      relative residual {relu_fit:.1e}")

    target = x.abs().sum(dim=1, keepdim=True)  # y = |x1| + |x2|
    best_plane = float(np.mean(linear_fit_errors(x, target) ** 2))
    linear_loss = fit(linear_stack, x, target, args.epochs)
    torch.manual_seed(args.seed)  # fresh layers for the ReLU net
    deep = nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)
    )
    relu_loss = fit(deep, x, target, args.epochs)
    print(f"fitting y = |x1| + |x2| for {args.epochs} steps (mean squared error):")
    print(f"   linear stack {linear_loss:.4f}  (about the best plane's {best_plane:.4f})")
    print(f"   ReLU net     {relu_loss:.4f}")

    params = dict(deep.named_parameters())
    svg = _common.save_graph(deep(x[:1]), args.out / "linear_collapse.svg", params=params)
    return {
        "by_hand": by_hand,
        "collapsed": collapsed,
        "stack_fit": stack_fit,
        "relu_fit": relu_fit,
        "linear_loss": linear_loss,
        "relu_loss": relu_loss,
        "svg": svg,
    }


if __name__ == "__main__":
    main()
