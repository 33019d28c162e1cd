"""W5: Conv2d(1,8,3) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(1352,10), cross-entropy,
SGD, 28x28 inputs, batch 32.

A small CNN: the convolution and the pooling must be vectorised (windows + one matmul,
a reshape + max), never Python loops over pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .numpy_parts import cross_entropy, linear_backward, linear_params, load_params, sgd_update

TITLE = "W5 Conv2d(1,8,3)-ReLU-MaxPool2d(2)-Flatten-Linear(1352,10), SGD, batch 32"
UNIT = "ms"
LR = 0.01


def make_data(rng: np.random.Generator) -> dict:
    """Images, class labels and the initial weights (conv weight is (8, 1, 3, 3))."""
    conv_w, conv_b = linear_params(rng, 9, 8)
    return {
        "x": rng.standard_normal((32, 1, 28, 28)).astype(np.float32),
        "y": rng.integers(0, 10, 32),
        "params": [conv_w.reshape(8, 1, 3, 3), conv_b] + linear_params(rng, 1352, 10),
    }


def numpy_step(data: dict):
    """The step by hand: im2col convolution, ReLU, 2x2 max pool, linear, CE, backward, SGD."""
    x, y = data["x"], data["y"]
    params = [p.copy() for p in data["params"]]
    conv_w, conv_b, fc_w, fc_b = params
    n = x.shape[0]

    def step():
        # (N, 1, 26, 26, 3, 3) windows -> (N, 9, 676) columns (im2col), one copy per batch.
        cols = sliding_window_view(x, (3, 3), axis=(2, 3)).transpose(0, 1, 4, 5, 2, 3)
        cols = np.ascontiguousarray(cols).reshape(n, 9, 676)
        h = np.matmul(conv_w.reshape(8, 9), cols)  # (N, 8, 676)
        h += conv_b[:, None]
        np.maximum(h, 0, out=h)
        blocks = h.reshape(n, 8, 13, 2, 13, 2)
        corners = [blocks[:, :, :, i, :, j] for i in (0, 1) for j in (0, 1)]
        # The max of the four corners of each 2x2 window: three elementwise passes over a
        # quarter of h, much faster than a NumPy reduction over two tiny strided axes.
        pooled = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
        flat = pooled.reshape(n, 1352)
        loss, grad = cross_entropy(flat @ fc_w.T + fc_b, y)
        grad_flat, grad_fc_w, grad_fc_b = linear_backward(grad, flat, fc_w)
        # The pool's gradient goes to the first maximum of each window (PyTorch's rule).
        grad_pool = grad_flat.reshape(n, 8, 13, 13)
        grad_h = np.empty_like(h)
        grad_blocks = grad_h.reshape(n, 8, 13, 2, 13, 2)
        taken = np.zeros(pooled.shape, bool)
        for k, corner in enumerate(corners):
            hit = corner == pooled
            hit &= ~taken
            taken |= hit
            np.multiply(hit, grad_pool, out=grad_blocks[:, :, :, k // 2, :, k % 2])
        grad_h *= h > 0  # ReLU
        grad_conv_w = np.matmul(grad_h, cols.transpose(0, 2, 1)).sum(axis=0).reshape(8, 1, 3, 3)
        grad_conv_b = grad_h.sum(axis=(0, 2))
        sgd_update(params, [grad_conv_w, grad_conv_b, grad_fc_w, grad_fc_b], LR)
        return loss

    return step


def lib_step(lib, data: dict):
    """The step as PyTorch code; `lib` is torch or tinygrad_nn."""
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1352, 10)
    )
    load_params(lib, model, data["params"])
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    x, y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step
