"""Perceptrons vs sigmoid neurons: why backpropagation needs smooth activations.

What it teaches: a perceptron fires 1 when w.x + b > 0 and 0 otherwise - a step. Its slope is
0 everywhere (and undefined at the jump), so the chain rule multiplies every gradient that
passes through it by 0. A multilayer perceptron built from steps therefore gets *exactly zero*
gradient for every weight and cannot learn by backpropagation. Swap the step for a sigmoid,
1 / (1 + exp(-z)), a smoothed step with a slope everywhere, and the same network, started from
the same weights, learns.

The step is written as (sign(z) + 1) / 2, so autograd records it like any other op: sign's
backward returns zeros, as PyTorch's does. Nothing is detached; the zeros are the calculus.

What to watch: "max |grad|" - exactly 0.0 for the step network on every step, so its accuracy
never moves - and the sigmoid network's accuracy climbing from chance to above 90%. The data
are points in a square, labelled 1 inside a circle: no single line separates them, so the
hidden layer has real work to do.

Run:  python examples/perceptron_vs_sigmoid.py [--quick] [--epochs N] [--out DIR]   (pictures: out/)
"""

from __future__ import annotations

import _common

import tinygrad_nn as torch
from tinygrad_nn import nn, viz


class Step(nn.Module):
    """The perceptron's activation: 1 where z > 0, else 0 (one half exactly at 0)."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return (torch.sign(z) + 1) / 2


def make_net(activation: type[nn.Module]) -> nn.Sequential:
    """2 inputs -> 16 hidden neurons -> 1 output neuron, `activation` after both layers."""
    return nn.Sequential(nn.Linear(2, 16), activation(), nn.Linear(16, 1), activation())


def make_circle(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`n` points uniform in [-1, 1]^2; target 1.0 inside the circle of radius 0.7."""
    x = 2 * torch.rand(n, 2) - 1
    y = ((x**2).sum(dim=1, keepdim=True) < 0.49).float()
    return x, y


def train(net: nn.Module, x, y, steps: int, name: str) -> dict:
    """Full-batch gradient descent on squared error; records the largest gradient per step."""
    optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
    max_grads, accuracies = [], []
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        out = net(x)
        loss = ((out - y) ** 2).mean()
        loss.backward()
        max_grads.append(max(p.grad.abs().max().item() for p in net.parameters()))
        accuracies.append(((out > 0.5).float() == y).float().mean().item())
        optimizer.step()
        if step % 100 == 0 or step == steps:
            print(
                f"{name:8s} step {step:4d}  loss {loss.item():.4f}  "
                f"max |grad| {max_grads[-1]:.2e}  accuracy {accuracies[-1]:.3f}"
            )
    return {"max_grads": max_grads, "accuracy": accuracies}


def main(argv=None) -> dict:
    """Train the step net and the sigmoid net from the same weights; return both records."""
    args = _common.parse_args(__doc__, epochs=400, quick_epochs=150, argv=argv)
    torch.manual_seed(args.seed)
    x, y = make_circle(400)
    step_net = make_net(Step)
    sigmoid_net = make_net(nn.Sigmoid)
    sigmoid_net.load_state_dict(step_net.state_dict())  # the same starting weights

    results = {
        "step": train(step_net, x, y, args.epochs, "step"),
        "sigmoid": train(sigmoid_net, x, y, args.epochs, "sigmoid"),
    }
    for name, record in results.items():
        print(
            f"{name:8s} largest gradient seen {max(record['max_grads']):.2e}; "
            f"accuracy {record['accuracy'][0]:.3f} -> {record['accuracy'][-1]:.3f}"
        )

    # A point the step net gets wrong, through each net, drawn with every gradient of the
    # backward pass: in the step net a nonzero gradient reaches the Sign node, zeros leave it.
    with torch.no_grad():
        i = int((((step_net(x) > 0.5).float() != y).float()).argmax())
    for name, net in (("step", step_net), ("sigmoid", sigmoid_net)):
        net.zero_grad()
        with viz.record():
            loss = ((net(x[i : i + 1]) - y[i : i + 1]) ** 2).mean()
            loss.backward()
        path = args.out / f"perceptron_{name}.svg"
        results[name]["svg"] = _common.save_graph(
            loss, path, params=dict(net.named_parameters()), show_grads=True
        )
    return results


if __name__ == "__main__":
    main()
