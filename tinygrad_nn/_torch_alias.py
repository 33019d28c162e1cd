"""Make the module name `torch` mean tinygrad_nn in this process.

Why `import tinygrad_nn as torch` is not enough: `import torch.nn as nn` and `from torch import
nn` look the module up by its *name* in `sys.modules`, never through the local variable
`torch`. Where PyTorch is installed they import the real `torch.nn`, and the script mixes two
libraries. `install()` fixes the names for the whole process:

    sys.modules["torch"]  = tinygrad_nn         (set directly)
    import torch.nn       -> tinygrad_nn.nn     (a finder at the front of sys.meta_path
    import torch.X.Y      -> tinygrad_nn.X.Y     answers every "torch.*" name)

`python -m tinygrad_nn script.py` (see `__main__.py`) and `%load_ext tinygrad_nn` call it.
A `torch.*` module we lack raises ModuleNotFoundError naming it; a missing attribute of our
modules raises AttributeError (or ImportError inside `from torch.nn import X`) through
`missing_name`, which every main module's `__getattr__` calls.
"""

from __future__ import annotations

import dis
import importlib
import importlib.abc
import importlib.util
import sys

ALIAS, TARGET = "torch", "tinygrad_nn"
_IMPORT_FROM = dis.opmap["IMPORT_FROM"]
_saved: dict = {}  # the real "torch*" entries of sys.modules that install() took out


def torch_name(module_name: str) -> str:
    """'tinygrad_nn.nn.functional' -> 'torch.nn.functional' (the name a PyTorch user knows)."""
    if module_name == TARGET or module_name.startswith(TARGET + "."):
        return ALIAS + module_name[len(TARGET) :]
    return module_name


def missing_name(module_name: str, name: str) -> Exception:
    """The error for `module.name` when tinygrad_nn lacks it: call from a module `__getattr__`.

    An AttributeError, so `hasattr()` and `getattr(m, name, default)` keep answering quietly.
    Inside `from module import name`, Python would replace an AttributeError with its own
    generic ImportError, so there we raise an ImportError carrying our message instead.
    """
    if name.startswith("__") and name.endswith("__"):  # protocol probes (__path__, ...)
        return AttributeError(f"module '{module_name}' has no attribute '{name}'")
    full = f"{torch_name(module_name)}.{name}"
    message = f"tinygrad_nn does not provide {full} (module '{module_name}' has no attribute "
    message += f"'{name}')"
    try:
        caller = sys._getframe(2)  # 0: here, 1: the module's __getattr__, 2: who looked it up
    except ValueError:  # looked up from C with no Python frame beneath
        caller = None
    importing = caller is not None and caller.f_code.co_code[caller.f_lasti] == _IMPORT_FROM
    if importing and f"{module_name}.{name}" not in sys.modules:  # not a half-imported module
        return ImportError(message, name=module_name)
    error = AttributeError(message)
    # With these two fields, Python 3.10+ adds "Did you mean: 'Linear'?" to a typo's traceback.
    error.name, error.obj = name, sys.modules.get(module_name)
    return error


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system an already-imported tinygrad_nn module for a "torch.*" name."""

    def __init__(self, module):
        self.module, self.own_spec = module, module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module) -> None:
        # The import system stamped the alias's spec on the module; give it its own back so
        # its relative imports, pickling and reloads keep using the name tinygrad_nn.
        module.__spec__ = self.own_spec


class AliasFinder(importlib.abc.MetaPathFinder):
    """Answers `torch` and `torch.*` imports with the tinygrad_nn module of the same path."""

    def find_spec(self, fullname: str, path=None, target=None):
        """A spec for "torch.X" whose module is tinygrad_nn.X; None for other names."""
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        real = TARGET + fullname[len(ALIAS) :]
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as error:
            if error.name is None or not (real + ".").startswith(error.name + "."):
                raise  # a dependency of ours is missing, not the torch module itself
            raise ModuleNotFoundError(
                f"No module named '{fullname}': tinygrad_nn does not provide {fullname}",
                name=fullname,
            ) from None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module))


_FINDER = AliasFinder()


def _is_torch(name: str) -> bool:
    return name == ALIAS or name.startswith(ALIAS + ".")


def install() -> bool:
    """Make `torch` and every `torch.*` import mean tinygrad_nn from now on.

    Returns True if real PyTorch had already been imported: objects bound to it before the
    call (e.g. a `torch` variable in a notebook) still refer to PyTorch.
    """
    if _FINDER in sys.meta_path:
        return False
    import tinygrad_nn

    taken = {name: module for name, module in sys.modules.items() if _is_torch(name)}
    for name in taken:
        del sys.modules[name]
    _saved.update(taken)
    sys.modules[ALIAS] = tinygrad_nn
    sys.meta_path.insert(0, _FINDER)
    return bool(taken)


def uninstall() -> None:
    """Undo `install()`: drop the aliases and put back any real PyTorch modules."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [name for name in sys.modules if _is_torch(name)]:
        module = sys.modules[name]
        if getattr(module, "__name__", "").startswith(TARGET):
            del sys.modules[name]
    sys.modules.update(_saved)
    _saved.clear()


def is_installed() -> bool:
    """Whether `torch` currently means tinygrad_nn in this process."""
    return _FINDER in sys.meta_path


def load_ipython_extension(ipython) -> None:
    """`%load_ext tinygrad_nn`: alias `torch` for the rest of the IPython session."""
    if install():
        print(
            "tinygrad_nn: PyTorch was already imported in this session; names bound to it "
            "before %load_ext still refer to PyTorch. Run `import torch` again to get "
            "tinygrad_nn."
        )


def unload_ipython_extension(ipython) -> None:
    """`%unload_ext tinygrad_nn`: give `torch` back to PyTorch."""
    uninstall()
