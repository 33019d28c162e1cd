"""Jacobians, Hessians and their products with vectors, built on `autograd.grad`.

Reverse mode gives one vector-Jacobian product (VJP) per backward pass: `v^T J` for a chosen
vector v over the *outputs*. Everything here is made of VJPs:

    vjp(f, x, v)       v^T J                        one backward pass
    jacobian(f, x)     J, one row per output entry  one pass per output element (v = e_k)
    jvp(f, x, v)       J v                          the "double-VJP trick": u -> u^T J is
                                                    linear in u, so differentiating it with
                                                    respect to u in direction v gives J v
    vhp(f, x, v)       v^T H                        VJP of the gradient (create_graph=True)
    hvp(f, x, v)       H v                          the double-VJP trick on the gradient
    hessian(f, x)      H = jacobian of the gradient

Same semantics as `torch.autograd.functional`: `inputs` (and `v`) are a Tensor or a tuple of
Tensors, results come back with the same nesting - a Tensor for a Tensor, a tuple for a
tuple, a tuple of tuples for `jacobian` with tuple outputs and inputs. An input the output
does not depend on gets zeros (or a RuntimeError with `strict=True`). Without
`create_graph`, results are detached; with it they can be differentiated again.
`vectorize=True` is accepted and gives the same numbers (the rows are computed one by one).
"""

from __future__ import annotations

from ..tensor import Tensor
from ._parity import set_grad_enabled
from .engine import grad as _grad
from .grad_mode import enable_grad, is_grad_enabled

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


# ---------------------------------------------------------------- argument handling


def _tensors(value, what: str, fn: str) -> tuple[bool, tuple]:
    """(was it a tuple?, value as a tuple of Tensors); TypeError naming what is wrong."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {what}"
            raise TypeError(
                f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but "
                f"{where} has type {type(item)}."
            )
    return is_tuple, items


def _prepare(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh graph roots for differentiation. With create_graph, an input that requires grad
    stays connected to its own history (through a view), so results can be differentiated
    with respect to the caller's tensors; otherwise inputs are detached copies of nothing."""
    out = []
    for x in inputs:
        if create_graph and x.requires_grad:
            out.append(x.view_as(x))
        else:
            out.append(x.detach().requires_grad_(need_graph))
    return tuple(out)


def _check_v(v: tuple, refs: tuple, refs_are_tuple: bool) -> None:
    """v must have one entry per reference tensor, each of the same shape."""
    if len(v) != len(refs):
        if refs_are_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(refs)} but got {len(v)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (vi, ref) in enumerate(zip(v, refs)):
        if vi.shape != ref.shape:
            entry = f"Entry {i} in " if refs_are_tuple else ""
            raise RuntimeError(
                f"{entry}v has invalid size: should be {ref.shape} but got {vi.shape}."
            )


def _require_graph(tensors: tuple, strict: bool, what: str) -> None:
    """In strict mode, every tensor must exist and require grad (depend on the inputs)."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None or not t.requires_grad:
            raise RuntimeError(
                f"{what} {i} does not depend on the inputs of the user-provided function "
                "(it does not require grad). This is not allowed in strict mode."
            )


def _vjp(outputs: tuple, inputs: tuple, v, create_graph: bool) -> tuple:
    """autograd.grad over the outputs that are in a graph; None for unreached inputs."""
    v = (None,) * len(outputs) if v is None else v
    kept = [(o, g) for o, g in zip(outputs, v) if o is not None and o.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    outs, grads = zip(*kept)
    return _grad(
        outs, inputs, grads, retain_graph=True, create_graph=create_graph, allow_unused=True
    )


def _zeros_for_none(grads: tuple, refs: tuple, strict: bool, create_graph: bool, what: str):
    """Replace a None gradient (no path) by zeros; strict mode refuses it instead."""
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"The {what} is independent of input {i}. This is not allowed in strict mode."
                )
            g = ref.detach().new_zeros(ref.shape)
        elif strict and create_graph and not g.requires_grad:
            raise RuntimeError(
                f"The {what} with respect to input {i} does not depend on the inputs. This is "
                "not allowed in strict mode when create_graph=True."
            )
        out.append(g)
    return tuple(out)


def _finish(values, create_graph: bool):
    """Detach (nested tuples of) results unless the caller wants to differentiate them."""
    if isinstance(values, tuple):
        return tuple(_finish(v, create_graph) for v in values)
    return values if create_graph else values.detach()


def _unpack(values: tuple, is_tuple: bool):
    return values if is_tuple else values[0]


def _single_element_output(out, fn: str) -> Tensor:
    if isinstance(out, tuple) or not isinstance(out, Tensor):
        # RuntimeError (not TypeError) because that is what PyTorch raises here.
        message = f"The function given to {fn} must return a single Tensor"
        raise RuntimeError(message)
    if out.numel() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {fn} should contain a single element"
        )
    return out


# ---------------------------------------------------------------- products


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """`(func(*inputs), v^T J)`: the vector-Jacobian product, one backward pass.

    Args:
        func: function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        v: like the outputs; may be None only for a single one-element output.
        create_graph: record the computation so the result can be differentiated again.
        strict: raise instead of returning zeros for an input the output ignores.

    Returns:
        `(outputs, vjp)` with the nesting of the outputs and of the inputs.
    """
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _tensors(
            func(*inputs), "outputs of the user-provided function", "vjp"
        )
        _require_graph(outputs, strict, "Output")
        if v is not None:
            v = _prepare(_tensors(v, "v", "vjp")[1], create_graph, need_graph=False)
            _check_v(v, outputs, outputs_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns a single "
                "Tensor with a single element."
            )
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _vjp(outputs, inputs, v, create_graph)
        result = _zeros_for_none(grads, inputs, strict, create_graph, "output of the function")
    return (
        _unpack(_finish(outputs, create_graph), outputs_tuple),
        _unpack(_finish(result, create_graph), inputs_tuple),
    )


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """`(func(*inputs), J v)`: the Jacobian-vector product, by the double-VJP trick.

    g(u) = u^T J is linear in u; its gradient with respect to u, contracted with v, is J v.
    So: backward once from the outputs with a placeholder u (recording the graph), then
    backward through that from the input gradients with v. Arguments as in `vjp`, with `v`
    shaped like the inputs (None only for a single one-element input).
    """
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        if v is not None:
            v = _prepare(_tensors(v, "v", "jvp")[1], create_graph, need_graph=False)
            _check_v(v, inputs, inputs_tuple)
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a "
                "single Tensor with a single element."
            )
        outputs_tuple, outputs = _tensors(
            func(*inputs), "outputs of the user-provided function", "jvp"
        )
        _require_graph(outputs, strict, "Output")
        # u's value never matters (the VJP is linear in u); zeros keep inf/nan out of it.
        u = tuple(
            o.detach().new_zeros(o.shape).requires_grad_(o.is_floating_point()) for o in outputs
        )
        grads = _vjp(outputs, inputs, u, create_graph=True)
        _require_graph(grads, strict, "The gradient with respect to input")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        result = _vjp(grads, u, v, create_graph)
        result = _zeros_for_none(result, outputs, strict, create_graph, "Jacobian-vector product")
    return (
        _unpack(_finish(outputs, create_graph), outputs_tuple),
        _unpack(_finish(result, create_graph), outputs_tuple),
    )


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """`(func(*inputs), v^T H)` for a function with a single-element output: the VJP of the
    gradient, which is recorded with create_graph=True. `v` is shaped like the inputs."""
    outputs, inputs, inputs_tuple, v, grads = _gradient_for_products(
        func, inputs, v, create_graph, strict, "vhp"
    )
    with set_grad_enabled(create_graph or is_grad_enabled()):
        result = _vjp(grads, inputs, v, create_graph)
        result = _zeros_for_none(result, inputs, strict, create_graph, "jacobian of the function")
    return _finish(outputs[0], create_graph), _unpack(_finish(result, create_graph), inputs_tuple)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """`(func(*inputs), H v)` for a function with a single-element output, by the double-VJP
    trick on the gradient (equal to `vhp` up to rounding, since H is symmetric)."""
    outputs, inputs, inputs_tuple, v, grads = _gradient_for_products(
        func, inputs, v, create_graph, strict, "hvp"
    )
    with enable_grad():
        u = tuple(x.detach().new_zeros(x.shape).requires_grad_() for x in inputs)
        back = _vjp(grads, inputs, u, create_graph=True)
        _require_graph(back, strict, "The Hessian with respect to input")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        result = _vjp(back, u, v, create_graph)
        result = _zeros_for_none(result, inputs, strict, create_graph, "Hessian of the function")
    return _finish(outputs[0], create_graph), _unpack(_finish(result, create_graph), inputs_tuple)


def _gradient_for_products(func, inputs, v, create_graph: bool, strict: bool, fn: str):
    """The shared first half of vhp/hvp: checked inputs and v, the output and its gradient."""
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", fn)
        inputs = _prepare(inputs, create_graph, need_graph=True)
        if v is not None:
            v = _prepare(_tensors(v, "v", fn)[1], create_graph, need_graph=False)
            _check_v(v, inputs, inputs_tuple)
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a "
                "single Tensor with a single element."
            )
        out = func(*inputs)
        _tensors(out, "outputs of the user-provided function", fn)
        outputs = (_single_element_output(out, fn),)
        _require_graph(outputs, strict, "Output")
        grads = _vjp(outputs, inputs, None, create_graph=True)
        _require_graph(grads, strict, "The jacobian with respect to input")
    return outputs, inputs, inputs_tuple, v, grads


# ---------------------------------------------------------------- full matrices


def _check_strategy(strategy: str, vectorize: bool, create_graph: bool, fn: str) -> None:
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(  # PyTorch's class for this mistake
            f'Expected strategy to be either "forward-mode" or "reverse-mode". Got {strategy}.'
        )
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(
            f"{fn}: strategy='forward-mode' is only implemented together with vectorize=True."
        )
    if strategy == "forward-mode" and create_graph:
        raise NotImplementedError(
            f"{fn}: create_graph=True and strategy='forward-mode' are not supported together."
        )


def jacobian(
    func,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
):
    """The Jacobian of `func` at `inputs`: entry [i][j] has shape outputs[i].shape +
    inputs[j].shape, a Tensor when both are single Tensors (tuples otherwise, as in PyTorch).

    Reverse mode builds it one row at a time: a VJP with v = e_k for each output element k.
    `strategy="forward-mode"` (with `vectorize=True`) builds it column by column from JVPs.
    """
    _check_strategy(strategy, vectorize, create_graph, "jacobian")
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _tensors(
            func(*inputs), "outputs of the user-provided function", "jacobian"
        )
        _require_graph(outputs, strict, "Output")
        if strategy == "forward-mode":
            rows = _jacobian_by_columns(func, inputs, outputs)
        else:
            rows = tuple(
                _jacobian_rows(out, i, inputs, create_graph, strict)
                for i, out in enumerate(outputs)
            )
    rows = _finish(rows, create_graph)
    rows = rows if inputs_tuple else tuple(row[0] for row in rows)
    return rows if outputs_tuple else rows[0]


def _jacobian_rows(out: Tensor, i: int, inputs: tuple, create_graph: bool, strict: bool):
    """d out / d inputs[j] for every j, one backward pass per element of `out`."""
    pieces = [[] for _ in inputs]
    flat_grad = out.detach().new_zeros(out.numel())
    for k in range(out.numel()):
        e_k = flat_grad.clone()
        e_k[k] = 1  # the k-th unit vector picks the k-th row of J
        grads = _vjp((out,), inputs, (e_k.reshape(out.shape),), create_graph)
        for j, (g, x) in enumerate(zip(grads, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(
                        f"Output {i} of the user-provided function is independent of input {j}. "
                        "This is not allowed in strict mode."
                    )
                g = x.detach().new_zeros(x.shape)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(
                    f"The jacobian of the user-provided function is independent of input {j}. "
                    "This is not allowed in strict mode when create_graph=True."
                )
            pieces[j].append(g)
    return tuple(_stack_rows(rows, out.shape, x) for rows, x in zip(pieces, inputs))


def _stack_rows(rows: list, out_shape: tuple, x: Tensor) -> Tensor:
    shape = tuple(out_shape) + tuple(x.shape)
    if not rows:  # an empty output has an empty Jacobian
        return x.detach().new_zeros(shape)
    return _stack(rows).reshape(shape)


def _jacobian_by_columns(func, inputs: tuple, outputs: tuple):
    """Forward-mode layout: column (j, k) is J e_k for the k-th element of input j."""
    columns = [[[] for _ in inputs] for _ in outputs]
    for j, x in enumerate(inputs):
        for k in range(x.numel()):
            v = tuple(y.detach().new_zeros(y.shape) for y in inputs)
            v[j].view(-1)[k] = 1
            _, jv = jvp(func, inputs, v)
            jv = jv if isinstance(jv, tuple) else (jv,)
            for i, col in enumerate(jv):
                columns[i][j].append(col)
    result = []
    for i, out in enumerate(outputs):
        row = []
        for j, x in enumerate(inputs):
            cols = columns[i][j]
            shape = tuple(out.shape) + tuple(x.shape)
            if not cols or out.numel() == 0:
                row.append(x.detach().new_zeros(shape))
                continue
            # cols[k] has out's shape; stacking puts k last, matching the input's flat order.
            row.append(_stack([c.reshape(-1) for c in cols], dim=1).reshape(shape))
        result.append(tuple(row))
    return tuple(result)


def hessian(
    func,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
):
    """The Hessian of a function with a single-element output: the Jacobian of its gradient.

    Returns a Tensor of shape inputs.shape + inputs.shape for a single input, else a tuple of
    tuples with entry [i][j] = d^2 f / d inputs[i] d inputs[j].
    """
    _check_strategy(outer_jacobian_strategy, vectorize, create_graph, "hessian")
    inputs_tuple, inputs = _tensors(inputs, "inputs", "hessian")

    def gradient(*xs):
        def scalar(*ys):
            out = func(*ys)
            _tensors(out, "outputs of the user-provided function", "hessian")
            _require_graph((_single_element_output(out, "hessian"),), strict, "Output")
            return out.reshape(())

        grads = jacobian(scalar, xs, create_graph=True, strict=strict)
        _require_graph(grads, strict, "The jacobian with respect to input")
        return grads

    result = jacobian(
        gradient,
        inputs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    result = result if inputs_tuple else tuple(row[0] for row in result)
    return result if inputs_tuple else result[0]


def _stack(tensors: list, dim: int = 0) -> Tensor:
    from ..functions import stack  # functions.py imports the package: import at call time

    return stack(tensors, dim)
