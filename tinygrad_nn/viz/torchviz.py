"""`make_dot`: torchviz's function, so code written for torchviz draws our graphs unchanged.

    from tinygrad_nn.viz import make_dot        # instead of: from torchviz import make_dot
    make_dot(loss, params=dict(model.named_parameters())).render("graph", format="png")

It is `draw_graph` with torchviz's argument names and defaults: leaves in light blue, ops in
light grey, saved tensors in orange (`show_saved=True`), the output in green, and with
`show_attrs=True` the attributes each op's forward stored for backward.
"""

from __future__ import annotations

from ..tensor import Tensor
from .dot import draw_graph


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """Draw the graph behind `var` as a `graphviz.Digraph`, with torchviz's signature.

    Args:
        var: the output Tensor (or a tuple/list of them).
        params: `{name: tensor}` naming leaves, e.g. `dict(model.named_parameters())`.
        show_attrs: list the attributes each op stored in its `ctx` for backward.
        show_saved: draw the tensors each op saved for backward.
        max_attr_chars: cut each attribute's text to this many characters.

    Returns:
        A `graphviz.Digraph` (`.render(...)`, `.source`, shown inline in Jupyter).
    """
    if params is not None:
        for name, value in params.items():
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"params values must be Tensors, got {type(value).__name__} for {name!r}"
                )
    return draw_graph(
        var,
        params=params,
        show_saved=show_saved,
        show_attrs=show_attrs,
        max_attr_chars=max_attr_chars,
    )
