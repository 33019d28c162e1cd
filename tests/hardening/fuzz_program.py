"""Random autograd programs, written as Python source and run in tinygrad_nn and in PyTorch.

A program is a list of lines of code such as

    v0 = lib.tensor(A[0], requires_grad=True)
    v1 = lib.tensor(A[1], requires_grad=True)
    v2 = (v0 * v1).softmax(-1)
    v3 = v2.sum((0,), keepdim=True)

where `lib` is either library and `A` the list of NumPy arrays (inputs, index arrays, upstream
gradients) the program carries. Because the same text runs in both libraries, a failing
program prints as a test that can be pasted into `test_fuzz_regressions.py` unchanged.

`draw_program` builds a program one line at a time. It runs each new line in PyTorch straight
away, so later lines know the shapes and dtypes they work on and only well-formed programs
grow. A line that makes PyTorch raise is kept, marked with the exception class: tinygrad_nn
has to raise the same class there. `check_program` then runs the program in both libraries
and compares every value, dtype and `requires_grad`, a backward pass with random upstream
gradients (every leaf's `.grad` and every retained `.grad`), and optionally second
derivatives through `autograd.grad(..., create_graph=True)`.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import strategies as st

import tinygrad_nn

torch = pytest.importorskip("torch")

# ---------------------------------------------------------------- programs


@dataclass
class Meta:
    """What the generator knows about a value: read from PyTorch's run of its line."""

    shape: tuple
    dtype: str  # NumPy name: 'float32', 'float64', 'int64', 'bool'
    requires_grad: bool
    is_leaf: bool

    @property
    def numel(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    @property
    def is_float(self) -> bool:
        """True for float32/float64 values."""
        return self.dtype.startswith("float")


@dataclass
class Program:
    """Source lines plus the arrays they read, and what PyTorch did with each line."""

    arrays: list = field(default_factory=list)  # A[k] in the source
    lines: list = field(default_factory=list)  # one statement (or a few, ';'-joined) each
    raises: list = field(default_factory=list)  # builtin exception name per line, or None
    outputs: list = field(default_factory=list)  # names of the values backward starts from
    grads: list = field(default_factory=list)  # A-indices of their upstream gradients
    retained: list = field(default_factory=list)  # names that called retain_grad()
    leaves: list = field(default_factory=list)  # names of the leaves that require grad
    second_order: bool = False

    def source(self) -> str:
        """The program as a paste-able test body."""
        out = ["A = ["]
        for a in self.arrays:
            body = np.array2string(
                a.reshape(-1),
                separator=", ",
                threshold=10**6,
                floatmode="unique",
                max_line_width=10**6,
            )
            out.append(f"    np.array({body}, dtype=np.{a.dtype}).reshape({a.shape}),")
        out.append("]")
        for line, raised in zip(self.lines, self.raises):
            out.append(line + (f"  # raises {raised}" if raised else ""))
        out.append(f"outputs = [{', '.join(self.outputs)}]")
        out.append(f"grads = [{', '.join(f'A[{k}]' for k in self.grads)}]")
        out.append(f"leaves = [{', '.join(self.leaves)}]  # retained: {self.retained}")
        out.append(f"second_order = {self.second_order}")
        return "\n".join(out)


@functools.lru_cache(maxsize=4096)
def _compiled(line: str):
    return compile(line, "<program>", "exec")


def builtin_error(exc: BaseException) -> str:
    """The first builtin exception class of `exc` (torch's own subclasses map to it)."""
    for cls in type(exc).__mro__:
        if cls is NotImplementedError:  # PyTorch's "not implemented for 'Bool'" errors
            return "RuntimeError"
        if cls.__module__ == "builtins":
            return cls.__name__
    return type(exc).__name__


def run_lines(lib, program: Program) -> tuple[dict, list]:
    """Execute the program's lines with `lib`; return the namespace and the errors per line."""
    ns = {"lib": lib, "A": [a.copy() for a in program.arrays], "np": np}
    errors = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for line in program.lines:
            try:
                exec(_compiled(line), ns)  # the program's own source
                errors.append(None)
            except Exception as exc:  # any class; the test compares them
                errors.append(builtin_error(exc))
    return ns, errors


# ---------------------------------------------------------------- comparing values


def to_numpy(t) -> np.ndarray:
    """The values of a tensor of either library as an ndarray."""
    if isinstance(t, torch.Tensor):
        return t.detach().numpy(force=True)  # force: second derivatives may be ZeroTensors
    return t.detach().numpy()


def _tolerance(dtype, float32_seen: bool = False) -> tuple[float, float]:
    # Programs chain many ops, so rounding differences compound and cancel; bugs show up as
    # O(1) differences, far above these bounds. Float64 is the sharp check, unless float32
    # values were converted to it (their rounding error comes along).
    if np.dtype(dtype) == np.float64 and not float32_seen:
        return 1e-9, 1e-9
    if np.dtype(dtype).kind == "f":
        return 2e-4, 2e-4
    return 0.0, 0.0


def assert_same(ours, theirs, what: str, float32_seen: bool = False) -> None:
    """Same shape, dtype and values (NaN where PyTorch has NaN) for two tensors."""
    a, b = to_numpy(ours), to_numpy(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} vs torch {b.dtype}"
    rtol, atol = _tolerance(b.dtype, float32_seen)
    if b.dtype.kind != "f":
        np.testing.assert_array_equal(a, b, err_msg=what)
        return
    # Non-finite where PyTorch is non-finite, and infinities of the same sign. nan against
    # inf is accepted: after an overflow, which one comes out depends on the order of
    # operations (test_numerics.py checks exact specials on purpose-built cases).
    finite = np.isfinite(b)
    np.testing.assert_array_equal(np.isfinite(a), finite, err_msg=f"{what}: non-finite where")
    both_inf = np.isinf(a) & np.isinf(b)
    np.testing.assert_array_equal(np.sign(a[both_inf]), np.sign(b[both_inf]), err_msg=what)
    if finite.any():
        atol *= max(1.0, float(np.abs(b[finite]).max()))
        np.testing.assert_allclose(a[finite], b[finite], rtol=rtol, atol=atol, err_msg=what)


def _compare_namespaces(ours: dict, theirs: dict, f32: bool) -> None:
    for name in sorted(n for n in theirs if n.startswith("v")):
        t = theirs[name]
        if not isinstance(t, torch.Tensor):
            continue
        o = ours.get(name)
        assert isinstance(o, tinygrad_nn.Tensor), f"{name}: {type(o).__name__}, torch: Tensor"
        assert_same(o, t, f"value {name}", f32)
        try:
            flags = t.requires_grad, t.is_leaf
        except RuntimeError:  # a split() piece whose base changed in place: history locked
            continue
        assert o.requires_grad == flags[0], f"{name}.requires_grad differs"
        assert o.is_leaf == flags[1], f"{name}.is_leaf differs"


def _compare_grads(names, ours: dict, theirs: dict, what: str, f32: bool) -> None:
    for name in names:
        o, t = ours[name].grad, theirs[name].grad
        assert (o is None) == (t is None), f"{what} {name}.grad: {o} vs torch {t}"
        if t is not None:
            assert_same(o, t, f"{what} {name}.grad", f32)


def _backward(lib, program: Program, ns: dict):
    """backward() from the outputs with the stored upstream gradients; the error name or None."""
    outs = [ns[name] for name in program.outputs]
    grads = [lib.tensor(ns["A"][k]) for k in program.grads]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.autograd.backward(outs, grads)
    except Exception as exc:
        return builtin_error(exc)
    return None


def _second_order(lib, program: Program, ns: dict):
    """First and second derivatives through autograd.grad; (error, firsts, seconds)."""
    outs = [ns[name] for name in program.outputs]
    grads = [lib.tensor(ns["A"][k]) for k in program.grads]
    leaves = [ns[name] for name in program.leaves]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            firsts = lib.autograd.grad(outs, leaves, grads, create_graph=True, allow_unused=True)
            total = None
            for g in firsts:
                if g is not None:
                    # A fixed, non-uniform weight: all-ones weights hide transposes.
                    w = lib.arange(g.numel(), dtype=g.dtype).reshape(g.shape).cos()
                    term = (g * w).sum()
                    total = term if total is None else total + term
            if total is None or not total.requires_grad:
                seconds = [None] * len(leaves)
            else:
                seconds = list(lib.autograd.grad(total, leaves, allow_unused=True))
    except Exception as exc:
        return builtin_error(exc), None, None
    seconds = [lib.zeros_like(leaf) if s is None else s for s, leaf in zip(seconds, leaves)]
    return None, firsts, seconds


def check_program(program: Program) -> None:
    """Run `program` in both libraries and assert they agree on everything observable."""
    ours, our_errors = run_lines(tinygrad_nn, program)
    theirs, their_errors = run_lines(torch, program)
    for line, o, t in zip(program.lines, our_errors, their_errors):
        assert o == t, f"line `{line}`: tinygrad_nn raised {o}, torch raised {t}"
    f32 = any(isinstance(v, torch.Tensor) and v.dtype == torch.float32 for v in theirs.values())
    _compare_namespaces(ours, theirs, f32)
    if not program.outputs:
        return
    o, t = _backward(tinygrad_nn, program, ours), _backward(torch, program, theirs)
    assert o == t, f"backward: tinygrad_nn raised {o}, torch raised {t}"
    if t is None:
        _compare_grads(program.leaves + program.retained, ours, theirs, "backward", f32)
    if program.second_order:
        ours, _ = run_lines(tinygrad_nn, program)
        theirs, _ = run_lines(torch, program)
        o_err, o_first, o_second = _second_order(tinygrad_nn, program, ours)
        t_err, t_first, t_second = _second_order(torch, program, theirs)
        assert o_err == t_err, f"double backward: tinygrad_nn raised {o_err}, torch {t_err}"
        if t_err is None:
            for name, o, t in zip(program.leaves, o_first, t_first):
                assert (o is None) == (t is None), f"grad of {name}: {o} vs torch {t}"
                if t is not None:
                    assert_same(o, t, f"autograd.grad {name}", f32)
            for name, o, t in zip(program.leaves, o_second, t_second):
                assert_same(o, t, f"second derivative {name}", f32)


# ---------------------------------------------------------------- drawing programs

# Hypothesis shrinks an index towards 0, so the table starts with the dull sizes.
_SIZES = (1, 2, 3, 1, 2, 3, 4, 2, 3, 1, 4, 2, 0, 3, 0)
FLOATS = ("float32", "float64")


class Builder:
    """Grows a program line by line, running each line in PyTorch as it goes."""

    def __init__(self, draw, dtype: str, max_numel: int = 96):
        self.draw = draw
        self.dtype = dtype
        self.max_numel = max_numel
        self.program = Program()
        self.ns = {"lib": torch, "A": [], "np": np}
        self.metas: dict[str, Meta] = {}

    # ----------------------------------------------------------- small draws

    def integer(self, low: int, high: int) -> int:
        """An int in [low, high]."""
        return self.draw(st.integers(low, high))

    def chance(self, p: float) -> bool:
        """True with probability about p (shrinks to False)."""
        return self.draw(st.integers(0, 99)) < int(p * 100)

    def pick(self, items):
        """One of `items` (shrinks to the first)."""
        return self.draw(st.sampled_from(list(items)))

    def size(self) -> int:
        """A dimension size, sometimes 1 and now and then 0."""
        return _SIZES[self.integer(0, len(_SIZES) - 1)]

    def shape(self, max_ndim: int = 3) -> tuple:
        """A random shape with up to `max_ndim` dims."""
        return tuple(self.size() for _ in range(self.integer(0, max_ndim)))

    def scalar(self) -> str:
        """A Python number literal: mostly floats, sometimes ints."""
        return self.pick(["2.0", "-0.5", "3", "1.5", "-2", "0.25", "0", "1"])

    def dim(self, meta: Meta) -> int:
        """A valid dim for meta, negative or not (0-d tensors take 0 and -1)."""
        n = max(meta.ndim, 1)
        return self.integer(-n, n - 1)

    def dims(self, meta: Meta) -> str:
        """A dim argument for a reduction: an int or a tuple of distinct dims."""
        if meta.ndim == 0 or self.chance(0.5):
            return str(self.dim(meta))
        chosen = sorted({self.integer(0, meta.ndim - 1) for _ in range(self.integer(1, 3))})
        return str(tuple(d - meta.ndim if self.chance(0.3) else d for d in chosen))

    # ----------------------------------------------------------- arrays and leaves

    def array(self, array: np.ndarray) -> str:
        """Store an array in the program; returns its `A[k]` reference."""
        self.program.arrays.append(array)
        self.ns["A"].append(array.copy())
        return f"A[{len(self.program.arrays) - 1}]"

    def values(self, shape: tuple, dtype: str) -> np.ndarray:
        """Random values: continuous, or on a coarse grid so ties and zeros occur."""
        rng = np.random.default_rng(self.integer(0, 2**32 - 1))
        if dtype == "int64":
            return np.asarray(rng.integers(-3, 4, shape), np.int64)
        if dtype == "bool":
            return np.asarray(rng.integers(0, 2, shape), bool)
        if self.chance(0.2):
            return np.asarray(rng.integers(-4, 5, shape) / 2, dtype)
        return np.asarray(rng.uniform(-2, 2, shape), dtype)

    def leaf(self, shape: tuple, dtype: str | None = None, requires_grad: bool | None = None):
        """A new input tensor; returns its name."""
        dtype = dtype or self.dtype
        if requires_grad is None:
            requires_grad = dtype in FLOATS and not self.chance(0.15)
        ref = self.array(self.values(shape, dtype))
        suffix = ", requires_grad=True" if requires_grad else ""
        return self.emit(f"lib.tensor({ref}{suffix})")

    def other_dtype(self) -> str:
        """Usually the program's dtype; sometimes the other float, an int or a bool."""
        if self.chance(0.8):
            return self.dtype
        return self.pick(["float64" if self.dtype == "float32" else "float32", "int64", "bool"])

    # ----------------------------------------------------------- lines

    def emit(self, expr: str, statement: str | None = None) -> str | None:
        """Add `vK = expr` (or a statement that binds vK) and run it in PyTorch now."""
        name = f"v{len(self.program.lines)}"
        line = statement.format(out=name) if statement else f"{name} = {expr}"
        self.program.lines.append(line)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(_compiled(line), self.ns)
        except Exception as exc:
            self.program.raises.append(builtin_error(exc))
            self.ns.pop(name, None)
            return None
        self.program.raises.append(None)
        value = self.ns[name]
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"line `{line}` made a {type(value).__name__}")
        self.metas[name] = Meta(
            tuple(value.shape),
            str(value.dtype).replace("torch.", ""),
            value.requires_grad,
            value.is_leaf,
        )
        return name

    def refresh(self) -> None:
        """Re-read every value's meta (an in-place line may have changed a value's history)."""
        for name, meta in list(self.metas.items()):
            value = self.ns[name]
            try:
                meta.requires_grad, meta.is_leaf = value.requires_grad, value.is_leaf
            except RuntimeError:  # a split() piece whose base changed: PyTorch locks it
                del self.metas[name]

    def torch_shape(self, expr: str):
        """Shape of `expr` evaluated in PyTorch (None if it raises)."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return tuple(eval(expr, self.ns).shape)
        except Exception:
            return None

    # ----------------------------------------------------------- partners

    def broadcast_shape(self, shape: tuple, grow: bool = True) -> tuple:
        """A shape that broadcasts with `shape` (and, if not `grow`, *to* it)."""
        keep = self.integer(0, len(shape))
        out = []
        for n in shape[len(shape) - keep :]:
            if self.chance(0.3):
                out.append(1)
            elif grow and n == 1 and self.chance(0.3):
                out.append(self.pick([2, 3]))
            else:
                out.append(n)
        if grow and len(out) < 4 and self.chance(0.2):
            out.insert(0, self.pick([1, 2]))
        return tuple(out)

    def partner(self, a: Meta, grow: bool = True, dtype: str | None = None) -> str:
        """A second operand that broadcasts with `a`: an existing value or a new leaf."""
        if self.chance(0.4):
            ok = [
                n
                for n, m in self.metas.items()
                if _broadcasts(m.shape, a.shape, grow) and (dtype is None or m.dtype == dtype)
            ]
            if ok:
                return self.pick(ok)
        return self.leaf(self.broadcast_shape(a.shape, grow), dtype or self.other_dtype())

    def reshape_target(self, a: Meta) -> tuple:
        """A new shape with the same number of elements (maybe with one -1)."""
        n = a.numel
        dims = []
        if n == 0:
            dims = [self.size() or 1 for _ in range(self.integer(0, 2))]
            dims.insert(self.integer(0, len(dims)), 0)
        else:
            rest = n
            while rest > 1 and len(dims) < 4:
                divisors = [d for d in range(2, rest + 1) if rest % d == 0]
                d = self.pick(divisors)
                dims.append(d)
                rest //= d
            for _ in range(self.integer(0, 2)):
                dims.insert(self.integer(0, len(dims)), 1)
            if dims and n > 0 and self.chance(0.3):
                dims[self.integer(0, len(dims) - 1)] = -1
        return tuple(dims)

    def index_key(self, a: Meta) -> str:
        """A basic index: ints, slices (steps > 0), None and Ellipsis, e.g. `[1, ::2, None]`."""
        parts, used = [], 0
        for _ in range(self.integer(1, max(1, a.ndim))):
            if used >= a.ndim:
                parts.append("None")
                continue
            n = a.shape[used]
            kind = self.integer(0, 9)
            if kind < 3 and n > 0:
                parts.append(str(self.integer(-n, n - 1)))
            elif kind == 3:
                parts.append("None")
                continue
            elif kind == 4 and "..." not in parts:
                parts.append("...")
                used = a.ndim - (self.integer(0, a.ndim - used) if a.ndim > used else 0)
                continue
            else:
                start = self.pick(["", "1", "-1", "0", "2", "-2"])
                stop = self.pick(["", "-1", "2", "1", "3", "0", "5"])
                step = self.pick(["", "", "2", "3"])
                parts.append(f"{start}:{stop}" + (f":{step}" if step else ""))
            used += 1
        return ", ".join(parts)

    def int_index(self, n: int, shape: tuple) -> str:
        """An int64 index tensor with values valid for a dim of size n."""
        if n == 0:
            shape = tuple(0 for _ in shape) or (0,)
        rng = np.random.default_rng(self.integer(0, 2**32 - 1))
        return f"lib.tensor({self.array(rng.integers(-n, max(n, 1), shape).astype(np.int64))})"


def _broadcasts(shape: tuple, target: tuple, grow: bool) -> bool:
    try:
        out = np.broadcast_shapes(shape, target)
    except ValueError:
        return False
    return grow or out == tuple(target)


# ---------------------------------------------------------------- the op catalogue
#
# Each entry: (name, accepts(meta) -> bool, build(builder, name, meta) -> new value name).
# `build` may add lines for new leaves first; it returns the name its last line bound.


def _ANY(m):
    return True


def _FLOAT(m):
    return m.is_float


def _NUMERIC(m):
    return m.dtype != "bool"


def _HAS_DIMS(m):
    return m.ndim > 0


def _MATRIX(m):
    return m.ndim >= 2


def _GRAPH(m):
    return m.is_float and m.requires_grad and not m.is_leaf


def _unary(template: str):
    return lambda b, a, m: b.emit(template.format(a=a))


UNARY = {
    "neg": (_NUMERIC, _unary("-{a}")),
    "exp": (_NUMERIC, _unary("{a}.exp()")),
    "log": (_NUMERIC, _unary("({a}.abs() + 0.5).log()")),
    "log1p": (_FLOAT, _unary("{a}.abs().log1p()")),
    "expm1": (_FLOAT, _unary("{a}.expm1()")),
    "sqrt": (_NUMERIC, _unary("({a}.abs() + 0.1).sqrt()")),
    "rsqrt": (_FLOAT, _unary("({a}.abs() + 0.5).rsqrt()")),
    "reciprocal": (_FLOAT, _unary("({a}.abs() + 0.5).reciprocal()")),
    "tanh": (_NUMERIC, _unary("{a}.tanh()")),
    "sigmoid": (_NUMERIC, _unary("{a}.sigmoid()")),
    "relu": (_NUMERIC, _unary("{a}.relu()")),
    "abs": (_NUMERIC, _unary("{a}.abs()")),
    "sin": (_NUMERIC, _unary("{a}.sin()")),
    "cos": (_FLOAT, _unary("{a}.cos()")),
    "tan": (_FLOAT, _unary("({a} * 0.5).tan()")),
    "erf": (_FLOAT, _unary("{a}.erf()")),
    "sign": (_NUMERIC, _unary("{a}.sign()")),
    "floor": (_FLOAT, _unary("{a}.floor()")),
    "round": (_FLOAT, _unary("{a}.round()")),
    "square": (_NUMERIC, _unary("{a}.square()")),
    "clone": (_ANY, _unary("{a}.clone()")),
    "detach": (_ANY, _unary("{a}.detach()")),
    "contiguous": (_ANY, _unary("{a}.contiguous()")),
    "to_other_float": (
        _ANY,
        lambda b, a, m: b.emit(f"{a}.to(lib.{'float32' if m.dtype == 'float64' else 'float64'})"),
    ),
    "compare": (_NUMERIC, lambda b, a, m: b.emit(f"{a} {b.pick(['>', '<=', '=='])} 0")),
}


def _pow(b: Builder, a: str, m: Meta):
    p = b.pick(["2", "3", "0", "1", "0.5", "-1", "1.5", "-2.5"])
    if "." in p or p.startswith("-"):  # fractional or negative powers want a positive base
        return b.emit(f"({a}.abs() + 0.5) ** {p}")
    return b.emit(f"{a} ** {p}")


def _scalar_op(b: Builder, a: str, m: Meta):
    c = b.scalar()
    form = b.pick(
        [
            "{a} + {c}",
            "{c} + {a}",
            "{a} - {c}",
            "{c} - {a}",
            "{a} * {c}",
            "{c} * {a}",
            "{a} / 2.5",
            "{c} / ({a}.abs() + 0.5)",
            "2.0 ** {a}",
            "{a}.add({c}, alpha=2)",
            "{a}.sub({c}, alpha=0.5)",
        ]
    )
    return b.emit(form.format(a=a, c=c))


def _clamp(b: Builder, a: str, m: Meta):
    low = b.pick(["None", "-1.0", "0.0", "-0.5", "0"])
    high = b.pick(["None", "1.0", "0.5", "2"])
    if low == "None" and high == "None":
        low = "0.0"
    return b.emit(f"{a}.clamp({low}, {high})")


def _binary(b: Builder, a: str, m: Meta):
    other = b.partner(m)
    if other is None:
        return None
    form = b.pick(
        [
            "{a} + {b}",
            "{a} - {b}",
            "{a} * {b}",
            "{a} / ({b}.abs() + 0.5)",
            "{b} - {a}",
            "lib.maximum({a}, {b})",
            "lib.minimum({a}, {b})",
            "({a}.abs() + 0.5) ** {b}",
            "lib.where({a} > 0, {a}, {b})",
            "{a}.add({b}, alpha=-1.5)",
            "lib.where({b} > 0.5, {b}, 0.5)",
            "{a}.masked_fill({b} > 0, -1.0)",
            "{a} * {a} + {b}",
        ]
    )
    if "**" in form and b.metas[other].dtype == "bool":
        # PyTorch's own backward fails for a bool exponent (it computes `exponent - 1`).
        form = "{a} * {b}"
    return b.emit(form.format(a=a, b=other))


def _reduce(b: Builder, a: str, m: Meta):
    keep = b.pick(["False", "True"])
    kind = b.pick(
        [
            "sum",
            "mean",
            "amax",
            "amin",
            "prod",
            "var",
            "std",
            "logsumexp",
            "norm",
            "max_dim",
            "min_dim",
            "max",
            "sum_all",
            "mean_all",
            "argmax",
            "cumsum",
        ]
    )
    if kind in ("sum", "mean", "amax", "amin", "logsumexp"):
        return b.emit(f"{a}.{kind}({b.dims(m)}, keepdim={keep})")
    if kind == "prod":
        return b.emit(f"{a}.prod({b.dim(m)}, keepdim={keep})")
    if kind in ("var", "std"):
        return b.emit(f"{a}.{kind}({b.dims(m)}, correction={b.pick([1, 0])}, keepdim={keep})")
    if kind == "norm":
        return b.emit(f"{a}.norm({b.pick([2, 1, 3])}, {b.dims(m)}, keepdim={keep})")
    if kind in ("max_dim", "min_dim"):
        part = b.pick(["values", "values", "indices"])
        return b.emit(f"{a}.{kind[:3]}({b.dim(m)}, keepdim={keep}).{part}")
    if kind == "max":
        return b.emit(f"{a}.max()")
    if kind == "argmax":
        return b.emit(f"{a}.argmax({b.dim(m)})")
    if kind == "cumsum":
        return b.emit(f"{a}.cumsum({b.dim(m)})")
    return b.emit(f"{a}.{kind[:-4]}()")


def _softmax(b: Builder, a: str, m: Meta):
    fn = b.pick(["softmax", "log_softmax"])
    form = b.pick(["{a}.{fn}({d})", "lib.{fn}({a}, {d})"])
    return b.emit(form.format(a=a, fn=fn, d=b.dim(m)))


def _reshape(b: Builder, a: str, m: Meta):
    target = b.reshape_target(m)
    method = b.pick(["reshape", "view", "reshape"])
    return b.emit(f"{a}.{method}({', '.join(map(str, target)) or '()'})")


def _shape_op(b: Builder, a: str, m: Meta):
    n = m.ndim
    kind = b.pick(
        [
            "unsqueeze",
            "squeeze",
            "transpose",
            "permute",
            "flatten",
            "flip",
            "T",
            "squeeze_all",
            "unflatten",
            "t",
        ]
    )
    if kind == "unsqueeze":
        return b.emit(f"{a}.unsqueeze({b.integer(-n - 1, n)})")
    if kind == "squeeze":
        return b.emit(f"{a}.squeeze({b.dim(m)})")
    if kind == "squeeze_all":
        return b.emit(f"{a}.squeeze()")
    if kind == "transpose":
        return b.emit(f"{a}.transpose({b.dim(m)}, {b.dim(m)})")
    if kind == "permute":
        perm = b.draw(st.permutations(list(range(n))))
        return b.emit(f"{a}.permute({', '.join(map(str, perm))})" if n else f"{a}.permute(())")
    if kind == "flatten":
        start = b.dim(m)
        return b.emit(f"{a}.flatten({start}, {b.integer(start % max(n, 1), max(n - 1, 0))})")
    if kind == "unflatten" and n and m.shape[0] > 0:
        size = m.shape[0]
        first = b.pick([d for d in range(1, size + 1) if size % d == 0])
        return b.emit(f"{a}.unflatten(0, ({first}, -1))")
    if kind == "flip":
        return b.emit(f"{a}.flip({b.dims(m)})" if n else f"{a}.flip(0)")
    if kind in ("T", "t") and n <= 2:
        return b.emit(f"{a}.T" if kind == "T" else f"{a}.t()")
    return b.emit(f"{a}.mT" if n >= 2 else f"{a}.reshape(-1)")


def _expand(b: Builder, a: str, m: Meta):
    if m.numel > 16:
        return b.emit(f"{a}.expand_as({a})")
    sizes = [b.pick([1, 2, 3]) for _ in range(b.integer(0, 2 if m.ndim < 3 else 0))]
    for n in m.shape:
        sizes.append(b.pick([1, 2, 3, -1, 0]) if n == 1 else b.pick([n, -1]))
    kind = b.pick(["expand", "repeat"])
    if kind == "repeat":
        reps = [max(abs(s), 1) for s in sizes]
        return b.emit(f"{a}.repeat({', '.join(map(str, reps))})" if reps else f"{a}.repeat(())")
    return b.emit(f"{a}.expand({', '.join(map(str, sizes))})" if sizes else f"{a}.expand(())")


def _index(b: Builder, a: str, m: Meta):
    kind = b.pick(
        [
            "basic",
            "basic",
            "tensor",
            "mask",
            "select",
            "narrow",
            "chunk",
            "split",
            "unbind",
            "tensor2",
            "list",
        ]
    )
    if kind == "basic":
        return b.emit(f"{a}[{b.index_key(m)}]")
    if m.ndim == 0:
        return b.emit(f"{a}[None]")
    d = b.dim(m)
    n = m.shape[d]
    if kind == "tensor":
        idx = b.int_index(n, b.shape(2))
        if d % m.ndim == 0:
            return b.emit(f"{a}[{idx}]")
        if d % m.ndim == m.ndim - 1:
            return b.emit(f"{a}[..., {idx}]")
        return b.emit(f"{a}.index_select({d}, {idx}.reshape(-1))")
    if kind == "tensor2" and m.ndim >= 2:
        shape = b.shape(2)
        return b.emit(f"{a}[{b.int_index(m.shape[0], shape)}, {b.int_index(m.shape[1], shape)}]")
    if kind == "list" and n > 0:
        return b.emit(f"{a}[[{', '.join(str(b.integer(-n, n - 1)) for _ in range(3))}]]")
    if kind == "mask":
        if b.chance(0.5):
            return b.emit(f"{a}[{a} > 0]")
        mask = b.values(m.shape[: b.integer(1, m.ndim)], "bool")
        return b.emit(f"{a}[lib.tensor({b.array(mask)})]")
    if kind == "select" and n > 0:
        return b.emit(f"{a}.select({d}, {b.integer(-n, n - 1)})")
    if kind == "narrow":
        start = b.integer(0, n)
        return b.emit(f"{a}.narrow({d}, {start}, {b.integer(0, n - start)})")
    if kind == "chunk":
        return b.emit(f"{a}.chunk({b.integer(1, 3)}, {d})[{b.pick([0, -1])}]")
    if kind == "split":
        return b.emit(f"{a}.split({b.integer(1, 3)}, {d})[{b.pick([0, -1])}]")
    if kind == "unbind" and n > 0:
        return b.emit(f"{a}.unbind({d})[{b.integer(-n, n - 1)}]")
    return b.emit(f"{a}[...]")


def _gather(b: Builder, a: str, m: Meta):
    d = b.dim(m)
    n = m.shape[d] if m.ndim else 1
    shape = tuple(
        b.integer(0 if k else 1, 3) if k == d % max(m.ndim, 1) else b.integer(min(1, s), s)
        for k, s in enumerate(m.shape)
    )
    rng = np.random.default_rng(b.integer(0, 2**32 - 1))
    index = rng.integers(0, max(n, 1), shape).astype(np.int64)
    if n == 0:
        index = np.zeros(tuple(0 for _ in shape), np.int64)
    return b.emit(f"{a}.gather({d}, lib.tensor({b.array(index)}))")


def _tri(b: Builder, a: str, m: Meta):
    return b.emit(f"{a}.{b.pick(['tril', 'triu'])}({b.integer(-2, 2)})")


def _join(b: Builder, a: str, m: Meta):
    if m.numel > 48:
        return b.emit(f"lib.cat([{a}], 0)") if m.ndim else b.emit(f"lib.stack([{a}])")
    if b.chance(0.5) and m.ndim:
        d = b.dim(m)
        shape = list(m.shape)
        shape[d] = b.pick([1, 2, 0, 3])
        other = b.leaf(tuple(shape), b.other_dtype() if b.chance(0.3) else m.dtype)
        return b.emit(f"lib.cat([{a}, {other}, {a}], {d})")
    same = [n for n, mm in b.metas.items() if mm.shape == m.shape and n != a]
    other = b.pick(same) if same and b.chance(0.5) else b.leaf(m.shape, m.dtype)
    return b.emit(f"lib.stack([{a}, {other}], {b.integer(-m.ndim - 1, m.ndim)})")


def _matmul(b: Builder, a: str, m: Meta):
    if m.ndim >= 2 and b.chance(0.3):
        return b.emit(f"{a} @ {a}.mT")
    k = m.shape[-1]
    choice = b.integer(0, 3)
    shape = {0: (k,), 1: (k, b.size()), 2: (b.pick([1, 2]), k, b.size()), 3: (k, 1)}[choice]
    other = b.leaf(shape, m.dtype)
    form = b.pick(["{a} @ {b}", "lib.matmul({a}, {b})", "{a}.matmul({b})"])
    return b.emit(form.format(a=a, b=other))


def _einsum(b: Builder, a: str, m: Meta):
    if m.ndim == 2:
        other = b.leaf((m.shape[1], b.size()), m.dtype)
        eq = b.pick(["'ij,jk->ik'", "'ij,jk->ki'", "'ij,jk->k'"])
        return b.emit(f"lib.einsum({eq}, {a}, {other})")
    other = b.leaf(m.shape, m.dtype)
    return b.emit(f"lib.einsum('...,...->...', {a}, {other})")


def _inplace(b: Builder, a: str, m: Meta):
    kind = b.pick(["mul_", "add_", "sub_", "div_", "clamp_", "relu_", "exp_", "sigmoid_",
                   "tanh_", "zero_", "fill_", "copy_", "setitem", "setitem_tensor", "iadd",
                   "imul", "view_mul_", "abs_", "masked_fill_"])  # fmt: skip
    s = "{a}.%s; {out} = {a}"
    if kind in ("mul_", "sub_"):
        line = s % f"{kind}({b.scalar()})"
    elif kind == "div_":
        line = s % "div_(2.0)"
    elif kind == "clamp_":
        line = s % "clamp_(-0.5, 1.0)"
    elif kind in ("relu_", "exp_", "sigmoid_", "tanh_", "zero_", "abs_"):
        line = s % f"{kind}()"
    elif kind == "fill_":
        line = s % f"fill_({b.scalar()})"
    elif kind in ("add_", "copy_", "iadd"):
        other = b.partner(m, grow=False)
        if other is None:
            return None
        line = s % f"{kind}({other})" if kind != "iadd" else f"{{a}} += {other}; {{out}} = {{a}}"
    elif kind == "imul":
        line = f"{{a}} *= {b.scalar()}; {{out}} = {{a}}"
    elif kind == "masked_fill_":
        line = s % "masked_fill_({a} < 0, 0.5)"
    elif kind == "view_mul_" and m.ndim:
        line = f"{{a}}[{b.index_key(m)}].mul_(3.0); {{out}} = {{a}}"
    elif kind == "setitem_tensor" and m.ndim:
        key = b.index_key(m)
        shape = b.torch_shape(f"{a}[{key}]")
        if shape is None:
            return None
        other = b.leaf(b.broadcast_shape(shape, grow=False), m.dtype)
        line = f"{{a}}[{key}] = {other}; {{out}} = {{a}}"
    else:
        line = f"{{a}}[{b.index_key(m)}] = {b.scalar()}; {{out}} = {{a}}"
    name = b.emit(None, line.replace("{a}", a))
    b.refresh()
    return name


def _functional(b: Builder, a: str, m: Meta):
    """A few of nn.functional's composites (they exercise many core ops at once)."""
    f = "lib.nn.functional"
    kind = b.pick(["gelu", "silu", "softplus", "elu", "leaky_relu", "layer_norm", "conv1d",
                   "max_pool1d", "avg_pool1d", "mse_loss", "cross_entropy", "bce_logits",
                   "normalize"])  # fmt: skip
    if kind in ("gelu", "silu", "softplus", "elu"):
        return b.emit(f"{f}.{kind}({a})")
    if kind == "leaky_relu":
        return b.emit(f"{f}.leaky_relu({a}, 0.1)")
    if kind == "layer_norm" and m.ndim:
        weight = b.leaf(m.shape[-1:], m.dtype)
        return b.emit(f"{f}.layer_norm({a}, {a}.shape[-1:], {weight})")
    flat = f"{a}.reshape(1, 1, -1)"
    if kind == "conv1d" and m.numel:
        k = b.integer(1, 3)
        weight = b.leaf((2, 1, k), m.dtype)
        return b.emit(f"{f}.conv1d({flat}, {weight}, padding={b.pick([1, 0])})")
    if kind in ("max_pool1d", "avg_pool1d") and m.numel >= 2:
        return b.emit(f"{f}.{kind}({flat}, 2)")
    if kind == "mse_loss":
        target = b.leaf(m.shape, m.dtype, requires_grad=False)
        return b.emit(f"{f}.mse_loss({a}, {target}, reduction='{b.pick(['mean', 'none'])}')")
    if kind == "cross_entropy" and m.ndim == 2 and m.shape[1]:
        rng = np.random.default_rng(b.integer(0, 2**32 - 1))
        target = b.array(rng.integers(0, m.shape[1], m.shape[0]).astype(np.int64))
        smoothing = b.pick(["0.0", "0.1"])
        return b.emit(f"{f}.cross_entropy({a}, lib.tensor({target}), label_smoothing={smoothing})")
    if kind == "bce_logits":
        target = b.array(
            np.random.default_rng(b.integer(0, 99)).uniform(0, 1, m.shape).astype(m.dtype)
        )
        return b.emit(f"{f}.binary_cross_entropy_with_logits({a}, lib.tensor({target}))")
    if kind == "normalize" and m.ndim:
        return b.emit(f"{f}.normalize({a}, dim={b.dim(m)})")
    return b.emit(f"{f}.relu({a})")


def _retain(b: Builder, a: str, m: Meta):
    name = b.emit(None, f"{a}.retain_grad(); {{out}} = {a}")
    if name is not None:
        b.program.retained.append(name)
    return name


OPS = {
    **UNARY,
    "pow": (_NUMERIC, _pow),
    "scalar": (_NUMERIC, _scalar_op),
    "clamp": (_NUMERIC, _clamp),
    "binary": (_ANY, _binary),
    "reduce": (_NUMERIC, _reduce),
    "softmax": (_FLOAT, _softmax),
    "reshape": (_ANY, _reshape),
    "shape": (_ANY, _shape_op),
    "expand": (_ANY, _expand),
    "index": (_ANY, _index),
    "gather": (_ANY, _gather),
    "tri": (_MATRIX, _tri),
    "join": (_ANY, _join),
    "matmul": (lambda m: m.is_float and m.ndim >= 1, _matmul),
    "einsum": (lambda m: m.is_float and m.ndim >= 1, _einsum),
    "functional": (_FLOAT, _functional),
    "inplace": (_GRAPH, _inplace),
    "retain_grad": (_GRAPH, _retain),
}

INPLACE_HEAVY = {
    name: OPS[name]
    for name in (
        "inplace",
        "index",
        "shape",
        "binary",
        "scalar",
        "reduce",
        "exp",
        "sigmoid",
        "reshape",
        "clone",
    )
}


@st.composite
def programs(draw, dtype=None, ops=None, steps=(1, 8), second_order: float = 0.0):
    """A random program over `ops` (default: all) in `dtype` (default: float32 or float64)."""
    ops = OPS if ops is None else ops
    if dtype is None:
        dtype = draw(st.sampled_from(FLOATS))
    b = Builder(draw, dtype)
    for _ in range(b.integer(1, 3)):
        b.leaf(b.shape(), dtype if b.chance(0.85) else b.other_dtype())
    for _ in range(b.integer(*steps)):
        live = [n for n, m in b.metas.items() if m.numel <= b.max_numel]
        if not live:
            break
        a = b.pick(live[::-1])  # recent values first: programs become chains, not bushes
        meta = b.metas[a]
        choices = [name for name, (accepts, _) in ops.items() if accepts(meta)]
        if choices:
            ops[b.pick(choices)][1](b, a, meta)
    _choose_outputs(b, draw(st.floats(0, 1)) < second_order)
    return b.program


def _choose_outputs(b: Builder, second_order: bool) -> None:
    program = b.program
    grads = [n for n, m in b.metas.items() if m.requires_grad and m.is_float]
    program.leaves = [n for n, m in b.metas.items() if m.requires_grad and m.is_leaf]
    roots = [n for n in grads if not b.metas[n].is_leaf]
    if not roots:
        return
    chosen = [roots[-1]] + [n for n in roots[:-1] if b.chance(0.2)][:2]
    program.outputs = [n for n in dict.fromkeys(chosen)]
    rng = np.random.default_rng(b.integer(0, 2**32 - 1))
    for name in program.outputs:
        meta = b.metas[name]
        program.grads.append(len(program.arrays))
        program.arrays.append(rng.standard_normal(meta.shape).astype(meta.dtype))
    program.retained = [n for n in program.retained if n in b.metas]
    program.second_order = second_order
