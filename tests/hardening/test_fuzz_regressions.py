"""Programs the fuzzer (`test_fuzz.py`) found failing, shrunk and written out as plain tests.

Each test runs the same code in tinygrad_nn and in PyTorch and compares values and gradients.
The docstring names what was wrong before the fix, so the history of the core's bugs reads
from top to bottom.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn

from .fuzz_program import assert_same

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("lib", [tinygrad_nn, torch], ids=["tinygrad_nn", "torch"])


def both(fn):
    """Run `fn(lib)` with each library; return (ours, torch's) results."""
    return fn(tinygrad_nn), fn(torch)


def assert_all_same(ours, theirs, what: str = "") -> None:
    """Compare two equally nested tuples of tensors (None where both are None)."""
    for i, (o, t) in enumerate(zip(ours, theirs)):
        assert (o is None) == (t is None), f"{what}[{i}]: {o} vs torch {t}"
        if t is not None:
            assert_same(o, t, f"{what}[{i}]")


def second_derivative(lib, f, a: np.ndarray, weights: np.ndarray):
    """d/dx sum(w * d/dx sum(f(x) * u)) for fixed, non-uniform u and w."""
    x = lib.tensor(a, requires_grad=True)
    y = f(x)
    u = lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape) + 1.0
    (g,) = lib.autograd.grad((y * u).sum(), x, create_graph=True)
    (h,) = lib.autograd.grad((g * lib.tensor(weights)).sum(), x)
    return y, g, h


A34 = np.random.default_rng(0).standard_normal((3, 4))
W34 = np.random.default_rng(1).standard_normal((3, 4))


@pytest.mark.parametrize(
    "name", ["logsumexp", "std", "norm3", "norm2", "logsumexp_keepdim", "std_keepdim"]
)
def test_double_backward_of_reductions_without_keepdim(name):
    """Logsumexp, std and norm saved a keepdim-shaped *copy* of their output for backward. The
    copy was not attached to the graph, so with keepdim=False the second derivative missed the
    dependence through the output (found as norm(3, 0) of a 1-element vector: -8.88 vs 0)."""
    f = {
        "logsumexp": lambda x: x.logsumexp(1),
        "std": lambda x: x.std(1),
        "norm3": lambda x: x.norm(3, 1),
        "norm2": lambda x: x.norm(2, 1),
        "logsumexp_keepdim": lambda x: x.logsumexp(1, keepdim=True),
        "std_keepdim": lambda x: x.std(0, keepdim=True),
    }[name]
    ours, theirs = both(lambda lib: second_derivative(lib, f, A34, W34))
    assert_all_same(ours, theirs, name)


def test_norm_of_one_element_second_derivative():
    """The fuzzer's shrunk program: v5 = v1.norm(3, 0) with v1 of shape (1,)."""
    a = np.array([0.24450898312010994])
    ours, theirs = both(lambda lib: second_derivative(lib, lambda x: x.norm(3, 0), a, a))
    assert_all_same(ours, theirs, "norm(3, 0)")


@pytest.mark.parametrize(
    "op",
    ["sum", "logsumexp", "norm", "amax", "var", "softmax", "log_softmax", "cumsum", "prod",
     "mean", "flip"],
)  # fmt: skip
def test_reductions_over_dim_0_of_a_0d_tensor(op):
    """A 0-d tensor accepts dim=0 and dim=-1. normalize_dims turned that into axis (0,), which
    NumPy rejects for a 0-d array: logsumexp(-1), norm(3, -1) and log_softmax's backward
    raised ValueError where PyTorch returns the value itself. cumsum(0) also returned shape
    (1,) instead of ()."""
    f = {
        "sum": lambda x: x.sum(0),
        "logsumexp": lambda x: x.logsumexp(-1),
        "norm": lambda x: x.norm(3, -1),
        "amax": lambda x: x.amax(0),
        "var": lambda x: x.var(0, correction=0),
        "softmax": lambda x: x.softmax(0),
        "log_softmax": lambda x: x.log_softmax(-1),
        "cumsum": lambda x: x.cumsum(0),
        "prod": lambda x: x.prod(0),
        "mean": lambda x: x.mean(-1),
        "flip": lambda x: x.flip(0),
    }[op]

    def run(lib):
        x = lib.tensor(1.25, dtype=lib.float64, requires_grad=True)
        y = f(x)
        (g,) = lib.autograd.grad(y * 3.0, x, create_graph=True)
        return y, g

    ours, theirs = both(run)
    assert_all_same(ours, theirs, op)


@pytest.mark.parametrize("index_shape", [(), (1,), (3,)])
def test_gather_from_a_0d_tensor(index_shape):
    """`x.gather(0, index)` with a 0-d x raised NumPy's AxisError (a ValueError); PyTorch
    treats x as a 1-element vector. Its backward (ScatterAdd into a 0-d gradient) failed too."""

    def run(lib):
        x = lib.tensor(1.5, requires_grad=True)
        y = x.gather(0, lib.zeros(index_shape, dtype=lib.int64)) * x
        (g,) = lib.autograd.grad(y, x, lib.ones_like(y) * 3, create_graph=True)
        return y, g, lib.autograd.grad(g * g, x)[0]

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "gather")


@LIBS
def test_flatten_of_one_dim_returns_the_tensor_itself(lib):
    """`x.flatten(0, 0)` made a view, so a leaf's flatten was no longer a leaf; PyTorch returns
    the tensor itself when there is nothing to merge (found as `is_leaf differs`)."""
    x = lib.tensor(np.zeros((2, 0)), requires_grad=True)
    assert x.flatten(0, 0) is x
    assert x.flatten(-1) is x
    y = lib.ones(3)
    assert y.flatten() is y
    z = lib.tensor(2.0)
    assert z.flatten() is not z and tuple(z.flatten().shape) == (1,)


def test_backward_from_the_same_tensor_twice():
    """`autograd.backward([y, y], [g1, g2])` counted y's edges twice when counting
    dependencies, so y's inputs never became ready: x.grad stayed None. The fuzzer hit it as
    `x.contiguous()` returning x itself, so two outputs were one tensor."""

    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * 3).contiguous()
        z = y.contiguous()
        lib.autograd.backward([y, z, y * 2], [lib.ones(2), lib.tensor([1.0, -1.0]), lib.ones(2)])
        return (x.grad,)

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "x.grad")


def test_masked_fill_broadcasts_self_to_the_mask():
    """Out of place, `x.masked_fill(mask, v)` broadcasts x to the mask's shape; it raised
    RuntimeError when the mask had more dims (masked_fill_ must still refuse)."""

    def run(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        mask = lib.tensor([[[True, False, True]], [[False, False, True]]])
        y = x.masked_fill(mask, -1.0)
        (g,) = lib.autograd.grad(y, x, lib.arange(12.0).reshape(2, 2, 3))
        return y, g

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "masked_fill")
    for lib in (tinygrad_nn, torch):
        with pytest.raises(RuntimeError):
            lib.zeros(2, 3).masked_fill_(lib.ones(2, 2, 3, dtype=lib.bool), 1.0)


def test_transpose_of_a_0d_tensor():
    """`x.transpose(0, 0)` of a 0-d tensor raised IndexError (list index out of range)."""

    def run(lib):
        x = lib.tensor(1.5, requires_grad=True)
        y = x.transpose(0, -1)
        return y, lib.autograd.grad(y * 2, x)[0]

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "transpose")


@pytest.mark.parametrize(
    "code", ["lib.tensor([True, False]).abs()", "lib.tensor([1, 2]).norm()"], ids=["abs", "norm"]
)
def test_ops_torch_refuses_for_bool_or_int_input(code):
    """`bool_tensor.abs()` and `int_tensor.norm()` returned values where PyTorch raises
    RuntimeError (found as `(mask.abs() + 0.5) ** x` and `v0.norm(1, 0)` of an int64 v0)."""
    for lib in (tinygrad_nn, torch):
        with pytest.raises(RuntimeError):
            eval(code, {"lib": lib})


def test_amax_over_a_nonempty_dim_of_an_empty_tensor():
    """`amax(0)` of a (2, 0) tensor is an empty result in PyTorch; it raised RuntimeError
    because the tensor had no elements. Naming the empty dim raises IndexError."""

    def run(lib):
        x = lib.zeros(2, 0, requires_grad=True)
        y = x.amax(0) + x.amin(0, keepdim=True)
        return y, lib.autograd.grad(y, x, lib.ones(1, 0))[0]

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "amax")
    for lib in (tinygrad_nn, torch):
        with pytest.raises(IndexError, match="dim 1"):
            lib.zeros(2, 0).amax(1)
        with pytest.raises(RuntimeError, match="numel"):
            lib.zeros(2, 0).amax()


@pytest.mark.parametrize("op", ["fill_(2.0)", "zero_()", "copy_(src)", "copy_(src_grad)"])
def test_overwriting_a_tensor_in_a_graph_keeps_it_in_the_graph(op):
    """`y.fill_(v)` / `zero_()` / `copy_(src)` on a y that requires grad made y a constant
    (requires_grad False, x.grad None); PyTorch keeps y in the graph and sends x zeros. copy_
    also computed `src + y * 0`, which is nan where y is inf."""

    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        src = lib.tensor([4.0, float("inf"), -1.0])  # noqa: F841  (used by `op`)
        src_grad = lib.tensor([4.0, 5.0, 6.0], requires_grad=True)
        y = x * 2
        y[1] = float("inf")
        eval(f"y.{op}")
        assert y.requires_grad
        (y * lib.tensor([1.0, -2.0, 3.0])).sum().backward()
        return y, x.grad, src_grad.grad

    ours, theirs = both(run)
    assert_all_same(ours, theirs, op)


@pytest.mark.filterwarnings("ignore")  # nan on purpose: both libraries warn about it
@pytest.mark.parametrize(
    "code", ["x.std(0, correction=0)", "y.std(0)", "w.std(1)", "x.var(0)", "x.std(0)"]
)
def test_std_and_var_gradients_at_zero_spread(code):
    """std's gradient where all values are equal is 0 in PyTorch; it was 0/0 = nan (found as
    `(x / 2.5).std(0, correction=0)` of a 1-element x). var with n == correction raised
    ZeroDivisionError in backward instead of giving nan."""

    def run(lib):
        ns = {
            "x": lib.tensor([1.5], dtype=lib.float64, requires_grad=True),
            "y": lib.tensor([1.5, 1.5], dtype=lib.float64, requires_grad=True),
            "w": lib.tensor(
                [[1.5, 1.5, 2.0], [1.0, 1.0, 1.0]], dtype=lib.float64, requires_grad=True
            ),
        }
        v = ns[code[0]]
        out = eval(code, ns)
        (g,) = lib.autograd.grad(out.sum() * 3, v, create_graph=True)
        return out, g, lib.autograd.grad((g * g).sum(), v)[0]

    ours, theirs = both(run)
    assert_all_same(ours, theirs, code)


def test_retain_grad_follows_an_in_place_change():
    """After `y.retain_grad(); y[None] = 1`, y.grad must be the gradient of y's new value.
    It stayed registered on the old node and came out 0 (the old value was overwritten)."""

    def run(lib):
        x = lib.tensor([-0.7], requires_grad=True)
        y = x.abs()
        y.retain_grad()
        y[None] = 1.0
        (y.abs() + 0.5).rsqrt().backward(lib.tensor([0.3]))
        b = x * 2
        b.retain_grad()
        b[0:1].mul_(3)
        (b * 5).sum().backward()
        return y.grad, b.grad, x.grad

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "retained grads")


@LIBS
def test_in_place_on_an_empty_view_of_a_leaf_is_refused(lib):
    """An empty view shares no bytes with its base, so it was not marked as a view and
    `leaf.squeeze().clamp_(...)` of a (2, 3, 0) leaf was allowed."""
    x = lib.zeros((2, 3, 0), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.squeeze().clamp_(-0.5, 1.0)


@LIBS
@pytest.mark.parametrize("piece", ["y.split(2)[0]", "y.chunk(2)[1]", "y.unbind(0)[1]"])
def test_in_place_on_a_split_piece_is_refused(lib, piece):
    """split/chunk/unbind return several views of one tensor; PyTorch refuses in-place
    changes to them in a graph (tinygrad_nn allowed it), and allows them without grad."""
    x = lib.ones(4, requires_grad=True)
    y = x * 2  # noqa: F841  (used by `piece`)
    with pytest.raises(RuntimeError, match="multiple views"):
        eval(piece).mul_(2)
    with lib.no_grad():
        eval(piece).mul_(2)
    z = lib.ones(4)
    z.split(2)[0].mul_(3)
    assert z.tolist() == [3.0, 3.0, 1.0, 1.0]


def test_argmax_over_a_nonempty_dim_of_an_empty_tensor():
    """`argmax(0)` of a (1, 0) tensor is an empty int64 tensor in PyTorch; tinygrad_nn raised
    RuntimeError for any empty input. Reducing the empty dim raises IndexError in both."""
    for lib in (tinygrad_nn, torch):
        out = lib.zeros(1, 0).argmax(0)
        assert tuple(out.shape) == (0,) and str(out.dtype).endswith("int64")
        for code in ["lib.zeros(1, 0).argmax(1)", "lib.zeros(1, 0).argmin()"]:
            with pytest.raises(IndexError):
                eval(code)


@LIBS
def test_index_select_refuses_negative_and_too_large_indices(lib):
    """`x.index_select(1, tensor([-1]))` wrapped around like `x[:, -1]`; PyTorch's
    index_select takes no negative indices and raises RuntimeError."""
    x = lib.ones(1, 2, 1)
    for bad in ([-1], [2]):
        with pytest.raises(RuntimeError, match="out of DATA bounds"):
            x.index_select(1, lib.tensor(bad))


@pytest.mark.filterwarnings("ignore")  # degrees of freedom <= 0 on purpose
@pytest.mark.parametrize("code", ["x.var(0)", "y.var()", "y.var(0)", "z.var()", "z.var(0)"])
def test_var_with_no_degrees_of_freedom_second_derivative(code):
    """With n == correction, PyTorch's var gradient for a whole-tensor (or 0-d) variance is a
    constant nan/inf factor, so its second derivative is 0 (or absent); with an explicit dim
    it stays nan. tinygrad_nn gave nan for the 0-d case (found as `v1.var(0)` of a 0-d v1)."""

    def run(lib):
        ns = {
            "x": lib.tensor(1.5, dtype=lib.float64, requires_grad=True),
            "y": lib.tensor([1.5], dtype=lib.float64, requires_grad=True),
            "z": lib.tensor([[1.5, 2.0]], dtype=lib.float64, requires_grad=True),
        }
        v = ns[code[0]]
        (g,) = lib.autograd.grad(eval(code, ns).sum() * 3, v, create_graph=True)
        second = lib.autograd.grad(g.sum(), v)[0] if g.requires_grad else None
        return g, second

    ours, theirs = both(run)
    assert_all_same(ours, theirs, code)


@LIBS
@pytest.mark.parametrize(
    "code",
    ["lib.tensor([1]).add(lib.tensor([2]), alpha=-1.5)", "lib.tensor([1]).sub(2, alpha=2.0)"],
)
def test_integer_add_refuses_a_float_alpha(lib, code):
    """`int_tensor.add(int_tensor, alpha=-1.5)` computed a value; PyTorch raises."""
    with pytest.raises(RuntimeError, match="alpha"):
        eval(code)
    assert lib.tensor([1]).add(2.0, alpha=1.5).tolist() == [4.0]


def test_views_follow_an_in_place_change_of_their_base():
    """`v1 *= -0.5` left the views `v1.reshape(-1)` and `v1[1:]` with their old history: they
    showed the new values but backward went around the multiplication, giving wrong
    gradients silently. A base now re-derives its live views after an in-place change."""

    def run(lib):
        x = lib.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
        base = x.clone()
        flat, tail = base.reshape(-1), base[1:]
        base *= -0.5
        lib.autograd.backward(
            [base, flat, tail], [lib.ones(3, 1), lib.tensor([1.0, 2.0, 3.0]), lib.ones(2, 1) * 10]
        )
        return x.grad, flat, tail

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "views of a changed base")


def test_a_view_of_a_constant_joins_the_graph_when_its_base_does():
    """`b = zeros(3); v = b[0:2]; b.add_(x)`: v now depends on x in PyTorch."""

    def run(lib):
        x = lib.ones(3, requires_grad=True)
        b = lib.zeros(3)
        v = b[0:2]
        b.add_(x * 3)
        assert v.requires_grad
        (v * lib.tensor([2.0, 5.0])).sum().backward()
        return (x.grad,)

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "x.grad")


@LIBS
def test_a_0d_integer_tensor_index_is_a_view(lib):
    """`x[None][tensor(0)]` indexes like `x[None][0]` in PyTorch (a view, here of a leaf, so
    in-place is refused); it was treated as advanced indexing, which copies."""
    x = lib.tensor([[1.0, 2.0]], requires_grad=True)
    y = x[None][lib.tensor(0)]
    assert tuple(y.shape) == (1, 2)
    with pytest.raises(RuntimeError, match="view of a leaf"):
        y.mul_(2)


def test_scalar_divided_by_tensor_can_be_changed_in_place():
    """`z = 1.5 / t` saved z itself for backward, so `z.add_(v)` made backward raise; PyTorch
    saves the reciprocal (not z) and allows it."""

    def run(lib):
        v = lib.tensor(0.3, requires_grad=True)
        z = 1.5 / (v.abs() + 0.5)
        z.add_(v)
        z.mul_(3)
        z.backward()
        x = lib.tensor([0.3, -2.0, 7.0], requires_grad=True)
        (g,) = lib.autograd.grad(1.5 / x, x, lib.tensor([1.0, 2.0, 3.0]), create_graph=True)
        return v.grad, g, lib.autograd.grad(g.sum(), x)[0]

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "1.5 / x")


@pytest.mark.parametrize("later", ["v.mul_(-2)", "base[1:].mul_(2)"])
def test_saved_output_of_an_in_place_op_on_a_view_is_version_checked(later):
    """`v = base[0:1]; v.exp_()` saves exp's output, which lives in base's memory. A later
    in-place change of v (or of another view of base) must make backward raise, as in
    PyTorch; it went unnoticed because the saved output had a version counter of its own."""
    for lib in (tinygrad_nn, torch):
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        base = x.clone()
        v = base[0:1]
        v.exp_()
        eval(later)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            v.sum().backward()


@LIBS
def test_a_view_of_a_split_piece_is_as_locked_as_the_piece(lib):
    """`y.unbind(0)[0].unsqueeze(0).mul_(2)`: a view of a multi-view output may not be
    changed in place either (it was allowed)."""
    y = lib.ones(4, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="multiple views"):
        y.unbind(0)[0].unsqueeze(0).mul_(2)


@LIBS
@pytest.mark.parametrize(
    "code, refused",
    [
        ("z.add_(z[0])", True),
        ("z[1:].copy_(z[:-1])", True),
        ("z.mul_(z[1:2])", True),
        ("z.add_(z)", False),
        ("z[::2].add_(z[1::2])", False),
        ("z.sub_(z.view(2, 2)[0])", True),
        ("z.sub_(z.view(2, 2).view(4))", False),
    ],
)
def test_in_place_with_a_partially_overlapping_operand(lib, code, refused):
    """`v4.add_(v4.unbind(0)[0])` read elements it had already overwritten; PyTorch refuses
    an operand that partly overlaps the written tensor (same memory, same layout is fine)."""
    z = lib.arange(4.0)
    if refused:
        with pytest.raises(RuntimeError, match="single memory location"):
            eval(code)
        assert z.tolist() == [0.0, 1.0, 2.0, 3.0]
    else:
        eval(code)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("p", [0.5, 1.5, 2, 3, 4])
@pytest.mark.parametrize(
    "data", [[0.0], [0.0, 0.0, 0.0], [0.0, 1.5, -2.0]], ids=["0", "000", "0ab"]
)
def test_norm_second_derivative_at_zero(p, data):
    """`v4.norm(3, -1)` of a zero: PyTorch masks g / norm^(p-1) before scaling by x, which
    also stops double backward's 0/0; tinygrad_nn masked after scaling and got nan where
    PyTorch gets 0 (p > 2). For p < 1, |x|^(p-1) = inf at x == 0 is masked too."""

    def run(lib):
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad((x * 1.0).norm(p) * 3, x, create_graph=True)
        return g, lib.autograd.grad((g * g).sum(), x)[0]

    ours, theirs = both(run)
    assert_all_same(ours, theirs, f"norm({p})")


@pytest.mark.parametrize("shape", [(), (3,)])
def test_bce_with_logits_of_a_0d_float32_input_stays_float32(shape):
    """`binary_cross_entropy_with_logits` of a 0-d float32 logit came out float64: its
    `input.minimum(0.0)` turned 0.0 into a float64 0-d tensor, which widens a 0-d float32.
    It now takes a zero of the input's dtype; maximum/minimum refuse a Python number, as
    PyTorch's do."""

    def run(lib):
        x = lib.tensor(np.full(shape, 1.5, np.float32), requires_grad=True)
        target = lib.tensor(np.full(shape, 0.3, np.float32))
        loss = lib.nn.functional.binary_cross_entropy_with_logits(x, target)
        return loss, lib.autograd.grad(loss, x)[0]

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "bce_with_logits")
    x = tinygrad_nn.tensor(1.5)
    assert x.minimum(x.new_zeros(())).dtype == tinygrad_nn.float32
    with pytest.raises(TypeError, match="must be Tensor, not float"):
        x.minimum(0.0)


@pytest.mark.parametrize("alpha", [1.0, 2.0])
def test_elu_second_derivative_at_zero(alpha):
    """`elu(x / (|x| + 0.5))` with x == 0: PyTorch's ELU has slope alpha at 0 but a second
    derivative of 0 there (its double backward masks x < 0); the composite gave alpha."""

    def run(lib):
        x = lib.tensor([0.0, -1.0, 1.0, -1e-300, -800.0], dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.elu(x, alpha)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        return y, g, lib.autograd.grad(g.sum(), x)[0]

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "elu")


@pytest.mark.filterwarnings("ignore")
def test_flat_ops_send_zeros_even_for_a_nan_gradient():
    """sign/floor/round and x ** 0 sent `grad * 0` back, which is nan for a nan gradient;
    PyTorch sends zeros. Found as `v1.norm(1, 0).var(0)` of a 0-d v1 (var's gradient is nan
    there), whose second derivative through norm's sign(x) was nan instead of 0."""

    def run(lib):
        x = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        grads = []
        for f in (lambda t: t.sign(), lambda t: t.floor(), lambda t: t.round(), lambda t: t**0):
            y = f(x)
            grads.append(lib.autograd.grad(y, x, lib.full_like(y, float("nan")))[0])
        v1 = lib.tensor(0.7, dtype=lib.float64, requires_grad=True)
        v6 = v1.norm(1, 0).var(0, correction=1)
        (g,) = lib.autograd.grad(v6, v1, lib.tensor(1.3, dtype=lib.float64), create_graph=True)
        return (*grads, g, lib.autograd.grad(g * 2, v1)[0])

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "zeros")


@pytest.mark.parametrize(
    "code, refused",
    [
        ("y.expand_as(y).tanh_()", False),
        ("y.expand(1, 2, 3).mul_(2)", False),
        ("y.expand(2, 2, 3).mul_(2)", True),
        ("y[:1].expand(2, 3).mul_(2)", True),
    ],
)
def test_expand_that_repeats_nothing_is_writable(code, refused):
    """`v2.expand_as(v2).tanh_()` raised "more than one element ... refers to a single memory
    location": NumPy's broadcast_to is read-only even when nothing repeats. PyTorch refuses
    only a real repetition."""

    def run(lib):
        x = lib.tensor([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]], requires_grad=True)
        y = x * 2
        if refused:
            with pytest.raises(RuntimeError, match="single memory location"):
                eval(code)
            return (y,)
        eval(code)
        y.sum().backward()
        return y, x.grad

    ours, theirs = both(run)
    assert_all_same(ours, theirs, code)


@pytest.mark.parametrize(
    "data", [[-0.27, 1.69], [1.0, 1.0, 0.5], [1.0, float("nan"), float("nan")]]
)
@pytest.mark.parametrize("upstream", [float("nan"), 3.0])
def test_max_of_everything_keeps_a_nan_gradient_at_the_maximum(data, upstream):
    """`x.max().exp().mean(-1, keepdim=True).std(-1)`: std of one value has a nan gradient;
    max() spread it as nan * 0 = nan onto every element, where PyTorch's max() writes
    g / count into zeros (the others stay 0). A nan maximum is hit by the nans. amax() keeps
    PyTorch's other rule (g * hit / count), where the nan does spread."""

    def run(lib):
        x = lib.tensor(data, requires_grad=True)
        grads = []
        for f in (lambda t: t.max(), lambda t: t.min(), lambda t: t.amax()):
            y = f(x)
            (g,) = lib.autograd.grad(y, x, lib.tensor(upstream), create_graph=True)
            grads.append(g)
        return tuple(grads)

    ours, theirs = both(run)
    assert_all_same(ours, theirs, "max()")
