"""Bad input, clear errors: a table of misuses, each run in PyTorch and in tinygrad_nn.

For every row the test checks that
  * both libraries raise, and with the same exception class (a row may name a class when
    PyTorch's own one is a subclass, e.g. its NotImplementedError is a RuntimeError);
  * tinygrad_nn's message names what is wrong: the row's regexes (shapes, dims, dtypes,
    argument names) must all match it;
  * nothing changed: every tensor's values, version counter and `.grad`, the model's
    parameters and the optimizer's state are as they were before the failing call.

A row is (name, code, regexes) with an optional `prep` that runs first (its effects are the
"before" state). The code runs in a namespace with `lib` (either library), `F`, `nn`, `optim`
and the objects `namespace()` creates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


@dataclass(frozen=True)
class Misuse:
    """One row of the table."""

    name: str
    code: str
    mentions: tuple = ()  # regexes our message must match
    prep: str = ""
    cls: type | None = None  # expected class when PyTorch's is a subclass of it
    unchanged: bool = True
    tags: tuple = field(default_factory=tuple)


def namespace(lib, tmp_path) -> dict:
    """The objects every row may use, built the same way in both libraries."""
    rng = np.random.default_rng(0)

    def t(shape, requires_grad=False):
        return lib.tensor(
            rng.standard_normal(shape).astype(np.float32), requires_grad=requires_grad
        )

    a, c = t((2, 3), True), t((3,), True)
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 4)
    ns = {
        "lib": lib,
        "F": lib.nn.functional,
        "nn": lib.nn,
        "optim": lib.optim,
        "np": np,
        "a": a,
        "b": t((4, 5)),
        "c": c,
        "v3": t((3,)),
        "v4": t((4,)),
        "x": a * 2,
        "model": model,
        "params": list(model.parameters()),
        "conv": lib.nn.Conv2d(3, 2, 3),
        "emb": lib.nn.Embedding(5, 2),
        "missing": str(tmp_path / "missing.pt"),
    }
    ns["opt"] = lib.optim.SGD(ns["params"], lr=0.1, momentum=0.9)
    good = tmp_path / f"good_{lib.__name__}.pt"
    lib.save(model.state_dict(), good)
    blob = good.read_bytes()
    (tmp_path / f"truncated_{lib.__name__}.pt").write_bytes(blob[: len(blob) // 2])
    (tmp_path / "text.pt").write_text("this is not a tensor file\n")
    (tmp_path / "empty.pt").write_bytes(b"")
    ns["truncated"] = str(tmp_path / f"truncated_{lib.__name__}.pt")
    ns["text_file"] = str(tmp_path / "text.pt")
    ns["empty_file"] = str(tmp_path / "empty.pt")
    return ns


# (2, 3) against (4, 5): "The size of tensor a (3) must match the size of tensor b (5) at
# non-singleton dimension 1" - the last clashing dim, as PyTorch reports it.
SIZES = r"\(3\).*\(5\).*dimension 1"

MISUSES = [
    # ------------------------------------------------ shape mismatches in binary ops
    Misuse("add", "a + b", (SIZES,)),
    Misuse("sub", "a - b", (SIZES,)),
    Misuse("mul", "a * b", (SIZES,)),
    Misuse("div", "a / b", (SIZES,)),
    Misuse("pow", "a ** b", (SIZES,)),
    Misuse("maximum", "lib.maximum(a, b)", (SIZES,)),
    Misuse("minimum", "lib.minimum(a, b)", (SIZES,)),
    Misuse("where", "lib.where(a > 0, a, b)", (SIZES,)),
    Misuse("eq", "a == b", (SIZES,)),
    Misuse("lt", "a < b", (SIZES,)),
    Misuse("masked_fill", "a.masked_fill(lib.ones(4, dtype=lib.bool), 0.0)", (r"\(3\).*\(4\)",)),
    Misuse("add_in_place_broadcast", "x.add_(lib.ones(4, 2, 3))", (r"\[2, 3\]", r"\[4, 2, 3\]")),
    Misuse("mul_in_place_float_into_int", "lib.tensor([1, 2]).mul_(1.5)", ("Float", "Long")),
    Misuse("lerp_shapes", "a.lerp(b, 0.5)", (r"\((3|5)\).*\((3|5)\)",)),
    Misuse("broadcast_three_dims", "lib.zeros(2, 1, 3) - lib.zeros(5, 4)", (r"\(3\).*\(4\).*2",)),
    # ------------------------------------------------ matmul
    Misuse("matmul_2d", "a @ b", ("2x3", "4x5")),
    Misuse("matmul_matrix_vector", "a @ v4", ("3", "4")),
    Misuse("matmul_vector_matrix", "v3 @ b", ("3", "4")),
    Misuse("matmul_vectors", "v3 @ v4", ("3", "4")),
    Misuse("matmul_batch", "lib.ones(2, 2, 3) @ lib.ones(3, 3, 4)", (r"\(2\).*\(3\)",)),
    Misuse("matmul_0d", "lib.tensor(2.0) @ a", ("1D",)),
    Misuse(
        "matmul_dtypes", "a @ lib.ones(3, 2, dtype=lib.float64)", ("(?i)float", "(?i)64|double")
    ),
    Misuse("mm_vector", "v3.mm(b)", ("matrix",)),
    Misuse("bmm_matrix", "a.bmm(b)", ("3D",)),
    Misuse("dot_sizes", "v3.dot(v4)", (r"\[3\]", r"\[4\]")),
    Misuse("linear_in_features", "model(lib.zeros(2, 5))", ("2x5", "3x4")),
    Misuse("linear_dtype", "model(lib.zeros(2, 3, dtype=lib.float64))", ("(?i)64|double",)),
    Misuse("conv_channels", "conv(lib.zeros(1, 2, 5, 5))", (r"3 channels", r"2 channels")),
    # ------------------------------------------------ cat / stack
    Misuse("cat_sizes", "lib.cat([a, b])", ("Expected size 3", "size 5", "tensor number 1")),
    Misuse("cat_ndim", "lib.cat([a, v3])", ("2", "1")),
    Misuse("cat_empty", "lib.cat([])", ("non-empty",)),
    Misuse("stack_empty", "lib.stack([])", ("non-empty",)),
    Misuse("cat_dim", "lib.cat([a, a], dim=2)", (r"\[-2, 1\]", "2")),
    Misuse("cat_not_tensor", "lib.cat([a, 1.0])", ("Tensor", "float")),
    Misuse("stack_sizes", "lib.stack([a, b])", (r"\[2, 3\]", r"\[4, 5\]")),
    # ------------------------------------------------ view / reshape / expand / permute
    Misuse("view_size", "a.view(4, 2)", (r"\[4, 2\]", "6")),
    Misuse("reshape_two_inferred", "a.reshape(-1, -1)", ("one dimension",)),
    Misuse("reshape_size", "a.reshape(5, -1)", (r"\[5, -1\]", "6")),
    Misuse("view_non_contiguous", "a.T.view(6)", ("view", "reshape")),
    Misuse("expand_size", "a.expand(3, 3)", (r"\(3\)", r"\(2\)", "dimension 0")),
    Misuse("expand_fewer_dims", "a.expand(3)", (r"\(1\)", r"\(2\)")),
    Misuse("permute_length", "a.permute(0)", ("2", "1")),
    Misuse("permute_repeated", "a.permute(0, 0)", ("repeated|multiple", "dim")),
    Misuse("reshape_float_size", "a.reshape(2, 3.0)", ("float",)),
    Misuse("unflatten_sizes", "a.unflatten(1, (2, 2))", ("2", "3")),
    # ------------------------------------------------ bad dims
    Misuse("sum_dim", "a.sum(2)", (r"\[-2, 1\]", "got 2")),
    Misuse("mean_dim", "a.mean(-3)", (r"\[-2, 1\]", "-3")),
    Misuse("softmax_dim", "a.softmax(2)", (r"\[-2, 1\]",)),
    Misuse("transpose_dim", "a.transpose(0, 2)", (r"\[-2, 1\]",)),
    Misuse("unsqueeze_dim", "a.unsqueeze(3)", (r"\[-3, 2\]", "3")),
    Misuse("sum_repeated_dims", "a.sum((0, 0))", ("dim 0", "multiple")),
    Misuse("max_dim", "a.max(dim=5)", (r"\[-2, 1\]", "5")),
    Misuse("flatten_order", "a.flatten(1, 0)", ("start_dim", "end_dim")),
    Misuse("squeeze_dim", "a.squeeze(4)", (r"\[-2, 1\]",)),
    Misuse("amax_empty_dim", "lib.zeros(2, 0).amax(1)", ("dim 1", "non-zero")),
    Misuse("logsumexp_dim", "a.logsumexp(3)", (r"\[-2, 1\]",)),
    Misuse("split_sizes", "a.split([1, 1], dim=1)", (r"\[1, 1\]", "3")),
    Misuse("dim_not_int", "a.sum(1.5)", ("float",), cls=TypeError),
    # ------------------------------------------------ indexing
    Misuse("index_int", "a[2]", ("2", "size 2")),
    Misuse("index_too_many", "a[0, 0, 0]", ("too many indices", "2")),
    Misuse("index_tensor_range", "a[lib.tensor([0, 5])]", ("5", "size 2")),
    Misuse("index_float_tensor", "a[lib.tensor([0.0, 1.0])]", ("long", "int")),
    Misuse("index_mask_shape", "a[lib.tensor([True, False, True])]", ("3", "2")),
    Misuse("index_negative_range", "a[-3]", ("-3", "size 2")),
    Misuse("gather_range", "a.gather(1, lib.tensor([[0], [3]]))", ("3", "dimension 1", "size 3")),
    Misuse("gather_dtype", "a.gather(1, lib.tensor([[0.0]]))", ("int64", "float")),
    Misuse("index_select_2d", "a.index_select(0, lib.tensor([[0]]))", ("vector",)),
    Misuse("index_select_range", "a.index_select(0, lib.tensor([2]))", ("2",), cls=Exception),
    Misuse("setitem_shape", "x[0] = lib.ones(4)", ("4", "3")),
    Misuse("select_range", "a.select(0, 2)", ("2", "dimension 0")),
    Misuse("embedding_range", "emb(lib.tensor([0, 10]))", ("out of range",)),
    # ------------------------------------------------ autograd
    Misuse(
        "backward_twice",
        "y.backward()",
        ("second time", "retain_graph"),
        prep="y = (a * a).sum(); y.backward()",
    ),
    Misuse("backward_non_scalar", "x.backward()", ("scalar outputs",)),
    Misuse("backward_gradient_shape", "x.backward(lib.ones(3))", (r"\[3\]", r"\[2, 3\]")),
    Misuse("backward_no_grad", "b.sum().backward()", ("does not require grad",)),
    Misuse("grad_unused", "lib.autograd.grad((a * 2).sum(), [a, c])", ("allow_unused",)),
    Misuse("grad_of_constant", "lib.autograd.grad((a * 2).sum(), b)", ("does not require grad",)),
    Misuse("grad_outputs_shape", "lib.autograd.grad(x, a, lib.ones(3))", (r"\[3\]", r"\[2, 3\]")),
    Misuse("in_place_leaf", "a.add_(1)", ("leaf", "in-place")),
    Misuse("in_place_view_of_leaf", "a[0].mul_(2)", ("view of a leaf",)),
    Misuse(
        "saved_tensor_changed",
        "y.backward()",
        (r"\[2, 3\]", "version", "inplace"),
        prep="h = a * 2; y = (h * h).sum(); h.add_(1)",
    ),
    Misuse("numpy_requires_grad", "a.numpy()", ("requires grad", "detach")),
    Misuse("item_many", "a.item()", ("6 elements",)),
    Misuse("int_requires_grad", "lib.tensor([1, 2], requires_grad=True)", ("floating point",)),
    Misuse("retain_grad_constant", "b.retain_grad()", ("requires_grad=False",)),
    Misuse("hook_on_constant", "b.register_hook(lambda g: g)", ("require",)),
    Misuse("requires_grad_non_leaf", "x.requires_grad_(False)", ("leaf",)),
    Misuse("grad_wrong_dtype", "setattr(a, 'grad', lib.zeros(2, 3, dtype=lib.float64))", ("type",)),
    Misuse("grad_wrong_shape", "setattr(a, 'grad', lib.zeros(3, 2))", ("size",)),
    # ------------------------------------------------ optimizers
    Misuse("sgd_negative_lr", "optim.SGD(params, lr=-0.1)", ("learning rate", "-0.1")),
    # PyTorch's SGD checks `lr < 0`, so it takes lr=nan; its other optimizers refuse it.
    Misuse("sgd_minus_inf_lr", "optim.SGD(params, lr=-float('inf'))", ("learning rate", "inf")),
    Misuse("adam_nan_lr", "optim.Adam(params, lr=float('nan'))", ("learning rate", "nan")),
    Misuse("adamw_minus_inf_lr", "optim.AdamW(params, lr=-float('inf'))", ("learning rate",)),
    Misuse("rmsprop_nan_lr", "optim.RMSprop(params, lr=float('nan'))", ("learning rate",)),
    Misuse("adagrad_negative_lr", "optim.Adagrad(params, lr=-1.0)", ("learning rate",)),
    Misuse("sgd_momentum", "optim.SGD(params, lr=0.1, momentum=-1)", ("momentum", "-1")),
    Misuse("sgd_nesterov", "optim.SGD(params, lr=0.1, nesterov=True)", ("Nesterov", "momentum")),
    Misuse("sgd_weight_decay", "optim.SGD(params, lr=0.1, weight_decay=-1)", ("weight_decay",)),
    Misuse("adam_beta", "optim.Adam(params, betas=(1.0, 0.999))", ("beta", "index 0", "1.0")),
    Misuse("adam_eps", "optim.Adam(params, eps=-1e-8)", ("epsilon",)),
    Misuse("rmsprop_alpha", "optim.RMSprop(params, alpha=-0.5)", ("alpha",)),
    Misuse("adagrad_lr_decay", "optim.Adagrad(params, lr_decay=-1)", ("lr_decay",)),
    Misuse("optimizer_empty", "optim.SGD([], lr=0.1)", ("empty parameter list",)),
    Misuse("optimizer_tensor_not_list", "optim.SGD(a, lr=0.1)", ("iterable",)),
    Misuse(
        "optimizer_duplicate_groups",
        "optim.SGD([{'params': [a]}, {'params': [a]}], lr=0.1)",
        ("more than one",),
    ),
    Misuse(
        "optimizer_state_dict_groups",
        "opt.load_state_dict({'state': {}, 'param_groups': []})",
        ("parameter groups",),
    ),
    # ------------------------------------------------ losses
    Misuse(
        "cross_entropy_batch",
        "F.cross_entropy(lib.zeros(4, 3), lib.tensor([0, 1, 2]))",
        (r"\(4\)", r"\(3\)"),
    ),
    Misuse(
        "cross_entropy_target_range",
        "F.cross_entropy(lib.zeros(4, 3), lib.tensor([0, 1, 2, 3]))",
        ("3", "out of bounds"),
    ),
    Misuse(
        "nll_target_range",
        "F.nll_loss(lib.zeros(4, 3), lib.tensor([0, 1, 2, 5]))",
        ("5", "out of bounds"),
    ),
    Misuse(
        "bce_logits_shape",
        "F.binary_cross_entropy_with_logits(lib.zeros(4), lib.zeros(3))",
        (r"\[3\]", r"\[4\]"),
    ),
    Misuse("bce_shape", "F.binary_cross_entropy(lib.zeros(4), lib.zeros(3))", (r"\[3\]", r"\[4\]")),
    Misuse(
        "bce_range",
        "F.binary_cross_entropy(lib.tensor([1.5]), lib.tensor([1.0]))",
        ("between 0 and 1",),
    ),
    Misuse("reduction_name", "F.mse_loss(a, a, reduction='avg')", ("avg", "reduction")),
    Misuse(
        "loss_module_reduction",
        "nn.CrossEntropyLoss(reduction='bogus')(lib.zeros(2, 3), lib.tensor([0, 1]))",
        ("bogus",),
    ),
    Misuse(
        "cross_entropy_float_target_shape",
        "F.cross_entropy(lib.zeros(2, 3), lib.tensor([0.0, 1.0]))",
        ("Float",),
    ),
    Misuse(
        "nll_wrong_dims",
        "F.nll_loss(lib.zeros(2, 3, 4, 5, 6, 7), lib.zeros(2, dtype=lib.int64))",
        ("2",),
    ),
    # ------------------------------------------------ modules
    Misuse(
        "load_state_dict_shapes",
        "model.load_state_dict({'weight': lib.zeros(2, 2), 'bias': lib.zeros(3)})",
        ("weight", r"\[2, 2\]", r"\[4, 3\]"),
    ),
    Misuse(
        "load_state_dict_unexpected",
        "model.load_state_dict({'weight': lib.zeros(4, 3), 'bias': lib.zeros(4), 'x': a})",
        ("Unexpected", "x"),
        unchanged=False,
    ),
    Misuse("module_attribute", "model.no_such_thing", ("no_such_thing",)),
    Misuse("add_module_name", "model.add_module('a.b', lib.nn.ReLU())", ("a.b",)),
    Misuse("register_buffer_name", "model.register_buffer('weight', lib.zeros(2))", ("weight",)),
    Misuse("parameter_of_int", "nn.Parameter(lib.tensor([1, 2]))", ("floating point",)),
    # ------------------------------------------------ files
    Misuse("load_missing_file", "lib.load(missing)", ("missing.pt",)),
    Misuse(
        "load_truncated_file",
        "lib.load(truncated)",
        ("truncated",),
        cls=RuntimeError,
        tags=("format",),
    ),
]

FOREIGN_FILES = ["text_file", "empty_file", "truncated"]


def _snapshot(ns: dict) -> dict:
    """Values, versions and grads of every tensor, and the optimizer's state, by name."""
    snap = {}
    for name, value in ns.items():
        tensors = {}
        if isinstance(value, (tg.Tensor, torch.Tensor)):
            tensors[name] = value
        elif isinstance(value, (tg.nn.Module, torch.nn.Module)):
            tensors.update({f"{name}.{k}": v for k, v in value.state_dict().items()})
        for key, t in tensors.items():
            grad = None if t.grad is None else t.grad.detach().numpy().copy()
            snap[key] = (t.detach().numpy().copy(), t._version, grad)
    opt = ns["opt"]
    snap["opt.state"] = repr(sorted((str(k), sorted(v)) for k, v in opt.state.items()))
    snap["opt.groups"] = repr(
        [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    )
    return snap


def _assert_unchanged(before: dict, after: dict, where: str) -> None:
    assert before.keys() == after.keys(), f"{where}: objects appeared or vanished"
    for key, old in before.items():
        new = after[key]
        if isinstance(old, str):
            assert old == new, f"{where}: {key} changed"
            continue
        np.testing.assert_array_equal(old[0], new[0], err_msg=f"{where}: {key} values changed")
        assert old[1] == new[1], f"{where}: {key} version {old[1]} -> {new[1]}"
        assert (old[2] is None) == (new[2] is None), f"{where}: {key}.grad changed"
        if old[2] is not None:
            np.testing.assert_array_equal(old[2], new[2], err_msg=f"{where}: {key}.grad changed")


def _run(lib, row: Misuse, tmp_path):
    ns = namespace(lib, tmp_path)
    if row.prep:
        exec(row.prep, ns)  # our own table
    before = _snapshot(ns)
    with pytest.raises(Exception) as info:
        exec(row.code, ns)
    if row.unchanged:
        _assert_unchanged(before, _snapshot(ns), f"{lib.__name__} `{row.code}`")
    return info.value


def test_the_table_has_at_least_60_misuses():
    assert len(MISUSES) >= 60
    assert len({row.name for row in MISUSES}) == len(MISUSES)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("row", MISUSES, ids=lambda row: row.name)
def test_misuse_raises_like_torch_and_changes_nothing(row, tmp_path):
    theirs = _run(torch, row, tmp_path)
    ours = _run(tg, row, tmp_path)
    expected = row.cls or _builtin_class(theirs)
    assert isinstance(theirs, expected), f"torch raised {type(theirs).__name__}: {theirs}"
    assert isinstance(ours, expected), (
        f"tinygrad_nn raised {type(ours).__name__} ({ours}); torch raised "
        f"{type(theirs).__name__} ({theirs})"
    )
    message = str(ours)
    for pattern in row.mentions:
        assert re.search(pattern, message), f"message {message!r} does not mention {pattern!r}"


def _builtin_class(exc: BaseException) -> type:
    """PyTorch's class, or its first builtin base (torch.OutOfMemoryError -> RuntimeError)."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins":
            return cls
    return type(exc)


@pytest.mark.parametrize("which", FOREIGN_FILES)
def test_load_refuses_foreign_and_corrupt_files_clearly(which, tmp_path):
    """PyTorch's pickle-based loader raises pickle's UnpicklingError for a text file, so the
    class cannot be compared there; ours must raise a RuntimeError or ValueError naming the
    file and saying what it expected, and must not return anything."""
    ns = namespace(tg, tmp_path)
    with pytest.raises((RuntimeError, ValueError)) as info:
        tg.load(ns[which])
    message = str(info.value)
    assert re.search(r"safetensors|header|truncated|not a", message, re.IGNORECASE), message
    assert ns[which].split("/")[-1] in message or "file" in message, message


def test_load_of_a_safetensors_file_from_another_writer_works(tmp_path):
    """The foreign format we do accept: a plain safetensors file (not an error case)."""
    from safetensors.numpy import save_file

    path = tmp_path / "plain.safetensors"
    save_file({"w": np.arange(6, dtype=np.float32).reshape(2, 3)}, str(path))
    loaded = tg.load(str(path))
    np.testing.assert_array_equal(loaded["w"].numpy(), np.arange(6).reshape(2, 3))
