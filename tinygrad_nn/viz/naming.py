"""Names for tensors in the views, from `params=` (name -> tensor) and `names=` mappings."""

from __future__ import annotations

from .walk import is_leaf


class Names:
    """Looks up the name given to a leaf tensor or to an op's output.

    Args:
        params: `{name: tensor}`, e.g. `dict(model.named_parameters())`.
        names: `{tensor: name}` (or `{name: tensor}`); may name intermediate results too.
    """

    def __init__(self, params=None, names=None):
        pairs = list((params or {}).items())
        for key, value in (names or {}).items():
            pairs.append((key, value) if isinstance(key, str) else (value, key))
        self._tensors = [t for _, t in pairs]  # keep them alive while ids are in use
        self._by_id = {}
        self._by_output = {}
        for name, tensor in pairs:
            if tensor.grad_fn is None:
                self._by_id[id(tensor)] = str(name)
            else:
                self._by_output[(tensor.grad_fn, tensor._output_nr)] = str(name)

    def of_tensor(self, tensor) -> str | None:
        """The name of `tensor` (a leaf, or an op output named in `names=`), or None."""
        if tensor.grad_fn is not None:
            return self._by_output.get((tensor.grad_fn, tensor._output_nr))
        return self._by_id.get(id(tensor))

    def of_node(self, node, nr: int = 0) -> str | None:
        """The name of output `nr` of `node`; for an AccumulateGrad node, its leaf's name."""
        if is_leaf(node):
            leaf = node.variable
            return None if leaf is None else self._by_id.get(id(leaf))
        return self._by_output.get((node, nr))
