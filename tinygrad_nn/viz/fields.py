"""What each box of a drawing says: the record fields of leaves, ops, saved tensors, modules.

Every method returns `(fields, bad)`: the lines of the box, top to bottom, and whether a value
or gradient shown in it holds NaN or inf (the drawing then outlines the box in red).
"""

from __future__ import annotations

from . import labels
from .naming import Names
from .record import grad_of, saved_inputs, value_of
from .walk import is_leaf


def op_title(node) -> str:
    """ "Mul · MulBackward0": the forward op and the grad_fn name PyTorch prints.

    A view op shows only PyTorch's name: one `Permute` runs `x.t()`, `x.transpose(0, 1)`
    and `x.permute(...)`, and "Permute · TBackward0" reads as two ops where the code has one.
    """
    op, name = node._fn.__name__, node.name()
    if node._fn.__module__.endswith(".movement") and not name.startswith(op + "Backward"):
        return name
    return f"{op} \u00b7 {name}"


_NOT_ATTRIBUTES = {"node_name", "metadata"}  # bookkeeping, not what forward chose


def attribute_rows(node, max_chars: int) -> list:
    """`name: value` for each plain attribute the op's forward set on `ctx` (`dims: (1,)`)."""
    rows = []
    for name, value in vars(node).items():
        if name.startswith("_") or name in _NOT_ATTRIBUTES:
            continue
        text = f"{name}: {value!r}"
        rows.append(text if len(text) <= max_chars else text[: max(max_chars - 3, 0)] + "...")
    return rows


class Fields:
    """The text of the boxes, for one drawing's options.

    Args:
        names: the names of tensors.
        show_values, show_grads: add `data ...` / `grad ...` lines where they are known.
        show_saved: say on an op when backward already freed what it saved.
        outputs: `(node, output_nr)` of the drawn outputs (their name goes on the green box).
        nodes: the drawn graph nodes; what they saved for backward tells more values.
    """

    def __init__(self, names: Names, show_values, show_grads, show_saved, outputs, nodes=()):
        self.names, self.outputs = names, outputs
        self.show_values, self.show_grads, self.show_saved = show_values, show_grads, show_saved
        self.known = saved_inputs(nodes)
        self.max_attr_chars = None  # an int: list each op's ctx attributes, cut to this length

    def value(self, node, nr: int = 0):
        """`(array, changed)` of output `nr` of `node` if it is known (see `record.value_of`)."""
        return value_of(node, nr) or self.known.get((node, nr))

    def data_rows(self, value, grad) -> tuple:
        """The `data ...` and `grad ...` lines that are asked for and known.

        A NaN or inf in a known array marks the box as bad even when its numbers are not
        shown: the red outline alone already says where the bad values are.
        """
        rows, bad = [], False
        for show, what, array in (
            (self.show_values, "data", value),
            (self.show_grads, "grad", grad),
        ):
            if array is None:
                continue
            bad = bad or labels.has_nonfinite(array)
            if show:
                rows.append(f"{what} {labels.summarize(array)}")
        return rows, bad

    def leaf(self, node) -> tuple:
        """A leaf: its name (if it has one), shape and dtype, data, grad."""
        name = self.names.of_node(node)
        fields = ([name] if name else []) + [labels.shape_dtype(*node._output_meta[0])]
        if node.variable is None:  # the leaf was garbage-collected; its node remains
            return fields + ["leaf no longer exists"], False
        rows, bad = self.data_rows(node.variable._data, grad_of(node, 0))
        return fields + rows, bad

    def op(self, node) -> tuple:
        """An op: "Mul · MulBackward0", its output's shape and dtype, data, grad."""
        fields = [op_title(node)]
        name = self.names.of_node(node)
        if name and (node, 0) not in self.outputs:  # an output's name is on its green box
            fields.insert(0, name)
        metas = node._output_meta
        for nr, meta in enumerate(metas):
            if meta is not None:
                prefix = f"out {nr}: " if len(metas) > 1 else ""
                fields.append(prefix + labels.shape_dtype(*meta))
        known = self.value(node, 0)
        rows, bad = self.data_rows(known[0] if known else None, grad_of(node, 0))
        if known and known[1] and self.show_values:
            rows[0] += " (since changed in place)"
        if self.show_saved and node._released:
            rows.append("saved tensors freed")
        if self.max_attr_chars is not None:
            rows += attribute_rows(node, self.max_attr_chars)
        return fields + rows, bad

    def data_input(self, tensor) -> tuple:
        """A data input that needs no gradient: "input" and its name, shape, dtype, data."""
        name = self.names.of_tensor(tensor)
        fields = [
            f"input {name}" if name else "input",
            labels.shape_dtype(tensor.shape, tensor._data.dtype),
        ]
        rows, bad = self.data_rows(tensor._data, None)
        return fields + rows, bad

    def unrecorded(self, ops) -> list:
        """Which of "values" / "gradients" were asked for but are unknown for some op."""
        ops = list(ops)
        missing = []
        if self.show_values and any(self.value(op, 0) is None for op in ops):
            missing.append("values")
        if self.show_grads and any(grad_of(op, 0) is None for op in ops):
            missing.append("gradients")
        return missing

    def saved(self, saved) -> tuple:
        """A tensor saved for backward: whose it is, shape, dtype, bytes, data."""
        tensor, data, vc, version, _ = saved
        array = data if tensor is None else tensor._data
        name = None if tensor is None else self.names.of_tensor(tensor)
        title = "saved output" if tensor is None else f"saved: {name}" if name else "saved"
        fields = [title, labels.shape_dtype(array.shape, array.dtype), labels.nbytes(array.nbytes)]
        rows, bad = self.data_rows(array, None)
        if vc[0] != version:  # backward through this node would raise the in-place error
            rows.append(f"changed in place (version {vc[0]}, saved at {version})")
            bad = True
        return fields + rows, bad

    def module_box(self, title: str, members) -> tuple:
        """A folded module: its title, its ops in forward order (with counts), its parameters."""
        ops, params, bad = {}, [], False
        for node in sorted(members, key=lambda n: n._seq):  # creation order = forward order
            known = self.value(node, 0)
            bad = bad or self.data_rows(known and known[0], grad_of(node, 0))[1]
            if is_leaf(node):
                short = (self.names.of_node(node) or "parameter").rpartition(".")[2]
                params.append(f"{short} {labels.shape_dtype(*node._output_meta[0])}")
            else:
                ops[node.name()] = ops.get(node.name(), 0) + 1
        op_rows = [op if n == 1 else f"{op} x{n}" for op, n in ops.items()]
        return [title] + op_rows + params, bad

    def output(self, tensor, node, nr: int, default: str) -> tuple:
        """An output tensor: its name (or `default`), shape, dtype, data, grad."""
        name = self.names.of_tensor(tensor) or default
        fields = [name, labels.shape_dtype(tensor.shape, tensor._data.dtype)]
        grad = tensor._grad._data if tensor._grad is not None else grad_of(node, nr)
        rows, bad = self.data_rows(tensor._data, grad)
        return fields + rows, bad
