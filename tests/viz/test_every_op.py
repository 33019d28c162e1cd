"""Every op of the op table can be drawn, printed and summarised, values and saved tensors too."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.ops.op_table import OPS
from tests.viz.dot_source import Dot
from tinygrad_nn import viz


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_op_draws_with_one_box_per_node(op):
    rng = np.random.default_rng(0)
    for args in op.sample_inputs(tg, np.float32, rng):
        with viz.record(), np.errstate(all="ignore"):
            out = op.fn(*args)
            out = out[0] if isinstance(out, (tuple, list)) else out
            upstream = tg.tensor(rng.standard_normal(tuple(out.shape)).astype(np.float32))
            loss = (out * upstream).sum()
            loss.backward(retain_graph=True)
        nodes = viz.walk.breadth_first([loss.grad_fn])
        ops = [n.name() for n in nodes if not viz.walk.is_leaf(n)]
        source = viz.draw_graph(loss, show_values=True, show_grads=True, show_saved=True).source
        dot = Dot(source)
        titles = [dot.fields(n)[0] for n, a in dot.nodes.items() if a["fillcolor"] == "lightgrey"]
        assert sorted(t.split(" \u00b7 ")[-1] for t in titles) == sorted(ops)
        leaves = [n for n, a in dot.nodes.items() if a["fillcolor"] == "lightblue"]
        assert len(leaves) == len(nodes) - len(ops)
        assert all(dot.fields(n)[-1].startswith("grad ") for n in leaves)
        lines = viz.format_graph(loss, max_depth=10**6).splitlines()
        assert len([line for line in lines if "(shown above)" not in line]) == len(nodes)
        assert viz.graph_summary(loss).num_ops == len(ops)
