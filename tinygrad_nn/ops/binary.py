"""Broadcasting binary ops. Each backward sums its gradient back to the input's shape.

| op        | forward          | dL/dx                         | dL/dy                        |
|-----------|------------------|-------------------------------|------------------------------|
| Add       | x + a*y          | g                             | a * g                        |
| Sub       | x - a*y          | g                             | -a * g                       |
| Mul       | x * y            | g * y                         | g * x                        |
| Div       | x / y            | g / y                         | -g * x / y^2                 |
| RoundedDiv| floor/trunc(x/y) | 0                             | 0                            |
| Remainder | x mod y (Python) | g                             | -g * floor(x / y)            |
| Fmod      | x mod y (C)      | g                             | -g * trunc(x / y)            |
| Pow       | x ** y           | g * y * x^(y-1)               | g * x^y * log(x)             |
| Maximum   | max(x, y)        | g where x > y, g/2 at ties    | g where y > x, g/2 at ties   |
| Minimum   | min(x, y)        | g where x < y, g/2 at ties    | g where y < x, g/2 at ties   |
| Where     | c ? x : y        | g where c                     | g where not c                |
| MaskedFill| m ? v : x        | g where not m                 | sum of g where m             |

Operands arrive already promoted to a common dtype by `tensor.py`; `y` may be a Python
scalar (it never needs a gradient). "unbroadcast" is in `_shape.py`.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function, is_tensor, wrap
from ._shape import unbroadcast


def _arr(v):
    return v._data if is_tensor(v) else v


def _shape(v) -> tuple:
    return v._data.shape if is_tensor(v) else ()


def _save_operands(ctx, x, y) -> None:
    """Save what Mul/Div's backward needs for a Tensor y: x only if y needs a gradient (saves
    memory), and x's shape."""
    ctx.scalar, ctx.x_shape = None, x._data.shape
    ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, y)


class Add(Function):
    """z = x + alpha * y.   dL/dx = g,   dL/dy = alpha * g."""

    number_edges = (1,)  # a number y (x + 2) is an operand with an empty edge, as in PyTorch

    @staticmethod
    def forward(ctx, x, y, alpha=1):
        return _add_or_sub(ctx, x, y, alpha, subtract=False)

    @staticmethod
    def backward(ctx, grad):
        x_shape, y_shape, alpha, subtract = ctx.shapes_alpha
        grad_x = unbroadcast(grad, x_shape) if ctx.needs_input_grad[0] else None
        grad_y = None
        if ctx.needs_input_grad[1]:
            grad_y = -grad if subtract else grad  # PyTorch's order: negate, then scale
            grad_y = unbroadcast(grad_y if alpha == 1 else grad_y * alpha, y_shape)
        # One gradient per argument: `alpha` is one only when it was given (see tensor.py).
        return (grad_x, grad_y) if len(ctx.needs_input_grad) == 2 else (grad_x, grad_y, None)


class Sub(Add):
    """z = x - alpha * y (Add's backward negates y's gradient).   dL/dx = g,
    dL/dy = -alpha * g."""

    @staticmethod
    def forward(ctx, x, y, alpha=1):
        return _add_or_sub(ctx, x, y, alpha, subtract=True)


def _add_or_sub(ctx, x, y, alpha, subtract: bool) -> np.ndarray:
    """x + alpha * y, or x - alpha * y: the forward of Add and of Sub."""
    a = x._data
    b = y._data if is_tensor(y) else y
    # One attribute, not four: on small tensors each further attribute of a node costs
    # a quarter of the addition itself.
    ctx.shapes_alpha = (a.shape, b.shape if b is not y else (), alpha, subtract)
    if alpha != 1:
        b = alpha * b
    # A subtraction, not the sum with -y: -y does not exist for unsigned ints (NumPy raises).
    return a - b if subtract else a + b


class RSub(Function):
    """z = y - x for a scalar y (`2 - x`).   dL/dx = -g."""

    node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, x, y):
        return y - x._data

    @staticmethod
    def backward(ctx, grad):
        return -grad, None


class Mul(Function):
    """z = x * y.   dL/dx = g * y,   dL/dy = g * x."""

    number_edges = (1,)  # a number y (x + 2) is an operand with an empty edge, as in PyTorch

    @staticmethod
    def forward(ctx, x, y):
        if is_tensor(y):
            _save_operands(ctx, x, y)
            return x._data * y._data
        # A number is all backward needs. PyTorch saves it (as a 0-d tensor) and frees it
        # after backward, so a second backward raises there; `x + 2` saves nothing. Nothing
        # is kept for a product no backward will see (a backward pass's own `grad * 2`).
        if ctx.needs_input_grad[0]:
            ctx.save_values(scalar=y)
        return x._data * y

    @staticmethod
    def backward(ctx, grad):
        if ctx.scalar is not None:
            return Mul.apply(grad, ctx.scalar), None  # grad * scalar, as an op
        x, y = ctx.saved_tensors
        grad_x = unbroadcast(grad * y, ctx.x_shape) if ctx.needs_input_grad[0] else None
        grad_y = unbroadcast(grad * x, y.shape) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


class Div(Function):
    """z = x / y.   dL/dx = g / y,   dL/dy = -g * x / y^2."""

    number_edges = (1,)  # a number y (x + 2) is an operand with an empty edge, as in PyTorch

    @staticmethod
    def forward(ctx, x, y):
        if is_tensor(y):
            _save_operands(ctx, x, y)
            return x._data / y._data
        ctx.save_values(scalar=y)  # as in Mul
        return x._data / y

    @staticmethod
    def backward(ctx, grad):
        if ctx.scalar is not None:
            return Div.apply(grad, ctx.scalar), None  # grad / scalar, as an op
        x, y = ctx.saved_tensors
        grad_x = unbroadcast(grad / y, ctx.x_shape) if ctx.needs_input_grad[0] else None
        # (x / y) / y, PyTorch's order: its gradient to the bit, where x / y^2 differs in half
        grad_y = unbroadcast(-grad * (x / y / y), y.shape) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


class RoundedDiv(Function):
    """z = floor(x / y) or trunc(x / y).   Piecewise constant: dL/dx = 0,   dL/dy = 0."""

    number_edges = (1,)  # a number y (x + 2) is an operand with an empty edge, as in PyTorch

    node_name = "DivBackward2"

    @staticmethod
    def forward(ctx, x, y, mode):
        # Only the shapes are needed, but PyTorch saves the operands, so its node is freed
        # by backward: keep the shapes as saved values to free this one too.
        ctx.save_values(shapes=(x._data.shape, _shape(y)))
        return _rounded_quotient(x._data, _arr(y), mode)

    @staticmethod
    def backward(ctx, grad):
        # Zeros, not grad * 0: a nan or inf upstream must not leak through (PyTorch's zeros)
        x_shape, y_shape = ctx.shapes
        grad_x = grad.new_zeros(x_shape) if ctx.needs_input_grad[0] else None
        grad_y = grad.new_zeros(y_shape) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y, None


def _rounded_quotient(a, b, mode: str):
    """floor(a / b) or trunc(a / b) on arrays: RoundedDiv's forward."""
    # floor_divide is Python's //: floor((a - fmod(a, b)) / b), exact where floor(a / b)
    # is not (1 // 0.1 is 9, as in PyTorch, though 1 / 0.1 rounds to 10).
    return np.floor_divide(a, b) if mode == "floor" else np.trunc(a / b)


class Remainder(Function):
    """z = x - floor(x / y) * y (Python's %).   dL/dx = g,   dL/dy = -g * floor(x / y)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.shapes = (x._data.shape, _shape(y))
        ctx.save_for_backward(x, y if is_tensor(y) else None)
        if is_tensor(y):
            ctx.node_name = "RemainderBackward1"  # PyTorch's name for a tensor divisor
        a, b = x._data, _arr(y)
        if a.dtype.kind != "f":
            return np.mod(a, b)
        # fmod, moved to the divisor's sign: as PyTorch, a zero keeps fmod's sign
        # (4.0 % -2.0 is 0.0), where np.mod gives it the divisor's (-0.0).
        mod = np.fmod(a, b)
        return np.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)

    @staticmethod
    def backward(ctx, grad):
        return _mod_grads(ctx, grad, "floor")


class Fmod(Function):
    """z = x - trunc(x / y) * y (C's fmod).   dL/dx = g,   dL/dy = -g * trunc(x / y)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.shapes = (x._data.shape, _shape(y))
        ctx.save_for_backward(x, y if is_tensor(y) else None)
        if is_tensor(y):
            ctx.node_name = "FmodBackward1"  # PyTorch's name for a tensor divisor
        return np.fmod(x._data, _arr(y))

    @staticmethod
    def backward(ctx, grad):
        return _mod_grads(ctx, grad, "trunc")


def _mod_grads(ctx, grad, mode: str) -> tuple:
    """Remainder's and Fmod's gradients; `mode` rounds the quotient x / y (floor or trunc)."""
    x_shape, y_shape = ctx.shapes
    grad_x = unbroadcast(grad, x_shape) if ctx.needs_input_grad[0] else None
    grad_y = None
    if ctx.needs_input_grad[1]:
        x, y = ctx.saved_tensors
        grad_y = unbroadcast(-grad * x.div(y, rounding_mode=mode), y_shape)
    return grad_x, grad_y


class RDiv(Function):
    """z = c / x = (1/x) * c for a scalar c.   dL/dx = -(g * c) * (1/x)^2  (PyTorch's order)."""

    node_name = "MulBackward0"  # PyTorch computes c / x as reciprocal(x) * c
    number_edges = (1,)

    @staticmethod
    def forward(ctx, x, c):
        # Save x only, not the output: z may be changed in place later (`z.add_(1)`), which
        # PyTorch allows here because its saved reciprocal is not z.
        ctx.save_for_backward(x)
        ctx.c = c
        return np.reciprocal(x._data) * c  # as PyTorch computes it: same rounding

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        r = x.reciprocal()
        return -(grad * ctx.c) * (r * r), None


class PowScalar(Function):
    """z = x ** p, p a Python number.   dL/dx = g * p * x^(p-1)  (0 when p == 0)."""

    node_name = "PowBackward0"

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return _power(x._data, p)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return grad.new_zeros(grad.shape), None  # zeros, as PyTorch: nan * 0 is nan
        return grad * (p * x ** (p - 1) if p != 2 else 2 * x), None


def _power(a: np.ndarray, p) -> np.ndarray:
    """a ** p for a Python number p: PowScalar's forward."""
    # PyTorch computes x ** 0.5 as sqrt(x) and x ** -0.5 as 1 / sqrt(x): they differ from
    # pow at -0 (sqrt(-0) = -0), and the gradient at -0 is then -inf, as in PyTorch.
    if p == 0.5:
        return np.sqrt(a)
    if p == -0.5:
        with np.errstate(divide="ignore"):
            return 1 / np.sqrt(a)
    return a**p


class Pow(Function):
    """z = x ** y.   dL/dx = g * (y * x^(y-1)) (0 where y == 0),
    dL/dy = g * (z * log(x)) (0 where x == 0 and y >= 0)."""

    node_name = "PowBackward1"

    @staticmethod
    def forward(ctx, x, y):
        out = wrap(x._data**y._data)
        ctx.save_for_backward(x, y, out)
        return out

    # Both gradients as PyTorch's pow_backward_self / pow_backward_exponent write them, in
    # their order (the same rounding): at y == 0, x^(y-1) * 0 would be nan where x == 0; and
    # where x == 0 and y >= 0, z * log(x) is 0 * -inf.
    @staticmethod
    def backward(ctx, grad):
        x, y, out = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = (grad * (y * x ** (y - 1))).where((y == 0).logical_not(), 0.0)
            grad_x = unbroadcast(grad_x, x.shape)
        if ctx.needs_input_grad[1]:
            zero_base = (x == 0) & (y >= 0)
            grad_y = unbroadcast(
                grad * (out * x.log()).where(zero_base.logical_not(), 0.0), y.shape
            )
        return grad_x, grad_y


class RPow(Function):
    """z = c ** x for a scalar base c.   dL/dx = g * (z * log(c))  (for c == 0: 0 where x >= 0)."""

    node_name = "PowBackward2"

    @staticmethod
    def forward(ctx, x, c):
        out = wrap(np.power(c, x._data, dtype=x._data.dtype))
        # For c == 0, x too: where x >= 0 the derivative is 0, not z * log(0) = 0 * -inf.
        ctx.save_for_backward(out, x if c == 0 else None)
        ctx.log_c = float(np.log(c))  # -inf for c == 0 (NumPy's divide warning is off)
        return out

    # PyTorch's pow_backward_exponent, in its order: the same rounding.
    @staticmethod
    def backward(ctx, grad):
        out, x = ctx.saved_tensors
        if x is None:
            return grad * (out * ctx.log_c), None
        return grad * (out * ctx.log_c).where((x >= 0).logical_not(), 0.0), None


def _tie_split(ctx, grad, x, y, x_loses, y_loses) -> tuple:
    """Gradients of max/min, as PyTorch's formula: g, halved at a tie, then 0 for the losing
    side. Selected, not multiplied by a mask: a nan or inf g does not leak to the loser; and
    where x or y is nan both sides lose nothing and get g (PyTorch's rule too)."""
    shared = (grad / 2).where(x == y, grad)
    grad_x = grad_y = None
    if ctx.needs_input_grad[0]:
        grad_x = unbroadcast(shared.masked_fill(x_loses, 0.0), x.shape)
    if ctx.needs_input_grad[1]:
        grad_y = unbroadcast(shared.masked_fill(y_loses, 0.0), y.shape)
    return grad_x, grad_y


class Maximum(Function):
    """z = max(x, y) elementwise.   dL/dx = g where x > y,   dL/dy = g where y > x,
    each g/2 at a tie."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.maximum(x._data, y._data)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _tie_split(ctx, grad, x, y, x < y, x > y)


class Minimum(Function):
    """z = min(x, y) elementwise.   dL/dx = g where x < y,   dL/dy = g where y < x,
    each g/2 at a tie."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.minimum(x._data, y._data)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _tie_split(ctx, grad, x, y, x > y, x < y)


class Where(Function):
    """z = cond ? x : y.   dL/dx = g where cond (else 0),   dL/dy = g where not cond."""

    no_edges = (0,)  # the condition gets no edge, as in PyTorch

    node_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.save_values(cond=cond)  # saved as in PyTorch: a second backward raises
        ctx.shapes = (_shape(x), _shape(y))
        return np.where(cond._data, _arr(x), _arr(y))

    @staticmethod
    def backward(ctx, grad):
        x_shape, y_shape = ctx.shapes
        grad_x = grad_y = None
        if ctx.needs_input_grad[1]:
            grad_x = unbroadcast(grad.where(ctx.cond, 0.0), x_shape)
        if ctx.needs_input_grad[2]:
            grad_y = unbroadcast(grad.where(ctx.cond.logical_not(), 0.0), y_shape)
        return None, grad_x, grad_y


class MaskedFill(Function):
    """z = mask ? value : x.   dL/dx = g where not mask,   dL/dvalue = sum(g where mask)."""

    no_edges = (1,)  # the mask gets no edge, as in PyTorch

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_values(mask=mask)  # saved as in PyTorch: a second backward raises
        return _masked_fill(x._data, mask._data, _arr(value))

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad.masked_fill(ctx.mask, 0.0) if ctx.needs_input_grad[0] else None
        grad_value = None
        if ctx.needs_input_grad[2]:
            grad_value = grad.where(ctx.mask, 0.0).sum()
        return grad_x, None, grad_value


def _masked_fill(a, mask: np.ndarray, value):
    """A copy of `a` with `value` where `mask` (broadcast to a's shape) is True."""
    out = a.copy()
    out[np.broadcast_to(mask, out.shape)] = value
    return out
