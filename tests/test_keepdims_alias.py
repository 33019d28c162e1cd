"""`keepdims=` (NumPy's spelling) as PyTorch's argument parser accepts it for `keepdim`: on
every native reduction, as a method and as a `torch.*` function; a TypeError with both given,
or on `norm` (written in Python in PyTorch, so no alias there) and reductions without keepdim."""

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

# name -> (positional arguments after the input, keyword arguments, input kind)
REDUCTIONS = {
    "sum": ((1,), {}, "float"),
    "sum_dims": ((), {"dim": (0, 1)}, "float"),
    "mean": ((-1,), {}, "float"),
    "nansum": ((0,), {}, "float"),
    "prod": ((1,), {}, "float"),
    "var": ((1,), {}, "float"),
    "std": ((0,), {"correction": 0}, "float"),
    "max": ((1,), {}, "float"),
    "min": ((0,), {}, "float"),
    "amax": ((1,), {}, "float"),
    "amin": ((), {"dim": (0, 1)}, "float"),
    "argmax": ((1,), {}, "float"),
    "argmin": ((), {}, "float"),
    "logsumexp": ((1,), {}, "float"),
    "all": ((1,), {}, "bool"),
    "any": ((0,), {}, "bool"),
}
FUNCTIONS_ONLY = {"var_mean": ((1,), {}, "float"), "std_mean": ((0,), {}, "float")}
NO_ALIAS = {"norm": ((), {"dim": 1}), "count_nonzero": ((), {"dim": 1})}


def _input(lib, kind, requires_grad=False):
    data = np.random.default_rng(0).standard_normal((3, 4))
    if kind == "bool":
        return lib.tensor(data > 0)
    return lib.tensor(data, requires_grad=requires_grad)


def _call(lib, name, form, x, args, kwargs):
    op = lib.__dict__[name] if form == "function" else getattr(x, name)
    return op(x, *args, **kwargs) if form == "function" else op(*args, **kwargs)


def _arrays(result):
    parts = result if isinstance(result, tuple) else (result,)
    return [p.detach().numpy() for p in parts]


def _method_name(name):
    return name.split("_dims")[0]


# (case, form): every reduction as a method and as a function; the function-only ones (in
# PyTorch too) as functions.
FORMS = [(case, form) for case in sorted(REDUCTIONS) for form in ("method", "function")] + [
    (case, "function") for case in sorted(FUNCTIONS_ONLY)
]


@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize("case,form", FORMS)
def test_keepdims_is_keepdim(case, keep, form):
    args, kwargs, kind = {**REDUCTIONS, **FUNCTIONS_ONLY}[case]
    name = _method_name(case)
    outs = {}
    for lib in (tg, torch):
        x = _input(lib, kind)
        alias = _call(lib, name, form, x, args, {**kwargs, "keepdims": keep})
        plain = _call(lib, name, form, x, args, {**kwargs, "keepdim": keep})
        for a, p in zip(_arrays(alias), _arrays(plain)):
            np.testing.assert_array_equal(a, p)
        outs[lib] = _arrays(alias)
    for ours, theirs in zip(outs[tg], outs[torch]):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "case",
    sorted(c for c in REDUCTIONS if REDUCTIONS[c][2] == "float" and c not in ("argmax", "argmin")),
)
def test_gradient_through_keepdims(case):
    args, kwargs, kind = REDUCTIONS[case]
    grads = []
    for lib in (tg, torch):
        x = _input(lib, kind, requires_grad=True)
        out = _call(lib, _method_name(case), "method", x, args, {**kwargs, "keepdims": True})
        out = out[0] if isinstance(out, tuple) else out
        weight = lib.tensor(np.linspace(-1.0, 2.0, out.numel()).reshape(out.shape))
        (out * weight).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize("case,form", FORMS)
def test_both_spellings_raise_type_error(case, keep, form):
    args, kwargs, kind = {**REDUCTIONS, **FUNCTIONS_ONLY}[case]
    for lib in (tg, torch):
        x = _input(lib, kind)
        with pytest.raises(TypeError):
            _call(
                lib,
                _method_name(case),
                form,
                x,
                args,
                {**kwargs, "keepdim": True, "keepdims": keep},
            )


@pytest.mark.parametrize("case", ["sum", "max", "var", "all"])
def test_positional_keepdim_and_keepdims_raise(case):
    args, _, kind = REDUCTIONS[case]
    for lib in (tg, torch):
        x = _input(lib, kind)
        with pytest.raises(TypeError):
            getattr(x, case)(*args, True, keepdims=True) if case != "var" else x.var(
                1, True, True, keepdims=True
            )


@pytest.mark.parametrize("value", [1, "yes", 0.0])
def test_keepdims_must_be_bool(value):
    for lib in (tg, torch):
        x = _input(lib, "float")
        with pytest.raises(TypeError, match="argument 'keepdim' must be bool"):
            x.sum(1, keepdims=value)


def test_numpy_bool_is_refused():
    for lib in (tg, torch):
        with pytest.raises(TypeError, match="must be bool, not numpy.bool"):
            lib.ones(2, 3).sum(1, keepdims=np.bool_(True))


@pytest.mark.parametrize("form", ["method", "function"])
@pytest.mark.parametrize("case", sorted(NO_ALIAS))
def test_no_alias_where_pytorch_has_none(case, form):
    args, kwargs = NO_ALIAS[case]
    for lib in (tg, torch):
        x = _input(lib, "float")
        with pytest.raises(TypeError, match="keepdims"):
            _call(lib, case, form, x, args, {**kwargs, "keepdims": True})


def test_notebook_line():
    # The line that tripped: probabilities normalised along rows with NumPy's spelling.
    for lib in (tg, torch):
        counts = lib.tensor([[1.0, 3.0], [2.0, 2.0]])
        probs = counts / counts.sum(1, keepdims=True)
        np.testing.assert_array_equal(probs.numpy(), [[0.25, 0.75], [0.5, 0.5]])
