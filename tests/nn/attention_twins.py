"""Twin runs for layers with several inputs and tuple outputs (attention, transformers).

`run_twins(build, inputs, call, masks)` builds the layer in both libraries with PyTorch's
weights, calls both on the same inputs and masks, backpropagates one random upstream gradient
per output, and compares outputs, every input gradient and every parameter gradient at the
float32/float64 tolerances (atol scaled by the largest value, see `twins.py`).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.nn.twins import assert_close_scaled

torch = pytest.importorskip("torch")


def lib_tensor(lib, a: np.ndarray, dtype, requires_grad: bool = False):
    """`a` as a tensor of `lib`; floating arrays are cast to `dtype` (np.float32/np.float64)."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        a = a.astype(dtype)
    t = lib.from_numpy(np.array(a, copy=True))
    return t.requires_grad_(requires_grad) if a.dtype.kind == "f" else t


def build_pair(build, dtype, train: bool = False):
    """(ours, theirs): theirs built by torch, ours loaded from its state_dict through NumPy."""
    theirs = build(torch).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = build(tg)
    ours = ours.double() if dtype == np.float64 else ours
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return (ours.train(), theirs.train()) if train else (ours.eval(), theirs.eval())


def _as_tuple(out):
    return tuple(o for o in out if o is not None) if isinstance(out, tuple) else (out,)


def compare_runs(ours, theirs, inputs, call, masks=None, dtype=np.float32, seed=0):
    """Run both layers on `inputs` (+ `masks` as keyword arguments) and compare everything."""
    masks = masks or {}
    ours_in = [lib_tensor(tg, x, dtype, True) for x in inputs]
    theirs_in = [lib_tensor(torch, x, dtype, True) for x in inputs]
    tg.manual_seed(seed)  # the same dropout noise on both sides in training mode
    ours_out = _as_tuple(call(ours, *ours_in, **{k: _mask(tg, m, dtype) for k, m in masks.items()}))
    torch.manual_seed(seed)
    theirs_out = _as_tuple(
        call(theirs, *theirs_in, **{k: _mask(torch, m, dtype) for k, m in masks.items()})
    )
    assert len(ours_out) == len(theirs_out)
    rng = np.random.default_rng(seed)
    ours_loss, theirs_loss = 0, 0
    for i, (a, b) in enumerate(zip(ours_out, theirs_out)):
        assert a.dtype == getattr(tg, str(b.dtype).removeprefix("torch.")), "output dtype"
        assert_close_scaled(a.detach().numpy(), b.detach().numpy(), f"output {i}")
        g = rng.standard_normal(tuple(b.shape)).astype(dtype)
        ours_loss = ours_loss + (a * tg.from_numpy(g)).sum()
        theirs_loss = theirs_loss + (b * torch.from_numpy(g)).sum()
    ours_loss.backward()
    theirs_loss.backward()
    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        assert_close_scaled(a.grad.numpy(), b.grad.numpy(), f"input {i} grad")
    theirs_params = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(theirs_params)
    for name, p in ours.named_parameters():
        assert_close_scaled(p.grad.numpy(), theirs_params[name].grad.numpy(), f"{name}.grad")
    return ours_out, theirs_out


def _mask(lib, m, dtype):
    """A mask array as `lib`'s tensor (float masks in the run's dtype); other values as is."""
    return lib_tensor(lib, m, dtype) if isinstance(m, np.ndarray) else m


def run_twins(build, inputs, call=None, masks=None, dtype=np.float32, train=False, seed=0):
    """Build both layers (eval mode unless `train`) and compare one forward/backward."""
    ours, theirs = build_pair(build, dtype, train)
    call = call or (lambda layer, *xs, **kw: layer(*xs, **kw))
    return compare_runs(ours, theirs, inputs, call, masks, dtype, seed)


def same_init(build, seed: int = 0) -> list[str]:
    """Names of state_dict entries that differ when both libraries build after manual_seed."""
    torch.manual_seed(seed)
    theirs = build(torch).state_dict()
    tg.manual_seed(seed)
    ours = build(tg).state_dict()
    assert list(ours) == list(theirs), "state_dict keys differ"
    return [k for k in theirs if not np.array_equal(ours[k].numpy(), theirs[k].numpy())]
