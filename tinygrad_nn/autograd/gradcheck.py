"""Gradient checking: compare autograd's Jacobian with central finite differences.

For f: R^n -> R^m, column j of the numerical Jacobian is

    (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)          (error O(eps^2))

and row i of the analytical one is what backward gives for grad_output = e_i. The check
passes when every entry satisfies |analytical - numerical| <= atol + rtol * |numerical|.
Run it in float64: in float32 the rounding error of f swamps eps.
"""

from __future__ import annotations

import warnings

import numpy as np

from .engine import grad as autograd_grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck when a Jacobian entry is off (a RuntimeError, as in PyTorch)."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


def _outputs(func, inputs) -> tuple:
    from ..tensor import Tensor

    return tuple(o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor))


def _numerical_jacobian(func, inputs, i: int, eps: float) -> list:
    """One (n_out_elems, n_in_elems) matrix per output, for input i.

    `func` runs with grad mode as the caller left it, not under no_grad: a function that
    differentiates inside (gradgradcheck's first derivative, a user's `autograd.grad` call)
    would otherwise return nothing to compare, and the check would pass vacuously."""
    x = inputs[i]
    flat = x._data.reshape(-1)  # a view when contiguous: we perturb x's memory in place
    if not np.shares_memory(flat, x._data):
        x._data = flat.reshape(x._data.shape)
    columns = []
    for j in range(flat.size):
        original = flat[j]
        flat[j] = original + eps
        plus = [o._data.astype(np.float64).ravel().copy() for o in _outputs(func, inputs)]
        flat[j] = original - eps
        minus = [o._data.astype(np.float64).ravel().copy() for o in _outputs(func, inputs)]
        flat[j] = original
        columns.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    n_out = len(_outputs(func, inputs)) if not columns else len(columns[0])
    sizes = (
        [o._data.size for o in _outputs(func, inputs)]
        if not columns
        else [c.size for c in columns[0]]
    )
    return [
        np.stack([col[k] for col in columns], axis=1) if columns else np.zeros((sizes[k], 0))
        for k in range(n_out)
    ]


def _analytical_jacobian(outputs, inputs, i: int) -> list:
    """One (n_out_elems, n_in_elems) matrix per output, from backward with one-hot grads."""
    from ..tensor import Tensor

    x = inputs[i]
    result = []
    for out in outputs:
        jac = np.zeros((out._data.size, x._data.size))
        if out._requires_grad:
            for row in range(out._data.size):
                onehot = np.zeros(out._data.size, out._data.dtype)
                onehot[row] = 1
                (g,) = autograd_grad(
                    out,
                    x,
                    Tensor._make(onehot.reshape(out._data.shape)),
                    retain_graph=True,
                    allow_unused=True,
                )
                if g is not None:
                    jac[row] = g._data.astype(np.float64).ravel()
        result.append(jac)
    return result


def _worst(a: np.ndarray, n: np.ndarray, atol: float, rtol: float):
    excess = np.abs(a - n) - (atol + rtol * np.abs(n))
    flat = int(np.argmax(excess))
    return np.unravel_index(flat, a.shape), excess.reshape(-1)[flat]


def gradcheck(
    func,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_batched_forward_grad=False,
    check_forward_ad=False,
    check_backward_ad=True,
    fast_mode=False,
    masked=None,
) -> bool:
    """Check the gradients of `func` at `inputs` against finite differences.

    Same semantics as `torch.autograd.gradcheck`. On failure the message names the output
    and input, the worst Jacobian entry, and its analytical and numerical values.
    """
    from ..tensor import Tensor

    inputs = _as_tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if not checked:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but "
            "none of the them have requires_grad=True."
        )
    for i in checked:
        if inputs[i]._data.dtype != np.float64:  # eps = 1e-6 is below float32's resolution
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point or "
                "complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ",
                UserWarning,
                stacklevel=2,
            )
    outputs = _outputs(func, inputs)
    for i in checked:
        numerical = _numerical_jacobian(func, inputs, i, eps)
        analytical = _analytical_jacobian(outputs, inputs, i)
        for k, (a, n) in enumerate(zip(analytical, numerical)):
            if a.shape == n.shape and np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
                continue
            (row, col), _ = _worst(a, n, atol, rtol)
            message = (
                f"Jacobian mismatch for output {k} with respect to input {i},\n"
                f"numerical:{n}\nanalytical:{a}\n"
                f"worst entry: d(output {k})[{row}] / d(input {i})[{col}]: analytical "
                f"{float(a[row, col])} vs numerical {float(n[row, col])}\n"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_fwd_over_rev=False,
    check_rev_over_rev=True,
    fast_mode=False,
    masked=False,
) -> bool:
    """Check second derivatives: gradcheck of the function (inputs, v) -> vJ.

    Random `grad_outputs` v (float64, requiring grad) are made when none are given.
    """
    from ..random import Generator, normal_array
    from ..tensor import Tensor

    inputs = _as_tuple(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = Generator().manual_seed(0)  # private: the caller's global stream is untouched
        grad_outputs = tuple(
            Tensor._make(
                normal_array(o._data.shape, np.float64, generator=rng).astype(o._data.dtype), True
            )
            for o in outputs
        )
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]

    def first_derivative(*args):
        ins, vs = args[:n_in], args[n_in:]
        outs = _outputs(func, ins)
        pairs = [(o, v) for o, v in zip(outs, vs) if o._requires_grad]
        grads = autograd_grad(
            [o for o, _ in pairs],
            [ins[i] for i in diff_idx],
            [v for _, v in pairs],
            create_graph=True,
            allow_unused=True,
        )
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        first_derivative,
        inputs + grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
