"""Forward hooks: user functions that `Module.__call__` runs around `forward`.

    pre-hook   hook(module, args) -> None or new args        (before forward)
    hook       hook(module, args, output) -> None or output  (after forward)

Registered with `with_kwargs=True`, they also receive the keyword arguments:
`hook(module, args, kwargs) -> None or (args, kwargs)` and `hook(module, args, kwargs,
output)`. A forward hook registered with `always_call=True` also runs (with output None)
when forward raises. Each registration returns a handle whose `.remove()` takes the hook
off again.
"""

from __future__ import annotations

from collections import OrderedDict

from ..autograd._parity import RemovableHandle


def add_hook(hooks: OrderedDict, hook, prepend: bool, *flags: tuple):
    """Register `hook` in `hooks` (first if `prepend`) and return its handle.

    Each flag is a pair (id set marking a kind of hook, e.g. with_kwargs, and whether this
    hook is of that kind).
    """
    handle = RemovableHandle(hooks, None, *(ids for ids, _ in flags))
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    for ids, wanted in flags:
        if wanted:
            ids.add(handle.id)
    return handle


def run_pre_hooks(module, args: tuple, kwargs: dict) -> tuple:
    """Run the forward pre-hooks in order; return the (possibly replaced) args and kwargs."""
    for hook_id, hook in list(module._forward_pre_hooks.items()):
        if hook_id not in module._hooks_with_kwargs:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
            continue
        result = hook(module, args, kwargs)
        if result is not None and not (isinstance(result, tuple) and len(result) == 2):
            raise RuntimeError(
                "forward pre-hook must return None or a tuple of "
                f"(new_args, new_kwargs), but got {result}."
            )
        if result is not None:
            args, kwargs = result
    return args, kwargs


def run_forward_hooks(module, args: tuple, kwargs: dict, output, only_always=False):
    """Run the forward hooks in order; return the (possibly replaced) output.

    With `only_always` (forward raised), only the always_call hooks run.
    """
    for hook_id, hook in list(module._forward_hooks.items()):
        if only_always and hook_id not in module._forward_hooks_always_called:
            continue
        if hook_id in module._hooks_with_kwargs:
            result = hook(module, args, kwargs, output)
        else:
            result = hook(module, args, output)
        if result is not None:
            output = result
    return output
