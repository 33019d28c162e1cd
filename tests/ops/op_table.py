"""The op table: one row per differentiable op, consumed by every generic op test.

Each row's `fn` is written once and runs on both libraries (the API is the same), so the
same lambda is checked against finite differences (ours) and against PyTorch. `inputs`
lists the shapes of the tensor arguments for each sample; `domain` bounds the random
values (away from poles and kinks).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class OpSpec:
    name: str
    fn: object
    inputs: list  # list of samples, each a tuple of shapes
    domain: tuple = (-2.0, 2.0)
    gradgrad: bool = True  # second derivatives are checked too
    index_like: dict = field(default_factory=dict)  # arg position -> int array maker

    def sample_inputs(self, lib, dtype, rng, requires_grad=True):
        """Yield argument tuples of `lib` tensors (lib = tinygrad_nn or torch)."""
        for shapes in self.inputs:
            arrays = self.sample_arrays(shapes, dtype, rng)
            yield tuple(lib.tensor(a, requires_grad=requires_grad) for a in arrays)

    def sample_arrays(self, shapes, dtype, rng):
        low, high = self.domain
        return [rng.uniform(low, high, size=s).astype(dtype) for s in shapes]


UNARY = [(3, 4), (), (5,), (2, 1, 3)]
BINARY = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (3,)), ((3, 1), ())]
POSITIVE = (0.5, 2.0)


def _rows():
    rows = [
        # binary, broadcasting
        OpSpec("add", lambda x, y: x + y, BINARY),
        OpSpec("add_alpha", lambda x, y: x.add(y, alpha=-1.5), BINARY),
        OpSpec("sub", lambda x, y: x - y, BINARY),
        OpSpec("mul", lambda x, y: x * y, BINARY),
        OpSpec("div", lambda x, y: x / y, BINARY, domain=POSITIVE),
        OpSpec("pow", lambda x, y: x**y, BINARY, domain=POSITIVE),
        OpSpec("maximum", lambda x, y: x.maximum(y), BINARY),
        OpSpec("minimum", lambda x, y: x.minimum(y), BINARY),
        # with Python scalars on either side
        OpSpec("radd", lambda x: 2.5 + x, [((3, 4),)]),
        OpSpec("rsub", lambda x: 2.5 - x, [((3, 4),)]),
        OpSpec("rmul", lambda x: 3 * x, [((3, 4),)]),
        OpSpec("rdiv", lambda x: 2.0 / x, [((3, 4),)], domain=POSITIVE),
        OpSpec("div_scalar", lambda x: x / 4.0, [((3, 4),)]),
        OpSpec("pow_scalar", lambda x: x**3, [((3, 4),), ((),)]),
        OpSpec("pow_half", lambda x: x**0.5, [((3, 4),)], domain=POSITIVE),
        OpSpec("rpow", lambda x: 2.0**x, [((3, 4),)]),
        OpSpec("neg", lambda x: -x, [(s,) for s in UNARY]),
        # elementwise
        OpSpec("exp", lambda x: x.exp(), [(s,) for s in UNARY]),
        OpSpec("log", lambda x: x.log(), [(s,) for s in UNARY], domain=POSITIVE),
        OpSpec("log1p", lambda x: x.log1p(), [(s,) for s in UNARY], domain=POSITIVE),
        OpSpec("expm1", lambda x: x.expm1(), [(s,) for s in UNARY]),
        OpSpec("sqrt", lambda x: x.sqrt(), [(s,) for s in UNARY], domain=POSITIVE),
        OpSpec("rsqrt", lambda x: x.rsqrt(), [(s,) for s in UNARY], domain=POSITIVE),
        OpSpec("sin", lambda x: x.sin(), [(s,) for s in UNARY]),
        OpSpec("cos", lambda x: x.cos(), [(s,) for s in UNARY]),
        OpSpec("tan", lambda x: x.tan(), [(s,) for s in UNARY], domain=(-1.0, 1.0)),
        OpSpec("tanh", lambda x: x.tanh(), [(s,) for s in UNARY]),
        OpSpec("sigmoid", lambda x: x.sigmoid(), [(s,) for s in UNARY]),
        OpSpec("relu", lambda x: x.relu(), [(s,) for s in UNARY]),
        OpSpec("abs", lambda x: x.abs(), [(s,) for s in UNARY]),
        OpSpec("reciprocal", lambda x: x.reciprocal(), [(s,) for s in UNARY], domain=POSITIVE),
        OpSpec("clamp", lambda x: x.clamp(-0.5, 0.7), [(s,) for s in UNARY]),
        OpSpec("clamp_min", lambda x: x.clamp(min=0.1), [((3, 4),)]),
        OpSpec("clip_max", lambda x: x.clip(max=0.1), [((3, 4),)]),
        OpSpec("erf", lambda x: x.erf(), [(s,) for s in UNARY]),
        OpSpec("square", lambda x: x.square(), [((3, 4),)]),
        OpSpec("sign_mul", lambda x: x.sign() * x, [((3, 4),)]),
        OpSpec("floor_ceil_round", lambda x: x.floor() + x.ceil() * x + x.round(), [((3, 4),)]),
        OpSpec("where", lambda x, y: _where(x, y), BINARY),
        OpSpec("masked_fill", lambda x: x.masked_fill(x > 0.5, 2.0), [((3, 4),)]),
        OpSpec("softmax", lambda x: x.softmax(-1), [((3, 4),), ((2, 3, 4),)]),
        OpSpec("softmax0", lambda x: x.softmax(0), [((3, 4),)]),
        OpSpec("log_softmax", lambda x: x.log_softmax(1), [((3, 4),), ((2, 3, 4),)]),
        # reductions
        OpSpec("sum", lambda x: x.sum(), [((3, 4),), ((),)]),
        OpSpec("sum_dim", lambda x: x.sum(1), [((3, 4),), ((2, 3, 4),)]),
        OpSpec("sum_dims_keep", lambda x: x.sum((0, -1), keepdim=True), [((2, 3, 4),)]),
        OpSpec("mean", lambda x: x.mean(), [((3, 4),)]),
        OpSpec("mean_dim", lambda x: x.mean(-1, keepdim=True), [((3, 4),), ((2, 3, 4),)]),
        OpSpec("prod", lambda x: x.prod(), [((3, 4),)]),
        OpSpec("prod_dim", lambda x: x.prod(1), [((3, 4),)]),
        OpSpec("var", lambda x: x.var(), [((3, 4),)]),
        OpSpec("var_dim", lambda x: x.var(1, keepdim=True), [((3, 4),)]),
        OpSpec("var_biased", lambda x: x.var(0, unbiased=False), [((3, 4),)]),
        OpSpec("std", lambda x: x.std(), [((3, 4),)]),
        OpSpec("std_dim", lambda x: x.std(dim=1, correction=0), [((3, 4),)]),
        OpSpec("max", lambda x: x.max(), [((3, 4),)]),
        OpSpec("min", lambda x: x.min(), [((3, 4),)]),
        OpSpec("max_dim", lambda x: x.max(1).values, [((3, 4),)]),
        OpSpec("max_dim_keep", lambda x: x.max(0, keepdim=True)[0], [((3, 4),)]),
        OpSpec("min_dim", lambda x: x.min(dim=-1).values, [((2, 3, 4),)]),
        OpSpec("amax", lambda x: x.amax(1), [((3, 4),)]),
        OpSpec("amin", lambda x: x.amin((0, 1)), [((3, 4),)]),
        OpSpec("logsumexp", lambda x: x.logsumexp(1), [((3, 4),)]),
        OpSpec("logsumexp_keep", lambda x: x.logsumexp((0, 1), keepdim=True), [((3, 4),)]),
        OpSpec("norm", lambda x: x.norm(), [((3, 4),)]),
        OpSpec("norm_dim", lambda x: x.norm(dim=1), [((3, 4),)]),
        OpSpec("norm_p1", lambda x: x.norm(p=1), [((3, 4),)]),
        OpSpec("norm_p3", lambda x: x.norm(p=3, dim=0), [((3, 4),)]),
        OpSpec("norm_nuc", lambda x: x.norm(p="nuc"), [((3, 4),), ((4, 3),), ((3, 3),)]),
        OpSpec("norm_nuc_dim", lambda x: x.norm(p="nuc", dim=(2, 0), keepdim=True), [((3, 2, 4),)]),
        # torch.linalg (square inputs made well-conditioned; see _heavy and _spd)
        OpSpec(
            "linalg_inv",
            lambda x: _lib(x).linalg.inv(_heavy(x)),
            [((3, 3),), ((2, 3, 3),)],
            domain=(-1.0, 1.0),
        ),
        OpSpec(
            "linalg_det",
            lambda x: _lib(x).linalg.det(_heavy(x)),
            [((3, 3),), ((2, 3, 3),)],
            domain=(-1.0, 1.0),
        ),
        OpSpec(
            "linalg_slogdet",
            lambda x: _lib(x).linalg.slogdet(_heavy(x)).logabsdet,
            [((3, 3),)],
            domain=(-1.0, 1.0),
        ),
        OpSpec(
            "linalg_solve",
            lambda x, y: _lib(x).linalg.solve(_heavy(x), y),
            [((3, 3), (3, 2)), ((2, 3, 3), (3,))],
            domain=(-1.0, 1.0),
        ),
        OpSpec("linalg_cholesky", lambda x: _lib(x).linalg.cholesky(_spd(x)), [((3, 3),)]),
        OpSpec("linalg_qr_r", lambda x: _lib(x).linalg.qr(x).R, [((4, 3),)]),
        OpSpec("linalg_eigvalsh", lambda x: _lib(x).linalg.eigvalsh(_spd(x)), [((3, 3),)]),
        OpSpec("linalg_svdvals", lambda x: _lib(x).linalg.svdvals(x), [((4, 3),), ((2, 3, 4),)]),
        OpSpec("linalg_pinv", lambda x: _lib(x).linalg.pinv(x), [((4, 3),)]),
        OpSpec(
            "linalg_matrix_norm_inf",
            lambda x: _lib(x).linalg.matrix_norm(x, float("inf")),
            [((3, 4),)],
        ),
        OpSpec("linalg_norm", lambda x: _lib(x).linalg.norm(x, 3, dim=-1), [((3, 4),)]),
        OpSpec("cumsum", lambda x: x.cumsum(1), [((3, 4),)]),
        OpSpec("cumsum0", lambda x: x.cumsum(0), [((5,),)]),
        # sorting, selection and scans (random inputs have no ties)
        OpSpec("sort", lambda x: x.sort(-1).values, [((3, 4),), ((5,),)]),
        OpSpec("sort_desc", lambda x: x.sort(0, descending=True)[0], [((3, 4),)]),
        OpSpec("msort", lambda x: x.msort(), [((3, 4),)]),
        OpSpec("topk", lambda x: x.topk(2).values, [((3, 4),)]),
        OpSpec("topk_smallest", lambda x: x.topk(3, 0, largest=False)[0], [((4, 2),)]),
        OpSpec("kthvalue", lambda x: x.kthvalue(2, 1).values, [((3, 4),)]),
        OpSpec("median", lambda x: x.median(), [((3, 4),)]),
        OpSpec("median_dim", lambda x: x.median(1, keepdim=True).values, [((3, 4),)]),
        OpSpec("nanmedian_dim", lambda x: x.nanmedian(0).values, [((3, 4),)]),
        OpSpec("mode", lambda x: x.mode(1).values, [((3, 4),)]),
        OpSpec("cummax", lambda x: x.cummax(1).values, [((3, 4),)]),
        OpSpec("cummin", lambda x: x.cummin(0).values, [((5,),)]),
        OpSpec("logcumsumexp", lambda x: x.logcumsumexp(-1), [((3, 4),), ((5,),)]),
        OpSpec("nanmean", lambda x: x.nanmean(1), [((3, 4),)]),
        OpSpec("aminmax", lambda x: x.aminmax(dim=0).max - x.aminmax().min, [((3, 4),)]),
        OpSpec("quantile", lambda x: x.quantile(0.4, 1), [((3, 4),)]),
        OpSpec("nanquantile", lambda x: x.nanquantile(0.7), [((3, 4),)]),
        OpSpec("diff", lambda x: x.diff(2, 0), [((4, 3),)]),
        OpSpec("trapezoid", lambda x: _lib(x).trapezoid(x, dx=0.5), [((3, 4),)]),
        OpSpec("cov", lambda x: x.cov(), [((3, 5),)]),
        OpSpec("corrcoef", lambda x: x.corrcoef(), [((3, 5),)]),
        # shape
        OpSpec("reshape", lambda x: x.reshape(4, 3), [((3, 4),)]),
        OpSpec("reshape_infer", lambda x: x.reshape(-1), [((3, 4),)]),
        OpSpec("view", lambda x: x.view(2, 6), [((3, 4),)]),
        OpSpec("flatten", lambda x: x.flatten(1), [((2, 3, 4),)]),
        OpSpec("unflatten", lambda x: x.unflatten(1, (2, 2)), [((3, 4),)]),
        OpSpec("squeeze", lambda x: x.squeeze(), [((3, 1, 4),)]),
        OpSpec("squeeze_dim", lambda x: x.squeeze(1), [((3, 1, 4),)]),
        OpSpec("unsqueeze", lambda x: x.unsqueeze(-1), [((3, 4),)]),
        OpSpec("transpose", lambda x: x.transpose(0, 2), [((2, 3, 4),)]),
        OpSpec("t", lambda x: x.t(), [((3, 4),)]),
        OpSpec("T", lambda x: x.T, [((3, 4),)]),
        OpSpec("mT", lambda x: x.mT, [((2, 3, 4),)]),
        OpSpec("permute", lambda x: x.permute(2, 0, 1), [((2, 3, 4),)]),
        OpSpec("expand", lambda x: x.expand(2, 3, 4), [((3, 1),)]),
        OpSpec("expand_as", lambda x, y: x.expand_as(y), [((4,), (3, 4))]),
        OpSpec("repeat", lambda x: x.repeat(2, 1, 3), [((3, 4),)]),
        OpSpec("contiguous", lambda x: x.t().contiguous(), [((3, 4),)]),
        OpSpec("clone", lambda x: x.clone(), [((3, 4),)]),
        OpSpec("chunk", lambda x: x.chunk(2, 1)[1], [((3, 5),)]),
        OpSpec("split", lambda x: x.split([1, 2], 0)[1], [((3, 4),)]),
        OpSpec("split_int", lambda x: x.split(2, 1)[0] * 2, [((3, 4),)]),
        OpSpec("flip", lambda x: x.flip(0, 1), [((3, 4),)]),
        OpSpec("getitem_int", lambda x: x[1], [((3, 4),)]),
        OpSpec("getitem_slice", lambda x: x[1:, ::2], [((3, 4),)]),
        OpSpec("getitem_none_ellipsis", lambda x: x[None, ..., 1], [((2, 3, 4),)]),
        OpSpec("getitem_neg", lambda x: x[-1, -2], [((3, 4),)]),
        OpSpec("getitem_mask", lambda x: x[x > 0], [((3, 4),)]),
        OpSpec("getitem_index_repeat", lambda x: x[[0, 2, 0, 0]], [((3, 4),)]),
        OpSpec("getitem_mixed", lambda x: x[:, [1, 1, 3]], [((3, 4),)]),
        OpSpec("getitem_2index", lambda x: x[[0, 1, 1], [2, 2, 3]], [((3, 4),)]),
        OpSpec("cat", lambda x, y: _lib(x).cat([x, y, x], 1), [((3, 4), (3, 2))]),
        OpSpec("cat0", lambda x, y: _lib(x).cat((x, y)), [((3, 4), (2, 4))]),
        OpSpec("stack", lambda x, y: _lib(x).stack([x, y], 1), [((3, 4), (3, 4))]),
        OpSpec(
            "gather",
            lambda x: x.gather(1, _index(x, [[0, 0, 2], [1, 3, 3], [2, 2, 2]])),
            [((3, 4),)],
        ),
        OpSpec(
            "gather0", lambda x: x.gather(0, _index(x, [[0, 2, 1, 0], [2, 2, 1, 0]])), [((3, 4),)]
        ),
        OpSpec("index_select", lambda x: x.index_select(1, _index(x, [3, 0, 3])), [((3, 4),)]),
        OpSpec("tril", lambda x: x.tril(), [((3, 4),)]),
        OpSpec("triu", lambda x: x.triu(1), [((4, 4),)]),
        OpSpec("setitem", _setitem, [((3, 4), (4,))]),
        OpSpec("inplace_chain", _inplace_chain, [((3, 4), (3, 4))]),
        # linear algebra
        OpSpec(
            "matmul",
            lambda x, y: x @ y,
            [
                ((3, 4), (4, 2)),
                ((4,), (4, 2)),
                ((3, 4), (4,)),
                ((4,), (4,)),
                ((2, 3, 4), (4, 5)),
                ((2, 1, 3, 4), (3, 4, 2)),
            ],
        ),
        OpSpec("mm", lambda x, y: x.mm(y), [((3, 4), (4, 2))]),
        OpSpec("bmm", lambda x, y: x.bmm(y), [((2, 3, 4), (2, 4, 2))]),
        OpSpec("dot", lambda x, y: x.dot(y), [((4,), (4,))]),
        OpSpec("outer", lambda x, y: x.outer(y), [((3,), (4,))]),
        OpSpec(
            "inner",
            lambda x, y: x.inner(y),
            [((4,), (4,)), ((2, 3), (4, 3)), ((), (3,)), ((2, 3), ())],
        ),
        OpSpec("einsum_mm", lambda x, y: _lib(x).einsum("ij,jk->ik", x, y), [((3, 4), (4, 2))]),
        OpSpec(
            "einsum_batch",
            lambda x, y: _lib(x).einsum("bij,bjk->bik", x, y),
            [((2, 3, 4), (2, 4, 2))],
        ),
        OpSpec("einsum_sum", lambda x: _lib(x).einsum("ij->j", x), [((3, 4),)]),
        OpSpec("einsum_trace", lambda x: _lib(x).einsum("ii", x), [((3, 3),)]),
        OpSpec("einsum_diag", lambda x: _lib(x).einsum("ii->i", x), [((3, 3),)]),
        OpSpec("einsum_outer", lambda x, y: _lib(x).einsum("i,j->ij", x, y), [((3,), (4,))]),
        OpSpec(
            "einsum_ellipsis",
            lambda x, y: _lib(x).einsum("...ij,...jk", x, y),
            [((2, 3, 4), (2, 4, 2))],
        ),
        # composites and functions at module level
        OpSpec("torch_exp", lambda x: _lib(x).exp(x) + _lib(x).sigmoid(x), [((3, 4),)]),
        OpSpec("lerp", lambda x, y: x.lerp(y, 0.3), [((3, 4), (3, 4))]),
        OpSpec("addcmul", lambda x, y: x.addcmul(y, y, value=0.5), [((3, 4), (3, 4))]),
        # more elementwise (ops/elementwise_more.py, ops/binary_more.py)
        OpSpec("asin", lambda x: x.asin(), [(s,) for s in UNARY], domain=(-0.9, 0.9)),
        OpSpec("acos", lambda x: x.acos(), [(s,) for s in UNARY], domain=(-0.9, 0.9)),
        OpSpec("atan", lambda x: x.atan(), [(s,) for s in UNARY]),
        OpSpec("sinh", lambda x: x.sinh(), [(s,) for s in UNARY]),
        OpSpec("cosh", lambda x: x.cosh(), [(s,) for s in UNARY]),
        OpSpec("asinh", lambda x: x.asinh(), [(s,) for s in UNARY]),
        OpSpec("acosh", lambda x: x.acosh(), [(s,) for s in UNARY], domain=(1.2, 3.0)),
        OpSpec("atanh", lambda x: x.atanh(), [(s,) for s in UNARY], domain=(-0.9, 0.9)),
        OpSpec("exp2", lambda x: x.exp2(), [(s,) for s in UNARY]),
        OpSpec("erfc", lambda x: x.erfc(), [(s,) for s in UNARY]),
        OpSpec("erfinv", lambda x: x.erfinv(), [(s,) for s in UNARY], domain=(-0.9, 0.9)),
        OpSpec("lgamma", lambda x: x.lgamma(), [(s,) for s in UNARY], domain=(0.3, 4.0)),
        OpSpec("lgamma_negative", lambda x: x.lgamma(), [((3, 4),)], domain=(-0.9, -0.1)),
        OpSpec("polygamma2", lambda x: _lib(x).polygamma(2, x), [((3, 4),)], domain=(0.3, 4.0)),
        OpSpec("logit", lambda x: x.logit(), [(s,) for s in UNARY], domain=(0.1, 0.9)),
        OpSpec("logit_eps", lambda x: x.logit(eps=0.2), [((3, 4),)], domain=(0.05, 0.95)),
        OpSpec("sinc", lambda x: x.sinc(), [(s,) for s in UNARY]),
        OpSpec("nan_to_num", lambda x: x.nan_to_num(), [((3, 4),)]),
        OpSpec("sgn", lambda x: x.sgn() * x, [((3, 4),)]),
        OpSpec("deg2rad", lambda x: x.deg2rad(), [((3, 4),)]),
        OpSpec("rad2deg", lambda x: _lib(x).rad2deg(x), [((3, 4),)]),
        OpSpec("atan2", lambda x, y: x.atan2(y), BINARY),
        OpSpec("hypot", lambda x, y: x.hypot(y), BINARY),
        OpSpec("xlogy", lambda x, y: x.xlogy(y), BINARY, domain=POSITIVE),
        OpSpec("xlogy_scalar", lambda x: _lib(x).xlogy(2.5, x), [((3, 4),)], domain=POSITIVE),
        OpSpec("copysign", lambda x, y: x.copysign(y), BINARY),
        OpSpec("copysign_scalar", lambda x: x.copysign(-1.0), [((3, 4),)]),
        OpSpec("logaddexp", lambda x, y: x.logaddexp(y), BINARY),
        OpSpec("logaddexp2", lambda x, y: _lib(x).logaddexp2(x, y), BINARY),
        OpSpec("fmax", lambda x, y: x.fmax(y), BINARY),
        OpSpec("fmin", lambda x, y: _lib(x).fmin(x, y), BINARY),
        OpSpec("float_power", lambda x, y: x.float_power(y), BINARY, domain=POSITIVE),
        OpSpec("float_power_scalar", lambda x: _lib(x).float_power(2.0, x), [((3, 4),)]),
        OpSpec("ldexp", lambda x, y: x.ldexp(y), BINARY),
        # nn.functional activations, norms and distances (hardsigmoid: tests/nn, its
        # float64 gradient uses PyTorch's float32 1/6)
        OpSpec("F.relu6", lambda x: _F(x).relu6(x * 4), [((3, 4),)]),
        OpSpec("F.hardtanh", lambda x: _F(x).hardtanh(x, -0.5, 1.0), [((3, 4),)]),
        OpSpec("F.hardswish", lambda x: _F(x).hardswish(x * 2), [((3, 4),)]),
        OpSpec("F.selu", lambda x: _F(x).selu(x), [((3, 4),)]),
        OpSpec("F.celu", lambda x: _F(x).celu(x), [((3, 4),)]),
        OpSpec("F.mish", lambda x: _F(x).mish(x), [((3, 4),)]),
        OpSpec("F.softsign", lambda x: _F(x).softsign(x), [((3, 4),)]),
        OpSpec("F.softmin", lambda x: _F(x).softmin(x, 1), [((3, 4),)]),
        OpSpec("F.logsigmoid", lambda x: _F(x).logsigmoid(x), [((3, 4),)]),
        OpSpec("F.tanhshrink", lambda x: _F(x).tanhshrink(x), [((3, 4),)]),
        OpSpec("F.softshrink", lambda x: _F(x).softshrink(x), [((3, 4),)]),
        OpSpec("F.hardshrink", lambda x: _F(x).hardshrink(x), [((3, 4),)]),
        OpSpec("F.threshold", lambda x: _F(x).threshold(x, 0.1, -1.0), [((3, 4),)]),
        OpSpec("F.glu", lambda x: _F(x).glu(x), [((3, 4),)]),
        OpSpec("F.prelu", lambda x, w: _F(x).prelu(x, w), [((3, 4), (4,)), ((3, 4, 2), (1,))]),
        OpSpec(
            "F.group_norm", lambda x, w, b: _F(x).group_norm(x, 2, w, b), [((3, 4, 2), (4,), (4,))]
        ),
        OpSpec("F.instance_norm", lambda x: _F(x).instance_norm(x), [((2, 3, 4),)]),
        OpSpec("F.rms_norm", lambda x, w: _F(x).rms_norm(x, [4], w), [((3, 4), (4,))]),
        OpSpec(  # one fused node (ops/fused.py LayerNorm)
            "F.layer_norm",
            lambda x, w, b: _F(x).layer_norm(x, [4], w, b),
            [((3, 4), (4,), (4,)), ((2, 3, 4), (4,), (4,))],
        ),
        OpSpec(  # 4-d: one fused node (ops/fused.py Attention)
            "F.scaled_dot_product_attention",
            lambda q, k, v: _F(q).scaled_dot_product_attention(q, k, v),
            [((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4))],
        ),
        OpSpec(
            "F.bilinear",
            lambda x, y, w, b: _F(x).bilinear(x, y, w, b),
            [((3, 2), (3, 4), (5, 2, 4), (5,))],
        ),
        OpSpec(
            "F.cosine_similarity",
            lambda x, y: _F(x).cosine_similarity(x, y),
            [((3, 4), (3, 4)), ((3, 4), (4,))],
        ),
        OpSpec(
            "F.pairwise_distance", lambda x, y: _F(x).pairwise_distance(x, y), [((3, 4), (3, 4))]
        ),
        OpSpec(
            "F.embedding_bag",
            lambda w: _F(w).embedding_bag(_index(w, [[0, 2, 2], [1, 3, 0]]), w, mode="mean"),
            [((4, 3),)],
        ),
        # shape and construction (more cases: tests/ops/test_shape_construction.py)
        OpSpec("diag", lambda x: _lib(x).diag(x, 1), [((3,),), ((3, 4),)]),
        OpSpec("diag_embed", lambda x: x.diag_embed(-1), [((2, 3),)]),
        OpSpec("trace", lambda x: x.trace(), [((3, 4),)]),
        OpSpec("kron", lambda x, y: _lib(x).kron(x, y), [((2, 3), (3, 2))]),
        OpSpec("rot90", lambda x: x.rot90(3), [((3, 4),)]),
        OpSpec("tile", lambda x: x.tile((2, 2)), [((3,),), ((2, 3),)]),
        OpSpec(
            "repeat_interleave",
            lambda x: x.repeat_interleave(_index(x, [2, 0, 1]), dim=0),
            [((3, 2),)],
        ),
        OpSpec("take_along_dim", lambda x: x.take_along_dim(_index(x, [[2], [0]]), 1), [((2, 3),)]),
        OpSpec("masked_select", lambda x: x.masked_select(x > 0), [((3, 4),)]),
        OpSpec(
            "index_copy", lambda x, s: x.index_copy(0, _index(x, [2, 0]), s), [((3, 4), (2, 4))]
        ),
        OpSpec("index_fill", lambda x: x.index_fill(1, _index(x, [0, 2]), 1.5), [((3, 4),)]),
        OpSpec(
            "scatter_reduce_sum",
            lambda x, s: x.scatter_reduce(0, _index(x, [[0, 2], [0, 0]]), s, "sum"),
            [((3, 2), (2, 2))],
        ),
        OpSpec("tensor_split", lambda x: x.tensor_split(2, 1)[0], [((3, 5),)]),
        OpSpec("cdist", lambda x, y: _lib(x).cdist(x, y), [((3, 4), (5, 4))]),
        OpSpec("cross", lambda x, y: _lib(x).cross(x, y, dim=-1), [((2, 3), (2, 3))]),
        OpSpec("tensordot", lambda x, y: _lib(x).tensordot(x, y, 1), [((2, 3), (3, 4))]),
        OpSpec("addmm", lambda c, a, b: c.addmm(a, b, beta=0.5, alpha=2), [((3,), (2, 4), (4, 3))]),
        OpSpec(
            "baddbmm", lambda c, a, b: _lib(c).baddbmm(c, a, b), [((2, 1, 3), (2, 2, 4), (2, 4, 3))]
        ),
    ]
    return rows


def _lib(x):
    """The library a tensor belongs to, so one lambda serves both."""
    import importlib

    return importlib.import_module(type(x).__module__.split(".")[0])


def _heavy(x):
    """x + 4 I: diagonally dominant for entries in (-1, 1), so far from singular."""
    return x + 4 * _lib(x).eye(x.shape[-1], dtype=x.dtype)


def _spd(x):
    """x x^T + I: symmetric positive-definite, the eigenvalues well apart almost surely."""
    return x @ x.mT + _lib(x).eye(x.shape[-1], dtype=x.dtype)


def _F(x):
    """The nn.functional module of x's library."""
    return _lib(x).nn.functional


def _index(x, values):
    return _lib(x).tensor(values)


def _where(x, y):
    lib = _lib(x)
    return lib.where(x > 0, x, y)


def _setitem(x, v):
    y = x * 1.0
    y[1] = v * 2
    y[0, 1:3] = 0.5
    return y * x


def _inplace_chain(x, y):
    z = x * 2
    z.add_(y)
    z.mul_(y)
    z += 1
    z.div_(2)
    return z


OPS = _rows()
