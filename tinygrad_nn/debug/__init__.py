"""Tools for finding out why a gradient is wrong. None of them is part of the core.

They watch the graph through the engine's one observer hook (`autograd.function.observers`:
callbacks run as an op is recorded, after a node's backward, and when a gradient reaches a
leaf), installed only while a tool is on, so normal code pays nothing for them:

    anomaly.py      detect_anomaly: the first NaN gradient, and where the NaN began
    graph_check.py  check_graph: which node's backward disagrees with finite differences
    trace.py        trace_backward: the chain rule as it runs, one node at a time
    retain.py       retain_grads and compare: every intermediate gradient, checked
    record.py       the user's line behind each node, and the inputs check_graph needs

Their public names are re-exported by `tinygrad_nn.autograd`, as in PyTorch
(`autograd.detect_anomaly`, `autograd.check_graph`, ...).
"""
