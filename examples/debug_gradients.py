"""debug_gradients: five tools that say *where* a gradient goes wrong.

What it teaches, on a small network with a hand-written activation:

1. `autograd.check_graph` tests the nodes of a graph against finite differences and names
   the op - and the line of this file - whose backward is wrong. Our own Functions are
   checked in any graph; pass a function that builds the graph to check every node.
2. `autograd.retain_grads` keeps `.grad` on every intermediate tensor, and `autograd.compare`
   checks a hand-derived gradient against it (exact? allclose? worst index?).
3. `autograd.trace_backward` prints the chain rule as it runs: one node at a time, the local
   rule, the gradients in and out, broadcasts summed back, and contributions added up.
4. `autograd.detect_anomaly` stops at the first NaN gradient and names where the NaN began -
   here the `where` trap, with its fix.
5. The in-place error names the line that saved a tensor and the line that changed it.

What to watch: each section's printout points at a line number in this file.

Run:  python examples/debug_gradients.py   (`--quick` is accepted; it is quick already)
"""

from __future__ import annotations

import argparse

import _common  # noqa: F401  (finds the package when run from a clone)
import numpy as np

import tinygrad_nn as torch
from tinygrad_nn import autograd, nn


class SoftSign(autograd.Function):
    """y = x / (1 + |x|).   dL/dx = g / (1 + |x|)^2."""  # trace_backward prints this rule

    fixed = False  # flip to True to repair the backward below

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + x.abs())

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        power = 2 if SoftSign.fixed else 1  # the bug: the square is missing
        return grad / (1 + x.abs()) ** power


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 1)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(SoftSign.apply(h))  # the custom activation


def section(title: str) -> None:
    print(f"\n=== {title} ===")


def main(argv=None) -> dict:
    """Run the five tools in turn; return what each found (the test reads it)."""
    # The other examples' flags, so one command line runs them all; it is quick already.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="accepted")
    parser.add_argument("--epochs", type=int, help="accepted; nothing is trained")
    parser.add_argument("--out", help="accepted; nothing is written")
    parser.add_argument("--seed", type=int, default=0, help="seed for the weights and data")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    net, x = Net(), torch.randn(5, 4)
    found = {}

    section("1. check_graph: which node is wrong?")
    SoftSign.fixed = False
    found["broken"] = autograd.check_graph(net(x).pow(2).mean())  # a graph built as usual
    print(found["broken"])
    SoftSign.fixed = True
    found["fixed"] = autograd.check_graph(lambda: net(x).pow(2).mean())  # every node checked
    print(found["fixed"])

    section("2. retain_grads + compare: a hand-derived dL/dh")
    with autograd.retain_grads():
        h = net.fc1(x)
        s = SoftSign.apply(h)
        out = net.fc2(s)
        loss = out.pow(2).mean()
    loss.backward()
    d_out = 2 * out.detach().numpy() / out.numel()  # d mean(out^2) / d out
    d_s = d_out @ net.fc2.weight.detach().numpy()  # back through the linear layer
    d_h = d_s / (1 + np.abs(h.detach().numpy())) ** 2  # back through softsign
    found["compare"] = autograd.compare(d_h, h.grad, name="dL/dh")
    autograd.compare(d_s, s.grad, name="dL/ds")

    section("3. trace_backward: the chain rule, node by node")
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = torch.tensor([10.0, 20.0], requires_grad=True)
    with autograd.trace_backward() as trace:
        (a * b + a).sum().backward()
    print(trace)
    total = sum(trace.contributions(a))
    print("a.grad == sum of its contributions:", np.array_equal(total, a.grad.numpy()))
    found["trace"] = trace

    section("4. detect_anomaly: where did the NaN begin?")
    z = torch.tensor([-1.0, 4.0], requires_grad=True)
    with autograd.detect_anomaly():
        root = torch.where(z > 0, z.sqrt(), z)  # sqrt(-1) is computed, then discarded
        try:
            root.sum().backward()
        except RuntimeError as error:
            found["anomaly"] = str(error)
            print(str(error).split("Traceback")[0].strip())
        safe = torch.where(z > 0, z, 1.0)  # the fix: the discarded branch sees a safe value
        torch.where(z > 0, safe.sqrt(), z).sum().backward()
    print("with the double where, z.grad =", z.grad)

    section("5. in-place: which line saved the tensor, which line changed it?")
    w = torch.randn(3, requires_grad=True)
    with autograd.record_graph():
        sig = w.sigmoid()  # sigmoid saves its output for backward
        sig.mul_(2)  # ... and this changes it in place
    try:
        sig.sum().backward()
    except RuntimeError as error:
        found["inplace"] = str(error)
        print("\n".join(str(error).splitlines()[1:]))  # PyTorch's message is the first line
    return found


if __name__ == "__main__":
    main()
