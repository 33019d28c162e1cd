"""Differences from PyTorch found by auditing nn against it, one test per fix.

Each test runs the same code on both libraries (`lib` is `torch` or `tinygrad_nn`) and
compares what comes out: values, types, key lists, or the exception class and message.
"""

from __future__ import annotations

import copy
import warnings

import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def both(fn):
    """(torch result, our result) of `fn(lib)`; an exception becomes (class name, message)
    and a tensor (dtype name, values), so that results compare with ==."""
    out = []
    for lib in (torch, tg):
        try:
            result = fn(lib)
        except Exception as e:  # the exception is the result compared
            result = (type(e).__name__, str(e).replace("tinygrad_nn.", "torch."))
        if isinstance(result, (torch.Tensor, tg.Tensor)):
            result = (str(result.dtype).split(".")[-1], result.detach().numpy().tolist())
        out.append(result)
    return out


def assert_same(fn):
    theirs, ours = both(fn)
    assert ours == theirs


# ---------------------------------------------------------------------- state dicts


def test_load_state_dict_result_repr_names_pytorchs_class():
    def run(lib):
        m = lib.nn.Linear(2, 2)
        sd = m.state_dict()
        del sd["bias"]
        sd["extra"] = lib.zeros(1)
        return repr(m.load_state_dict(sd, strict=False))

    assert_same(run)


def test_load_state_dict_assign_keeps_the_checkpoint_tensor_and_dtype():
    def run(lib):
        m = lib.nn.BatchNorm1d(2)
        m.weight.requires_grad_(False)
        sd = {
            k: v.double() if v.is_floating_point() else v.clone() for k, v in m.state_dict().items()
        }
        m.load_state_dict(sd, assign=True)
        return (
            str(m.weight.dtype).split(".")[-1],
            type(m.weight).__name__,
            m.weight.requires_grad,
            m.running_mean is sd["running_mean"],
            m.num_batches_tracked is sd["num_batches_tracked"],
        )

    assert_same(run)


def test_load_state_dict_assign_uses_a_given_parameter_itself():
    def run(lib):
        m = lib.nn.Linear(1, 1)
        p = lib.nn.Parameter(lib.ones(1, 1) * 3)
        m.load_state_dict({"weight": p, "bias": lib.zeros(1)}, assign=True)
        return m.weight is p, m.bias.requires_grad, m(lib.ones(1, 1)).item()

    assert_same(run)


def test_load_state_dict_rejects_a_list_with_pytorchs_message():
    def run(lib):
        m = lib.nn.Linear(2, 1)
        return m.load_state_dict({"weight": [[1.0, 2.0]], "bias": lib.zeros(1)})

    assert_same(run)


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_unexpected_keys_follow_pytorchs_rule_for_dotted_names(strict):
    def run(lib):
        m = lib.nn.Sequential(lib.nn.Linear(1, 1))
        sd = m.state_dict()
        sd["0"] = lib.ones(1)  # names a child module, not an entry
        sd["0.weight.x"] = lib.ones(1)  # below a parameter, which has no children
        r = m.load_state_dict(sd, strict=strict)
        return r.missing_keys, r.unexpected_keys

    assert_same(run)


def _extra_state_model(lib):
    class WithExtra(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = lib.nn.Parameter(lib.ones(1))
            self.restored = None

        def get_extra_state(self):
            return {"calls": 3, "name": "x"}

        def set_extra_state(self, state):
            self.restored = state

    return lib.nn.Sequential(WithExtra(), lib.nn.Linear(1, 1), WithExtra())


def test_extra_state_is_saved_under_its_key_and_restored():
    def run(lib):
        m = _extra_state_model(lib)
        sd = m.state_dict()
        m.load_state_dict(sd)
        return list(sd), sd["0._extra_state"], m[0].restored, m[2].restored

    assert_same(run)


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_missing_extra_state_is_a_missing_key(strict):
    def run(lib):
        m = _extra_state_model(lib)
        sd = m.state_dict()
        del sd["2._extra_state"]
        r = m.load_state_dict(sd, strict=strict)
        return r.missing_keys, r.unexpected_keys, m[0].restored

    assert_same(run)


def test_extra_state_for_a_module_without_it_is_unexpected():
    def run(lib):
        m = lib.nn.Linear(1, 1)
        sd = m.state_dict()
        sd["_extra_state"] = 3
        return m.load_state_dict(sd)

    assert_same(run)


# ---------------------------------------------------------------------- module methods


def test_half_converts_floating_parameters_and_buffers():
    def run(lib):
        m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
        assert m.half() is m
        return [str(v.dtype).split(".")[-1] for v in m.state_dict().values()]

    assert_same(run)


def test_modules_can_keep_duplicates():
    def run(lib):
        layer = lib.nn.Linear(1, 1)
        seq = lib.nn.Sequential(layer, layer)
        return len(list(seq.modules())), len(list(seq.modules(remove_duplicate=False)))

    assert_same(run)


def test_assigning_a_non_tensor_to_a_buffer_names_pytorchs_types():
    def run(lib):
        lib.nn.BatchNorm1d(2).running_mean = 3

    assert_same(run)


# ---------------------------------------------------------------------- hooks


def test_always_call_hooks_run_when_forward_raises():
    def run(lib):
        class Failing(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        m, log = Failing(), []
        m.register_forward_hook(lambda mod, a, o: log.append(("always", o)), always_call=True)
        m.register_forward_hook(lambda mod, a, o: log.append("normal"))
        handle = m.register_forward_hook(
            lambda mod, a, kw, o: log.append(("kw", kw)), always_call=True, with_kwargs=True
        )
        for _ in range(2):
            with pytest.raises(ValueError, match="boom"):
                m(lib.ones(1))
            handle.remove()
        return log

    assert_same(run)


def test_always_call_hooks_also_run_normally():
    def run(lib):
        m, log = lib.nn.Identity(), []
        m.register_forward_hook(lambda mod, a, o: log.append(o.tolist()), always_call=True)
        m(lib.ones(2))
        return log

    assert_same(run)


# ---------------------------------------------------------------------- Parameter


def test_deepcopy_of_a_parameter_drops_its_gradient():
    def run(lib):
        m = lib.nn.Linear(2, 2)
        m(lib.ones(1, 2)).sum().backward()
        m2 = copy.deepcopy(m)
        frozen = copy.deepcopy(lib.nn.Linear(1, 1).requires_grad_(False))
        return (
            m2.weight.grad,
            type(m2.weight).__name__,
            m2.weight.requires_grad,
            m2.weight.tolist() == m.weight.tolist(),
            frozen.weight.requires_grad,
        )

    assert_same(run)


def test_integer_parameter_requiring_grad_raises_pytorchs_message():
    def run(lib):
        return lib.nn.Parameter(lib.ones(2, dtype=lib.int64))

    assert_same(run)


def test_integer_parameter_without_grad_is_allowed():
    def run(lib):
        p = lib.nn.Parameter(lib.ones(2, dtype=lib.int64), requires_grad=False)
        return str(p.dtype).split(".")[-1], p.requires_grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(run)


# ---------------------------------------------------------------------- losses and functional


@pytest.mark.parametrize(
    ("input", "target"),
    [
        ([0.5, 0.5], [2.0, 0.0]),
        ([0.5, 0.5], [-0.1, 0.0]),
        ([float("nan"), 0.5], [1.0, 0.0]),
        ([0.5, 0.5], [float("nan"), 0.0]),
        ([1.5, 0.5], [2.0, 0.0]),
    ],
    ids=["target_above_1", "target_below_0", "nan_input", "nan_target", "both_outside"],
)
def test_binary_cross_entropy_checks_the_range_of_input_and_target(input, target):
    assert_same(
        lambda lib: lib.nn.functional.binary_cross_entropy(lib.tensor(input), lib.tensor(target))
    )


def test_bce_with_logits_refuses_an_integer_target():
    assert_same(lambda lib: lib.nn.BCEWithLogitsLoss()(lib.tensor([0.5, 0.2]), lib.tensor([1, 0])))


@pytest.mark.parametrize("missing", ["running_mean", "running_var"])
def test_functional_batch_norm_in_eval_needs_running_statistics(missing):
    def run(lib):
        stats = {"running_mean": lib.zeros(3), "running_var": lib.ones(3), missing: None}
        return lib.nn.functional.batch_norm(lib.ones(2, 3), **stats, training=False)

    assert_same(run)


# ---------------------------------------------------------------------- containers


def _three(lib):
    return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))


@pytest.mark.parametrize(
    "op",
    [
        lambda s, lib: s * 2,
        lambda s, lib: 3 * s,
        lambda s, lib: s.__imul__(2),
        lambda s, lib: s.__iadd__(lib.nn.Sequential(lib.nn.Tanh())),
    ],
    ids=["mul", "rmul", "imul", "iadd"],
)
def test_sequential_repetition_and_in_place_concatenation(op):
    def run(lib):
        seq = _three(lib)
        result = op(seq, lib)
        shared = [m is seq[i % 3] for i, m in enumerate(result)]
        return repr(result), result is seq, shared, len(list(result.parameters()))

    assert_same(run)


@pytest.mark.parametrize(
    ("factor", "error"), [(0, ValueError), (1.5, TypeError)], ids=["zero", "float"]
)
def test_sequential_refuses_bad_factors(factor, error):
    for lib in (torch, tg):
        with pytest.raises(error, match="multiplication factor|unsupported operand"):
            _three(lib) * factor


def test_sequential_iadd_refuses_a_list():
    assert_same(lambda lib: _three(lib).__iadd__([lib.nn.ReLU()]))


# ---------------------------------------------------------------------- dtype mismatches


@pytest.mark.parametrize(
    ("input", "weight", "bias"),
    [
        ("float64", "float32", "float32"),
        ("int64", "float32", "float32"),
        ("float32", "float32", "float64"),
        ("float32", "float64", "float32"),
    ],
    ids=["double_input", "long_input", "double_bias", "double_weight"],
)
def test_linear_names_mismatched_dtypes_as_pytorch(input, weight, bias):
    def run(lib):
        return lib.nn.functional.linear(
            lib.ones(4, 2, dtype=getattr(lib, input)),
            lib.ones(3, 2, dtype=getattr(lib, weight)),
            lib.ones(3, dtype=getattr(lib, bias)),
        )

    assert_same(run)


@pytest.mark.parametrize(
    ("input", "weight", "bias"),
    [("float64", "float32", None), ("float64", "float32", "float32"),
     ("float32", "float64", None), ("float32", "float32", "float64"),
     ("int64", "float32", "float32"), ("float32", "float64", "float32")],
    ids=["double_input", "double_input_bias", "double_weight", "double_bias", "long_input",
         "double_weight_bias"],
)  # fmt: skip
def test_conv_names_mismatched_dtypes_as_pytorch(input, weight, bias):
    def run(lib):
        b = None if bias is None else lib.ones(1, dtype=getattr(lib, bias))
        return lib.nn.functional.conv2d(
            lib.ones(1, 1, 3, 3, dtype=getattr(lib, input)),
            lib.ones(1, 1, 2, 2, dtype=getattr(lib, weight)),
            b,
        )

    assert_same(run)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_spatial_target_of_the_wrong_size_names_both_shapes(loss):
    def run(lib):
        target = lib.zeros(2, 4, 6, dtype=lib.int64)
        return getattr(lib.nn.functional, loss)(lib.zeros(2, 3, 4, 5), target)

    assert_same(run)


@pytest.mark.parametrize("keep_vars", [False, True], ids=["detached", "keep_vars"])
def test_a_pytorch_state_dict_loads_directly(keep_vars):
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    ours = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.BatchNorm1d(3))
    result = ours.load_state_dict(theirs.state_dict(keep_vars=keep_vars))
    assert repr(result) == "<All keys matched successfully>"
    for (name, a), b in zip(theirs.state_dict().items(), ours.state_dict().values()):
        assert a.numpy().tolist() == b.numpy().tolist(), name
