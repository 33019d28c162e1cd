"""The fused ops of ops/fused.py: LayerNorm and Attention, one node each, as in PyTorch.

Each is checked three ways: against finite differences (gradcheck and gradgradcheck in
float64), against PyTorch (values, gradients, second derivatives, the node's name and
edges), and bit for bit against the composite of Tensor ops it replaced, forward and
backward, since the fused op promises that composite's numbers.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.compiler.helpers import assert_same_bits, check_both
from tinygrad_nn.autograd import gradcheck, gradgradcheck

F = tg.nn.functional
RNG = np.random.default_rng(11)
AFFINE = ["weight_and_bias", "weight", "bias", "neither"]
LN_CASES = [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((6,), (6,)), ((3, 1), (1,))]
ATTN_SHAPES = [((2, 3, 5, 4), 5), ((1, 2, 4, 3), 6), ((2, 1, 3, 2), 3)]  # (q shape, S)


def _arrays(shapes, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _ln_inputs(lib, shape, normalized, affine, dtype=np.float64, needs=(True, True, True)):
    x, w, b = _arrays([shape, normalized, normalized], dtype)
    w = w + 1.5  # away from 0: a weight near 0 hides dL/dx
    w = lib.tensor(w, requires_grad=needs[1]) if "weight" in affine else None
    b = lib.tensor(b, requires_grad=needs[2]) if "bias" in affine else None
    return lib.tensor(x, requires_grad=needs[0]), w, b


def _composite_layer_norm(x, normalized, weight, bias, eps=1e-5):
    """layer_norm as the library wrote it before the fused op: the reference bits."""
    dims = tuple(range(-len(normalized), 0))
    mean, var = x.mean(dims, keepdim=True), x.var(dims, keepdim=True, correction=0)
    out = (x - mean) * (var + eps).rsqrt()
    out = out if weight is None else out * weight
    return out if bias is None else out + bias


def _composite_attention(q, k, v, scale, causal):
    """scaled_dot_product_attention as the library wrote it before the fused op."""
    scores = q.matmul(k.transpose(-2, -1)) * scale
    if causal:
        future = np.triu(np.ones((q.shape[-2], k.shape[-2]), dtype=bool), k=1)
        scores = scores.masked_fill(tg.tensor(future), float("-inf"))
    return scores.softmax(-1).matmul(v)


def _grads(out, inputs, seed=5):
    """Gradients of out . G (a random G) for the inputs that need one."""
    upstream = tg.tensor(_arrays([out.shape], out.detach().numpy().dtype, seed)[0])
    wanted = [t for t in inputs if t is not None and t.requires_grad]
    return [g.numpy() for g in tg.autograd.grad(out, wanted, upstream)]


# ---------------------------------------------------------------------- layer norm


@pytest.mark.parametrize(("shape", "normalized"), LN_CASES)
@pytest.mark.parametrize("affine", AFFINE)
def test_layer_norm_gradcheck_and_gradgradcheck(shape, normalized, affine):
    inputs = [t for t in _ln_inputs(tg, shape, normalized, affine) if t is not None]
    w_at = 1 if "weight" in affine else None

    def f(x, *params):
        weight = params[0] if w_at else None
        bias = params[-1] if "bias" in affine else None
        return F.layer_norm(x, normalized, weight, bias).tanh()

    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", AFFINE)
@pytest.mark.parametrize("needs", [(True, True, True), (False, True, True), (True, False, False)])
def test_layer_norm_is_the_composite_bit_for_bit(dtype, affine, needs):
    shape, normalized = (3, 4, 6), (6,)
    fused_in = _ln_inputs(tg, shape, normalized, affine, dtype, needs)
    plain_in = _ln_inputs(tg, shape, normalized, affine, dtype, needs)
    fused = F.layer_norm(fused_in[0], normalized, *fused_in[1:])
    plain = _composite_layer_norm(plain_in[0], normalized, *plain_in[1:])
    if not plain.requires_grad:  # nothing to differentiate: no node either
        assert fused.grad_fn is None
        assert_same_bits([fused.numpy()], [plain.numpy()])
        return
    assert fused.grad_fn.name() == "NativeLayerNormBackward0"
    assert_same_bits([fused.detach().numpy()], [plain.detach().numpy()])
    assert_same_bits(_grads(fused, fused_in), _grads(plain, plain_in))


def test_layer_norm_over_two_dims_and_one_feature_is_the_composite_bit_for_bit():
    for shape, normalized in LN_CASES:
        a, b = (_ln_inputs(tg, shape, normalized, "weight_and_bias", np.float32) for _ in "ab")
        fused, plain = (
            F.layer_norm(a[0], normalized, *a[1:]),
            _composite_layer_norm(*b[:1], normalized, *b[1:]),
        )
        assert_same_bits([fused.detach().numpy()], [plain.detach().numpy()])
        assert_same_bits(_grads(fused, a), _grads(plain, b))


@pytest.mark.parametrize("affine", ["weight_and_bias", "weight", "neither"])
def test_layer_norm_matches_torch_to_second_order(affine):
    """(A bias without a weight is left out: PyTorch 2.13's second derivative raises there;
    gradgradcheck above covers ours.)"""
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tg, torch):
        inputs = [t for t in _ln_inputs(lib, (3, 4, 5), (4, 5), affine) if t is not None]
        weight = inputs[1] if "weight" in affine else None
        bias = inputs[-1] if "bias" in affine else None
        out = lib.nn.functional.layer_norm(inputs[0], (4, 5), weight, bias, 1e-3)
        upstream = lib.tensor(_arrays([(3, 4, 5)], seed=7)[0])
        firsts = lib.autograd.grad(out, inputs, upstream, create_graph=True)
        total = sum((g * g).sum() for g in firsts)
        seconds = lib.autograd.grad(total, inputs, allow_unused=True)
        arrays = [None if g is None else g.detach().numpy() for g in (out, *firsts, *seconds)]
        results.append(arrays)
    for ours, theirs in zip(*results):
        if theirs is None:  # dL/db does not depend on b: PyTorch returns no gradient
            assert ours is None or not np.any(ours)
            continue
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_layer_norm_float32_matches_torch():
    torch = pytest.importorskip("torch")
    outs = []
    for lib in (tg, torch):
        x, w, b = _ln_inputs(lib, (8, 16), (16,), "weight_and_bias", np.float32)
        y = lib.nn.functional.layer_norm(x * 3 + 1, (16,), w, b)
        y.backward(lib.tensor(_arrays([(8, 16)], np.float32, 3)[0]))
        outs.append([t.detach().numpy() for t in (y, x.grad, w.grad, b.grad)])
    for ours, theirs in zip(*outs):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_layer_norm_records_the_node_pytorch_records():
    torch = pytest.importorskip("torch")
    for affine, needs in itertools.product(AFFINE, [(True, True, True), (False, True, False)]):
        names = []
        for lib in (tg, torch):
            x, w, b = _ln_inputs(lib, (3, 4), (4,), affine, needs=needs)
            y = lib.nn.functional.layer_norm(x, (4,), w, b)
            if y.grad_fn is None:
                names.append(None)
                continue
            edges = [None if n is None else type(n).__name__ for n, _ in y.grad_fn.next_functions]
            names.append((y.grad_fn.name(), [e is None for e in edges]))
        assert names[0] == names[1], (affine, needs)


def test_layer_norm_errors_as_torch():
    torch = pytest.importorskip("torch")
    for call in (
        lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 3), (3,), lib.ones(2, 3)),
        lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 3), (3,), None, lib.ones(4)),
        lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 3, dtype=lib.int64), (3,)),
    ):
        errors = []
        for lib in (tg, torch):
            with pytest.raises(Exception) as info:
                call(lib)
            errors.append((type(info.value), str(info.value)))
        assert errors[0] == errors[1]


def test_layer_norm_input_used_twice_gets_one_share_from_the_node():
    """As PyTorch's node: the input's gradient from layer_norm arrives as one sum, added to
    the other consumer's share once (the composite added its three parts one by one)."""
    x = tg.tensor(_arrays([(4, 6)], np.float32)[0], requires_grad=True)
    g = tg.tensor(_arrays([(4, 6)], np.float32, 4)[0])
    h = x * 1
    (ours,) = tg.autograd.grad(h * 3 + F.layer_norm(h, (6,)), x, g)
    (alone,) = tg.autograd.grad(F.layer_norm(x * 1, (6,)), x, g)
    assert_same_bits([ours.numpy()], [(alone + g * 3).numpy()])


def test_layer_norm_frees_its_saved_values_and_checks_its_input_version():
    x, w, b = _ln_inputs(tg, (3, 4), (4,), "weight_and_bias")
    y = F.layer_norm(x * 1, (4,), w, b)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()
    h = x * 1
    y = F.layer_norm(h, (4,), w, b)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ---------------------------------------------------------------------- attention


def _attn_inputs(lib, shape, source, dtype=np.float64, needs=(True, True, True), seed=0):
    kv_shape = shape[:2] + (source, shape[3])
    arrays = _arrays([shape, kv_shape, kv_shape], dtype, seed)
    return [lib.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]


@pytest.mark.parametrize(("shape", "source"), ATTN_SHAPES)
@pytest.mark.parametrize("causal", [False, True])
def test_attention_gradcheck_and_gradgradcheck(shape, source, causal):
    inputs = _attn_inputs(tg, shape, source)

    def f(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal, scale=0.7)

    assert f(*inputs).grad_fn.name() == "ScaledDotProductFlashAttentionForCpuBackward0"
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


NEEDS = [c for c in itertools.product([False, True], repeat=3) if any(c)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("needs", NEEDS)
def test_attention_is_the_composite_bit_for_bit(dtype, causal, needs):
    shape, source = (2, 3, 5, 4), 7
    a, b = (_attn_inputs(tg, shape, source, dtype, needs) for _ in "ab")
    scale = 1 / np.sqrt(shape[-1])
    fused = F.scaled_dot_product_attention(*a, is_causal=causal)
    plain = _composite_attention(*b, scale, causal)
    assert_same_bits([fused.detach().numpy()], [plain.detach().numpy()])
    assert_same_bits(_grads(fused, a), _grads(plain, b))


def test_attention_of_one_tensor_and_of_strided_inputs_is_the_composite_bit_for_bit():
    for make in (
        lambda: [tg.tensor(_arrays([(2, 3, 5, 4)], np.float32)[0], requires_grad=True)] * 3,
        lambda: [
            tg.tensor(a, requires_grad=True).transpose(1, 2)
            for a in _arrays([(2, 5, 3, 4)] * 3, np.float32)
        ],
    ):
        a, b = make(), make()
        fused = F.scaled_dot_product_attention(*a)
        plain = _composite_attention(*b, 0.5, False)
        assert fused.grad_fn.name() == "ScaledDotProductFlashAttentionForCpuBackward0"
        assert_same_bits([fused.detach().numpy()], [plain.detach().numpy()])
        leaves_a = list({id(t): t for t in a}.values())
        leaves_b = list({id(t): t for t in b}.values())
        assert_same_bits(_grads(fused, leaves_a), _grads(plain, leaves_b))


@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_torch_to_second_order(causal):
    """PyTorch's fused CPU kernel has no second derivative: its math path is the reference
    for those (and agrees with the kernel on the first)."""
    torch = pytest.importorskip("torch")
    from torch.nn.attention import SDPBackend, sdpa_kernel

    results = []
    for lib in (tg, torch):
        inputs = _attn_inputs(lib, (2, 3, 5, 4), 6)
        out = lib.nn.functional.scaled_dot_product_attention(*inputs, is_causal=causal)
        upstream = lib.tensor(_arrays([out.shape], seed=9)[0])
        if lib is torch:
            firsts = torch.autograd.grad(out, inputs, upstream)
            with sdpa_kernel(SDPBackend.MATH):
                out = torch.nn.functional.scaled_dot_product_attention(*inputs, is_causal=causal)
        ours_or_math = lib.autograd.grad(out, inputs, upstream, create_graph=True)
        firsts = ours_or_math if lib is tg else firsts
        total = sum((g * g).sum() for g in ours_or_math)
        seconds = lib.autograd.grad(total, inputs)
        results.append([out.detach().numpy()] + [g.detach().numpy() for g in firsts + seconds])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def _sdpa_cases(lib):
    """(args, kwargs) of calls whose node PyTorch names: its fused kernel or not."""
    r = lambda *s: lib.tensor(_arrays([s])[0], requires_grad=True)  # noqa: E731
    q = r(2, 3, 5, 4)
    return [
        ((q, r(2, 3, 6, 4), r(2, 3, 6, 4)), {}),
        ((q, q, q), {"is_causal": True, "scale": 0.3}),
        ((r(3, 5, 4), r(3, 5, 4), r(3, 5, 4)), {}),  # 3-d: no fused kernel
        ((q, r(1, 3, 5, 4), r(1, 3, 5, 4)), {}),  # a broadcast batch
        ((q, r(2, 3, 7, 4), r(2, 3, 7, 6)), {}),  # values of another width
        ((r(2, 3, 4, 5).transpose(-1, -2), q, q), {}),  # strided last dim
    ]


def test_attention_records_the_node_pytorch_records():
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(_sdpa_cases(tg), _sdpa_cases(torch)):
        y = F.scaled_dot_product_attention(*ours[0], **ours[1])
        ref = torch.nn.functional.scaled_dot_product_attention(*theirs[0], **theirs[1])
        assert y.grad_fn.name() == ref.grad_fn.name()
        assert len(y.grad_fn.next_functions) == len(ref.grad_fn.next_functions)


def test_transformer_layer_records_pytorchs_fused_nodes():
    torch = pytest.importorskip("torch")
    names = []
    for lib in (tg, torch):
        lib.manual_seed(0)
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True)
        out = layer(lib.tensor(_arrays([(3, 5, 8)], np.float32)[0], requires_grad=True))
        seen, stack = set(), [out.grad_fn]
        while stack:
            node = stack.pop()
            if node is not None and node not in seen:
                seen.add(node)
                stack.extend(n for n, _ in node.next_functions)
        names.append(sorted(n.name() for n in seen if "Fl" in n.name() or "Norm" in n.name()))
    assert (
        names[0]
        == names[1]
        == ["NativeLayerNormBackward0"] * 2 + ["ScaledDotProductFlashAttentionForCpuBackward0"]
    )


# ---------------------------------------------------------------------- compiled


def test_compiled_steps_give_eager_bits():
    def make():
        tg.manual_seed(2)
        model = tg.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True)
        opt = tg.optim.Adam(model.parameters(), lr=1e-2)
        x = tg.randn(3, 5, 8)

        def step():
            opt.zero_grad()
            loss = model(x).square().mean()
            loss.backward()
            opt.step()
            return loss

        return step, model

    check_both(make, steps=4)
