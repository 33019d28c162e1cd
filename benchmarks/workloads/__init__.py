"""The benchmark cases. Each module defines one workload three ways:

    make_data(rng, **options)  the inputs and initial weights, as NumPy arrays, so all
                               three versions start from the same numbers;
    numpy_step(data)           a step written by hand in NumPy (forward and backward spelled
                               out): the floor for any engine built on NumPy; None for
                               a case without a NumPy twin (W6, W7), which `run.py`
                               reports against PyTorch only;
    lib_step(lib, data)        the same step written once against PyTorch's API and run with
                               `lib = torch` or `lib = tinygrad_nn` (the project's promise is
                               that such code runs unchanged on both).

Each builder returns `step()`, a function that runs one step and returns its loss (or
result). `TITLE` describes the case and `UNIT` says whether it is reported in milliseconds
or microseconds.
"""

from __future__ import annotations

from . import (
    op_add,
    op_mul_sum_backward,
    random_numbers,
    w1_tiny_mlp,
    w2_deep_narrow,
    w3_wide_mlp,
    w4_chain,
    w5_conv,
    w6_lstm,
    w7_transformer,
)

CASES = {
    "W1": w1_tiny_mlp,
    "W2": w2_deep_narrow,
    "W3": w3_wide_mlp,
    "W4": w4_chain,
    "W5": w5_conv,
    "W6": w6_lstm,
    "W7": w7_transformer,
    "add": op_add,
    "mul_sum_backward": op_mul_sum_backward,
    "rand": random_numbers.RAND,
    "randn": random_numbers.RANDN,
    "randperm": random_numbers.RANDPERM,
    "mlp_init": random_numbers.MLP_INIT,
}
