"""`tinygrad_nn.compile`: a step traced once, replayed as generated NumPy code.

    compiled = tinygrad_nn.compile(model)       # or @tinygrad_nn.compile on a function
    compiled(x)                                 # first call: eager, recorded; later: replayed
    print(tinygrad_nn.compiler.code(compiled))  # the NumPy program a step became

Read in this order: `trace.py` (recording arrays), `record.py` (the lines), `patches.py`
(where each array comes from), `codegen.py` (the function), `optimize.py` (cheaper lines,
the same bits), `guards.py` (when a program may be reused), `wrap.py` (the compiled
callable and its autograd node), `errors.py` (errors that name the user's line), then this
file.
"""

from __future__ import annotations

import warnings

from . import trace as _trace
from .guards import RECOMPILE_LIMIT
from .record import Unsupported
from .wrap import _ALL, _MISS, CompiledCallable, CompiledFunction

_BACKENDS = ("inductor", "eager", "aot_eager", "cudagraphs", None)
_MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")

__all__ = [
    "RECOMPILE_LIMIT",
    "CompiledFunction",
    "OptimizedModule",
    "Unsupported",
    "code",
    "compile",
    "compile_module",
    "is_compiling",
    "reset",
]


def compile(
    model=None,
    *,
    fullgraph: bool = False,
    dynamic=None,
    backend="inductor",
    mode=None,
    options=None,
    name=None,
    disable: bool = False,
    recompile_limit=None,
    isolate_recompiles: bool = False,
    shapes_spec=None,
):  # PyTorch's name
    """Same call forms as `torch.compile`: `compile(model)`, `compile(fn)`, `@compile`,
    `@compile(fullgraph=True)`. A module comes back wrapped (`OptimizedModule`), a function
    as a `CompiledCallable`. `backend`, `mode`, `options`, `dynamic`, `name`, `shapes_spec`
    and `isolate_recompiles` do not apply here: backend and mode values PyTorch does not know
    are accepted with one warning. `recompile_limit` caps the programs per function (default
    `RECOMPILE_LIMIT`, 8). `disable=True` returns the argument itself."""
    if model is None:  # @compile(...): the same options for the function that follows
        options = {k: v for k, v in locals().items() if k != "model"}
        return lambda fn: compile(fn, **options)
    if not callable(model):
        raise RuntimeError("torch.compile() expects a callable (a function or a Module)")
    if (isinstance(backend, str) and backend not in _BACKENDS) or mode not in _MODES:
        warnings.warn(
            f"tinygrad_nn.compile ignores backend={backend!r} and mode={mode!r}: it "
            "always traces to NumPy code",
            stacklevel=2,
        )
    if disable:
        return model
    from ..nn.module import Module

    limit = RECOMPILE_LIMIT if recompile_limit is None else recompile_limit
    if isinstance(model, Module):
        return OptimizedModule(model, fullgraph, limit)
    return CompiledCallable(model, fullgraph, limit=limit)


def compile_module(module, *args, **kwargs) -> None:
    """`module.compile(...)`: from now on the module's calls run its compiled forward."""
    if "model" in kwargs or args:
        raise TypeError("Module.compile() takes only the keyword options of torch.compile")
    if kwargs.get("disable", False):
        return
    forward = type(module).forward.__get__(module)
    compiled = compile(forward, **kwargs)  # the same checks and warnings as compile()
    compiled.root = module
    object.__setattr__(module, "forward", compiled)


def is_compiling() -> bool:
    """True while a function is being traced (PyTorch: inside torch.compile's tracing)."""
    return _trace._active is not None


def reset() -> None:
    """Forget every compiled program: each compiled function traces again on its next call."""
    for compiled in list(_ALL):
        compiled.programs.clear()
        compiled.traced.clear()
        compiled.eager_reason = None


def code(compiled) -> str:
    """The generated source of every program cached for `compiled` (ours, not PyTorch's):
    per program, its guard, then the step (or the forward and the backward)."""
    target = getattr(compiled, "_compiled_call", compiled)
    if not isinstance(target, CompiledCallable):  # a module compiled in place
        target = getattr(compiled, "__dict__", {}).get("forward", target)
    if not isinstance(target, CompiledCallable):
        raise TypeError("code() expects what tinygrad_nn.compile returned")
    if not target.programs:
        reason = target.eager_reason
        return f"# nothing compiled yet{f' (runs eagerly: {reason})' if reason else ''}\n"
    parts = [
        f"# program {i + 1} of {len(target.traced)}\n{p.source}"
        for i, p in enumerate(target.traced)
    ]
    return "\n".join(parts)


def _optimized_module():
    from ..nn.module import Module, _module_stack as stack

    class OptimizedModule(Module):
        """What `compile(model)` returns: calls run the compiled forward; parameters,
        `state_dict` (keys prefixed `_orig_mod.`, as PyTorch) and the rest come from the
        wrapped module, `_orig_mod`."""

        def __init__(self, mod, fullgraph: bool = False, limit: int = RECOMPILE_LIMIT):
            super().__init__()
            self._orig_mod = mod
            compiled = CompiledCallable(mod, fullgraph, mod, limit)
            object.__setattr__(self, "_compiled_call", compiled)

        def __call__(self, *args, **kwargs):
            # A call without module hooks that a cached program serves skips Module.__call__
            # (its errstate is the program's own); anything else takes the usual way.
            if not (self._forward_pre_hooks or self._forward_hooks):
                stack.append(self)  # tools that watch op creation see the module
                try:
                    result = self._compiled_call.replay(args, kwargs)
                finally:
                    stack.pop()
                if result is not _MISS:
                    return result
            return Module.__call__(self, *args, **kwargs)

        def forward(self, *args, **kwargs):
            """The wrapped module's forward, traced on the first call and replayed after."""
            return self._compiled_call(*args, **kwargs)

        def __getattr__(self, name: str):
            try:
                return super().__getattr__(name)
            except AttributeError:
                return getattr(self._modules["_orig_mod"], name)

    return OptimizedModule


OptimizedModule = _optimized_module()
