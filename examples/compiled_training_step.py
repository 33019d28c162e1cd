"""A training step compiled: the NumPy program that forward, backward and SGD become.

What it teaches: what `tinygrad_nn.compile` does, and that autograd is a program generator.
The first call of the compiled step runs eagerly while every NumPy call is recorded; the
recording becomes one straight-line Python function, which later calls run instead. Printed,
it is the 2-3-2 network's step, line by line, each line commented with the module and op that
made it:

    forward   `np.matmul(x, W1.T)` (0 Linear) ... `np.maximum(h, 0)` (1 ReLU) ... log-softmax
              and the loss: the graph autograd records, in the order it was built;
    backward  the same graph walked backwards, one chain-rule factor per line: the loss's
              dL/dlogits (softmax - one_hot) / N; `np.matmul(g, W2)` is dL/dh = g W2; the
              ReLU's `np.where(h <= 0, 0, g)` is dL/dh * relu'(h); `np.matmul(g.T, x)` is
              dL/dW1 = g^T x; `np.add.reduce(g, axis=0)` is dL/db, the sum a broadcast needs;
    update    SGD's `p -= lr * grad`, written into the parameters' own arrays; `lr` is read
              from the optimizer on every call, so a scheduler can change it.

What to watch: the losses, compiled and eager, are the same to the last bit (the program runs
the very NumPy calls eager mode ran), and the compiled step is several times faster: the
graph is not rebuilt, nodes are not created, the engine does not run.

Run:  python examples/compiled_training_step.py [--quick] [--epochs N]
"""

from __future__ import annotations

import time

import _common

import tinygrad_nn as torch
from tinygrad_nn import nn


def make_step(seed: int):
    """The 2-3-2 network (as in draw_graph.py), its SGD and data, and one training step."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(8, 2)
    y = (x[:, 0] > x[:, 1]).long()

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def time_per_step(step, n: int) -> float:
    """Milliseconds per call, after two warm-up calls (the compiled step traces in those)."""
    step()
    step()
    start = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - start) / n * 1e3


def main(argv=None) -> dict:
    """Print the generated program, check it against eager mode, time both."""
    args = _common.parse_args(__doc__, epochs=200, quick_epochs=20, argv=argv)
    eager = make_step(args.seed)
    compiled = torch.compile(make_step(args.seed))
    same = True
    for _ in range(args.epochs):
        a, b = eager(), compiled()
        same &= a.detach().numpy().tobytes() == b.detach().numpy().tobytes()
    print(torch.compiler.code(compiled))
    print("Program 1 is the first step (no .grad yet: backward creates it); program 2 every")
    print("later one (.grad exists until zero_grad). Each guard says when its program applies.")
    print(f"\ncompiled and eager losses identical for {args.epochs} steps: {same}")
    ms_eager = time_per_step(eager, args.epochs)
    ms_compiled = time_per_step(compiled, args.epochs)
    print(
        f"eager {ms_eager:.3f} ms/step, compiled {ms_compiled:.3f} ms/step "
        f"({ms_eager / ms_compiled:.1f}x faster)"
    )
    return {"same": same, "eager_ms": ms_eager, "compiled_ms": ms_compiled}


if __name__ == "__main__":
    main()
