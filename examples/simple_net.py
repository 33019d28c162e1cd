"""simple_net: a deep, narrow network that tells a handwritten 3 from a 7.

What it teaches: a binary image classifier in the classic `simple_net` shape,

    Linear(PIXEL_SIZE, 30), ReLU, then eight times (Linear(30, 30), ReLU), then Linear(30, 1)

- nine learnable layers before the output layer - trained on real handwritten digits (the 8x8
images bundled with the package, so PIXEL_SIZE = 64). The single output is a score (a logit):
above 0 means "7", below means "3". `nn.BCEWithLogitsLoss` turns it into a probability with
a sigmoid inside the loss, where it is numerically safe.

What to watch: the gradient norm of each layer after the first backward pass, printed and
plotted in out/simple_net_grad_norms.png. In a deep stack with PyTorch's default initialisation
the signal shrinks layer by layer, so the first layers get much smaller gradients than the last
ones, and the loss sits near log 2 for a few epochs before it falls. Adam divides each
parameter's step by the size of its own recent gradients, so the first layers still move at a
useful speed.

Run:  python examples/simple_net.py [--quick] [--epochs N] [--out DIR]   (pictures: out/)
"""

from __future__ import annotations

import _common

import tinygrad_nn as torch
from tinygrad_nn import nn
from tinygrad_nn.datasets import load_digits
from tinygrad_nn.utils.data import DataLoader, TensorDataset

PIXEL_SIZE = 64  # 8x8 pixels, one input neuron each


def make_simple_net() -> nn.Sequential:
    """Linear(PIXEL_SIZE, 30) + ReLU, eight (Linear(30, 30) + ReLU), one output Linear(30, 1)."""
    layers = [nn.Linear(PIXEL_SIZE, 30), nn.ReLU()]
    for _ in range(8):
        layers += [nn.Linear(30, 30), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(30, 1))


def threes_and_sevens(seed: int):
    """The 3s and 7s of the digits set, shuffled and split 80/20; target 1.0 means "7"."""
    images, labels = load_digits()
    keep = (labels == 3) | (labels == 7)
    x, y = images[keep], (labels[keep] == 7).float().unsqueeze(1)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    x, y = x[order], y[order]
    n_train = int(0.8 * len(x))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """The fraction of images on the right side of score 0."""
    with torch.no_grad():
        return ((model(x) > 0).float() == y).float().mean().item()


def main(argv=None) -> dict:
    """Train simple_net on 3s and 7s; return the gradient norms per layer and the accuracies."""
    args = _common.parse_args(__doc__, epochs=15, quick_epochs=6, argv=argv)
    torch.manual_seed(args.seed)
    (x_train, y_train), (x_valid, y_valid) = threes_and_sevens(args.seed)
    print(f"{len(x_train)} training and {len(x_valid)} validation images of 3s and 7s")

    simple_net = make_simple_net()
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(simple_net.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=16, shuffle=True)

    # One backward pass on the whole training set, to look at the gradients before training.
    loss_fn(simple_net(x_train), y_train).backward()
    linears = [m for m in simple_net if isinstance(m, nn.Linear)]
    grad_norms = [layer.weight.grad.norm().item() for layer in linears]
    for i, g in enumerate(grad_norms, 1):
        print(f"layer {i:2d} weight gradient norm {g:.2e}")
    plot = _common.save_bars(
        args.out / "simple_net_grad_norms.png",
        grad_norms,
        "weight gradient norm per layer, before training",
        "layer (1 = nearest the input)",
    )
    optimizer.zero_grad()

    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(simple_net(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        train_acc = accuracy(simple_net, x_train, y_train)
        valid_acc = accuracy(simple_net, x_valid, y_valid)
        print(
            f"epoch {epoch:2d}  loss {total / len(x_train):.4f}  "
            f"train acc {train_acc:.3f}  valid acc {valid_acc:.3f}"
        )

    params = dict(simple_net.named_parameters())
    svg = _common.save_graph(simple_net(x_valid[:1]), args.out / "simple_net.svg", params=params)
    print(f"3-or-7 validation accuracy: {valid_acc:.3f}")
    return {
        "grad_norms": grad_norms,
        "train_acc": train_acc,
        "valid_acc": valid_acc,
        "svg": svg,
        "plot": plot,
    }


if __name__ == "__main__":
    main()
