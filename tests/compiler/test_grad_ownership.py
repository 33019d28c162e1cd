"""Gradients a compiled model's backward hands to `.grad` without copying them.

The backward program of a compiled forward returns fresh arrays that nobody else holds;
`.grad` keeps those as they are (PyTorch steals such a buffer too) and copies everything
else: a gradient two parameters share, an incoming gradient passed through, one that a
hook, a node hook, a tool or `autograd.grad` gets to see. Every case must look exactly as
in eager mode: the same bits, and no `.grad` whose memory anything else can change.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.compiler.helpers import assert_same_bits
from tinygrad_nn import nn
from tinygrad_nn.autograd.observers import observers
from tinygrad_nn.compiler import codegen
from tinygrad_nn.compiler.record import Line


class Shared(nn.Module):
    """out = (a + b) * x + c: a and b get the very same gradient array, and c gets the
    gradient that arrives, unchanged."""

    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(tg.randn(3, 4))
        self.b = nn.Parameter(tg.randn(3, 4))
        self.c = nn.Parameter(tg.randn(3, 4))

    def forward(self, x):
        return (self.a + self.b) * x + self.c


def _shared():
    tg.manual_seed(1)
    return Shared()


def _mlp():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))


def _pair(make, x):
    """The same model twice, eager and compiled; the compiled one traced on `x` already."""
    eager, other = make(), make()
    compiled = tg.compile(other)
    compiled(x)
    return eager, other, compiled


def _grads(model) -> list:
    return [None if p.grad is None else p.grad.numpy().copy() for p in model.parameters()]


def _arrays(model) -> list:
    return [p.grad._data for p in model.parameters() if p.grad is not None]


def _assert_private(arrays: list, others: list) -> None:
    """No two `.grad` arrays share memory, nor one with any array in `others`."""
    for i, a in enumerate(arrays):
        for b in arrays[i + 1 :] + others:
            assert not np.shares_memory(a, b)


def _backward_program(compiled):
    return compiled._compiled_call.programs[0].backward


def test_fresh_gradients_become_grad_without_a_copy():
    x, g = tg.randn(6, 5), tg.randn(6, 3)
    eager, model, compiled = _pair(_mlp, x)
    eager(x).backward(g)
    out = compiled(x)
    out.backward(g)
    assert_same_bits(_grads(eager), _grads(model))
    assert _backward_program(compiled).owned == (0, 1, 2, 3)
    # kept as made: each .grad owns its memory (no copy to keep a buffer alive for)
    assert all(a.base is None for a in _arrays(model))
    _assert_private(_arrays(model), [x._data, g._data, out._data])
    _assert_private(_arrays(model), [p._data for p in model.parameters()])
    assert all(not p.grad.__dict__ for p in model.parameters())  # the mark is gone


def test_a_gradient_two_parameters_share_is_copied():
    x, g = tg.randn(3, 4), tg.randn(3, 4)
    eager, model, compiled = _pair(_shared, x)
    eager(x).backward(g)
    compiled(x).backward(g)
    assert_same_bits(_grads(eager), _grads(model))
    assert _backward_program(compiled).owned == ()  # a and b share; c is `g` itself
    _assert_private(_arrays(model), [x._data, g._data])
    model.a.grad.add_(1.0)  # changing one gradient leaves the other alone, as in eager mode
    assert_same_bits([model.b.grad.numpy()], [eager.b.grad.numpy()])
    g.mul_(2.0)  # nor does the incoming gradient reach c.grad
    assert_same_bits([model.c.grad.numpy()], [eager.c.grad.numpy()])


def test_retain_graph_and_a_second_backward_accumulate_as_eager():
    x, g = tg.randn(6, 5), tg.randn(6, 3)
    eager, model, compiled = _pair(_mlp, x)
    out_e, out_c = eager(x), compiled(x)
    for _ in range(2):
        out_e.backward(g, retain_graph=True)
        out_c.backward(g, retain_graph=True)
        assert_same_bits(_grads(eager), _grads(model))
        _assert_private(_arrays(model), [x._data, g._data])
    first = [p.grad for p in model.parameters()]
    compiled(x).backward(g)  # a new graph: into the same .grad tensors, in place
    eager(x).backward(g)
    assert all(p.grad is t for p, t in zip(model.parameters(), first))
    assert_same_bits(_grads(eager), _grads(model))


def test_gradients_changed_in_place_by_the_user_change_nothing_else():
    x, g = tg.randn(6, 5), tg.randn(6, 3)
    eager, model, compiled = _pair(_mlp, x)
    for step in range(3):
        for m in (eager, model):
            for p in m.parameters():
                p.grad = None
        out_e, out_c = eager(x), compiled(x)
        out_e.backward(g, retain_graph=True)
        out_c.backward(g, retain_graph=True)
        for m in (eager, model):  # the user scales and clips the gradients in place
            for p in m.parameters():
                p.grad.mul_(0.5).clamp_(-0.1, 0.1)
        out_e.backward(g)  # saved arrays untouched: the second pass is as eager's
        out_c.backward(g)
        assert_same_bits(_grads(eager), _grads(model))
        with tg.no_grad():
            for m in (eager, model):
                for p in m.parameters():
                    p.sub_(p.grad * (step + 1))
    assert_same_bits([p.detach().numpy() for p in eager.parameters()],
                     [p.detach().numpy() for p in model.parameters()])  # fmt: skip


def test_a_hook_on_a_parameter_sees_a_gradient_grad_does_not_share():
    x, g = tg.randn(6, 5), tg.randn(6, 3)
    eager, model, compiled = _pair(_mlp, x)
    seen = {}

    def keeper(i):
        def hook(grad):
            seen.setdefault(i, grad)  # returns None: the gradient goes on unchanged

        return hook

    for i, p in enumerate(model.parameters()):
        p.register_hook(keeper(i))
    compiled(x).backward(g)
    eager(x).backward(g)
    assert_same_bits(_grads(eager), _grads(model))
    kept = [seen[i].numpy().copy() for i in sorted(seen)]
    for i, p in enumerate(model.parameters()):
        assert seen[i] is not p.grad and not np.shares_memory(seen[i]._data, p.grad._data)
    compiled(x).backward(g)  # accumulates into .grad, not into what the hooks kept
    assert_same_bits(kept, [seen[i].numpy() for i in sorted(seen)])


def test_a_node_hook_on_the_compiled_backward_keeps_its_own_gradients():
    x, g = tg.randn(6, 5), tg.randn(6, 3)
    eager, model, compiled = _pair(_mlp, x)
    kept = []
    out = compiled(x)
    out.grad_fn.register_hook(lambda grad_inputs, grad_outputs: kept.extend(grad_inputs))
    out.backward(g)
    eager(x).backward(g)
    assert_same_bits(_grads(eager), _grads(model))
    values = [t.numpy().copy() for t in kept]
    _assert_private(_arrays(model), [t._data for t in kept])
    for p in model.parameters():
        p.grad.zero_()
    assert_same_bits(values, [t.numpy() for t in kept])


def test_a_tool_watching_accumulation_sees_a_gradient_grad_does_not_share():
    x, g = tg.randn(6, 5), tg.randn(6, 3)
    _, model, compiled = _pair(_mlp, x)
    seen = []

    def watch(leaf, grad):
        seen.append(grad)

    observers.on_accumulate.append(watch)
    try:
        compiled(x).backward(g)
    finally:
        observers.on_accumulate.remove(watch)
    assert len(seen) == 4
    _assert_private(_arrays(model), [t._data for t in seen])


def test_autograd_grad_results_are_never_taken_later():
    x, g = tg.randn(6, 5), tg.randn(6, 3)
    eager, model, compiled = _pair(_mlp, x)
    params = list(model.parameters())
    grads = tg.autograd.grad(compiled(x), params, g)
    expected = tg.autograd.grad(eager(x), list(eager.parameters()), g)
    assert_same_bits([t.numpy() for t in expected], [t.numpy() for t in grads])
    assert all(not t.__dict__ for t in grads)  # no mark left on what the caller holds
    for p, t in zip(params, grads):  # a leaf's backward with a gradient the caller holds
        p.backward(t)
        assert p.grad is not t and not np.shares_memory(p.grad._data, t._data)
    compiled(x).backward(g, inputs=params[:2])  # backward(inputs=...) goes through grad()
    _assert_private(_arrays(model), [t._data for t in grads])


def test_what_hooks_see_in_autograd_grad_is_never_taken_later():
    x, g = tg.randn(6, 5), tg.randn(6, 3)
    _, model, compiled = _pair(_mlp, x)
    params = list(model.parameters())
    seen = {}
    handles = [p.register_hook(lambda grad, i=i: seen.__setitem__(i, grad))
               for i, p in enumerate(params)]  # fmt: skip
    tg.autograd.grad(compiled(x), params, g)
    for h in handles:
        h.remove()
    assert len(seen) == 4 and all(not t.__dict__ for t in seen.values())
    for i, p in enumerate(params):  # the tensor a hook kept, used as a gradient
        t = seen[i]
        p.backward(t)
        assert p.grad is not t and not np.shares_memory(p.grad._data, t._data)


class _PassThrough(tg.autograd.Function):
    """y = x; backward keeps the gradient it passes on (a user's op may hold anything)."""

    kept: list = []

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        _PassThrough.kept.append(grad)
        return grad


def test_a_gradient_for_an_input_goes_through_other_nodes_and_is_copied_at_the_leaf():
    x, g = tg.randn(6, 5), tg.randn(6, 3)
    _, model, compiled = _pair(_mlp, x)
    leaf = x.clone().requires_grad_()
    compiled(_PassThrough.apply(leaf))  # traced with an input that needs a gradient
    _PassThrough.kept.clear()
    compiled(_PassThrough.apply(leaf)).backward(g)
    (kept,) = _PassThrough.kept
    assert 0 in _backward_program(compiled).owned or 4 in _backward_program(compiled).owned
    assert leaf.grad is not kept and not np.shares_memory(leaf.grad._data, kept._data)


def test_create_graph_gives_gradients_that_refuse_double_backward():
    x = tg.randn(6, 5)
    _, model, compiled = _pair(_mlp, x)
    compiled(x).sum().backward(create_graph=True)
    weight = next(iter(model.parameters()))
    assert weight.grad.grad_fn is not None
    with pytest.raises(RuntimeError, match="double backward"):
        weight.grad.sum().backward()


class Layouts(nn.Module):
    """w's gradient is a product of transposed operands; a's is a slice of a product."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(tg.randn(3, 5))
        self.a = nn.Parameter(tg.randn(2, 3))

    def forward(self, x):
        y = x @ self.w.T  # (6, 3)
        return tg.cat([self.a, tg.ones(4, 3)]) * y


def _layouts():
    tg.manual_seed(2)
    return Layouts()


def test_grad_has_the_layout_a_copy_would_have():
    x, g = tg.randn(6, 5), tg.randn(6, 3)
    eager, model, compiled = _pair(_layouts, x)
    eager(x).backward(g)
    compiled(x).backward(g)
    assert_same_bits(_grads(eager), _grads(model))
    for mine, theirs in zip(model.parameters(), eager.parameters()):
        assert mine.grad._data.strides == theirs.grad._data.strides
    assert model.a.grad._data.base is None  # a slice of a larger array: copied


def _line(source: str, defines=(), uses=(), writes=()) -> Line:
    line = Line.__new__(Line)
    line.source, line.defines, line.uses = source, tuple(defines), set(uses)
    line.writes, line.effect = tuple(writes), bool(writes)
    return line


def test_owned_outputs_accepts_only_memory_the_program_allocates_once():
    lines = [
        _line("t1 = np.matmul(grad_0, w)", ["t1"], ["grad_0", "w"]),
        _line("t2 = np.add.reduce(t1, axis=0)", ["t2"], ["t1"]),
        _line("t3 = t1.T", ["t3"], ["t1"]),  # a view of t1: t1 and t3 share memory
        _line("t4 = grad_0.reshape((6,))", ["t4"], ["grad_0"]),  # an input's memory
        _line("t5 = np.ascontiguousarray(t2)", ["t5"], ["t2"]),  # may be t2 itself
        _line("t6 = np.multiply(t2, t2)", ["t6"], ["t2"]),
        _line("t7 = np.exp(t6, out=(t6,))", ["t7"], ["t6"], ["t6"]),  # still t6's memory
        _line("t8 = np.negative(w)", ["t8"], ["w"]),
        _line("t9 = _keep(t8)", ["t9"], ["t8"]),  # unknown code: it may keep t8
        _line("np.add(t10, t2, out=(t10,))", [], ["t10", "t2"], ["t10"]),
    ]
    returned = ["t1", "t3", "t4", "t5", "t7", "t8", "None", "t2"]
    # t1/t3 share, t4 is an input's, t5 unknown, t8 was passed to unknown code
    assert codegen.owned_outputs(lines, returned) == (4,)
    assert codegen.owned_outputs(lines, ["t2", "t7", "t2"]) == (1,)  # t2 returned twice
