"""Tensor methods PyTorch has over functions defined elsewhere: two activations of
`nn.functional` (`x.hardshrink()`, `x.prelu(weight)`) and `fix`, NumPy's name for `trunc`.

    hardshrink(lambd)   x where |x| > lambd, else 0          (nn.functional.hardshrink)
    prelu(weight)       x where x > 0, else weight * x       (nn.functional.prelu)
    fix() / fix_()      round toward zero                    (Tensor.trunc / trunc_)

The functional modules build on tensor.py, so they are imported when first called.
`attach` puts the methods on Tensor; `tinygrad_nn/__init__.py` calls it once.
"""

from __future__ import annotations


def hardshrink(self, lambd: float = 0.5):
    """x where |x| > lambd, else 0. Same semantics as `torch.Tensor.hardshrink`."""
    from .nn import functional as F

    return F.hardshrink(self, lambd)


def prelu(self, weight):
    """x where x > 0, else weight * x (weight: one value or one per channel, dim 1)."""
    from .nn import functional as F

    return F.prelu(self, weight)


def fix(self):
    """Round toward zero: NumPy's name for `trunc`; gradient 0."""
    return self.trunc()


def fix_(self):
    """self = trunc(self), in place."""
    return self.trunc_()


def fix_function(input):
    """`torch.fix(input)`: round toward zero, as `torch.trunc`."""
    from .functions import trunc

    return trunc(input)
