"""tinygrad_nn: reverse-mode autograd in pure Python + NumPy, with PyTorch's API.

    import tinygrad_nn as torch
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad                      # tensor([4., 6.])

README.md's "How to read this code" gives an order for reading the source.
"""

# Running PyTorch scripts unchanged: a CPU-only build's cuda/backends/accelerator/amp, the global
# switches scripts set at the top, and the legacy typed constructors.
from . import (  # noqa: F401
    accelerator,
    amp,
    autograd,
    backends,
    compiler,  # torch.compile: trace a step, replay it as generated NumPy code
    cuda,
    datasets,  # numpy only: the bundled digits
    linalg,  # torch.linalg
    nn,  # Module, layers, nn.functional, nn.init
    optim,
    utils,
    version,
    viz,  # graphviz itself is imported only when drawing
)
from ._finfo import finfo, iinfo  # noqa: F401
from ._functions_select import (  # noqa: F401
    aminmax,
    argsort,
    bincount,
    bucketize,
    corrcoef,
    cov,
    cummax,
    cummin,
    diff,
    kthvalue,
    logcumsumexp,
    median,
    mode,
    msort,
    nanmean,
    nanmedian,
    nanquantile,
    quantile,
    searchsorted,
    sort,
    topk,
    trapezoid,
    unique,
    unique_consecutive,
)
from ._functions_shape import (  # noqa: F401
    addbmm,
    addmm,
    addmv,
    baddbmm,
    block_diag,
    cartesian_prod,
    cdist,
    column_stack,
    combinations,
    cross,
    diag,
    diag_embed,
    diagflat,
    dist,
    dsplit,
    dstack,
    fliplr,
    flipud,
    hsplit,
    index_copy,
    index_fill,
    index_put,
    kron,
    masked_scatter,
    masked_select,
    meshgrid,
    ravel,
    repeat_interleave,
    rot90,
    scatter_reduce,
    slice_scatter,
    take,
    take_along_dim,
    tensor_split,
    tensordot,
    tile,
    trace,
    tril_indices,
    triu_indices,
    unravel_index,
    vdot,
    vsplit,
)
from ._heap import keep_freed_heap as _keep_freed_heap
from ._legacy_types import (  # noqa: F401
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from ._methods_activation import fix_function as fix  # noqa: F401
from ._settings import (  # noqa: F401
    are_deterministic_algorithms_enabled,
    get_default_device,
    get_float32_matmul_precision,
    get_num_interop_threads,
    get_num_threads,
    is_deterministic_algorithms_warn_only_enabled,
    set_default_device,
    set_float32_matmul_precision,
    set_num_interop_threads,
    set_num_threads,
    use_deterministic_algorithms,
)
from ._tensor_str import set_printoptions  # noqa: F401
from .amp import autocast, is_autocast_enabled  # noqa: F401
from .autograd._parity import inference_mode, set_grad_enabled  # noqa: F401
from .autograd.grad_mode import enable_grad, is_grad_enabled, no_grad  # noqa: F401
from .compiler import compile  # noqa: F401
from .creation import (  # noqa: F401
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from .creation_random import (  # noqa: F401
    bernoulli,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
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
from .functions import *  # noqa: F403
from .functions import abs, all, any, max, min, pow, round, sum  # noqa: F401
from .linalg import (  # noqa: F401
    cholesky_plain as cholesky,
    det,
    inverse,
    logdet,
    pinverse,
    qr_plain as qr,
    slogdet_plain as slogdet,
    svd_plain as svd,
)
from .random import (  # noqa: F401
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .serialization import load, save  # noqa: F401
from .tensor import Size, Tensor, device, where  # noqa: F401
from .version import __version__  # noqa: F401

_keep_freed_heap()  # a training step's memory is reused, not mapped in again: see _heap.py


def load_ipython_extension(ipython) -> None:
    """`%load_ext tinygrad_nn`: from then on `import torch` means tinygrad_nn in the session."""
    from ._torch_alias import load_ipython_extension as load_extension

    load_extension(ipython)


def unload_ipython_extension(ipython) -> None:
    """`%unload_ext tinygrad_nn`: `import torch` means PyTorch again."""
    from ._torch_alias import unload_ipython_extension as unload

    unload(ipython)


def __getattr__(name: str):
    """A clear error for a PyTorch name tinygrad_nn lacks (`torch.fft`, ...); hasattr() still
    answers False."""
    from ._torch_alias import missing_name

    raise missing_name(__name__, name)
