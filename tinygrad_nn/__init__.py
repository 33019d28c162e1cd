"""tinygrad_nn: reverse-mode autograd in pure Python + NumPy, with PyTorch's API.

    import tinygrad_nn as torch
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad                      # tensor([4., 6.])
"""

from . import dtypes as _dtypes
from .autograd.grad_mode import (  # noqa: F401
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .creation import (  # noqa: F401
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    multinomial,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import (  # noqa: F401
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .functions import *  # noqa: F401,F403
from .functions import abs, all, any, max, min, pow, round, sum  # noqa: F401
from .random import (  # noqa: F401
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .tensor import Size, Tensor, device, where  # noqa: F401

from . import autograd  # noqa: E402,F401  (after Tensor: autograd's modules use it)
from . import datasets  # noqa: E402,F401  (numpy only: the bundled digits)
from . import optim, utils  # noqa: E402,F401
from .serialization import load, save  # noqa: E402,F401
from . import viz  # noqa: E402,F401  (graphviz itself is imported only when drawing)
from . import nn  # noqa: E402,F401  (Module, layers, nn.functional, nn.init)
