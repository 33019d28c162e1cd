"""Bilinear, EmbeddingBag, CosineSimilarity, PairwiseDistance and the padding layers."""

from __future__ import annotations

import math

from ...creation import empty
from ...tensor import Tensor
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


class Bilinear(Module):
    """y = x1^T W x2 + b with W of shape (out, in1, in2). Same semantics as `torch.nn.Bilinear`;
    weight, then bias, start uniform in +-1/sqrt(in1_features)."""

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        kwargs = {"dtype": dtype, "device": device}
        self.weight = Parameter(empty((out_features, in1_features, in2_features), **kwargs))
        self.register_parameter("bias", Parameter(empty(out_features, **kwargs)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform(-1/sqrt(in1), 1/sqrt(in1)) for the weight, then for the bias."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """Bilinear form per output feature."""
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class EmbeddingBag(Module):
    """Sum, mean or max of embedding rows per bag of indices, without materialising the
    rows of each index. Same semantics as `torch.nn.EmbeddingBag`; weight starts N(0, 1)
    with the padding row zero."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Tensor | None = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.mode, self.sparse = scale_grad_by_freq, mode, sparse
        self.include_last_offset = include_last_offset
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        shape = (num_embeddings, embedding_dim)
        if _weight is not None and tuple(_weight.shape) != shape:
            raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
        self.weight = Parameter(
            empty(shape, dtype=dtype, device=device) if _weight is None else _weight
        )
        if _weight is None:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        """N(0, 1) rows, and the padding row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            init.zeros_(self.weight[self.padding_idx])

    def forward(
        self, input: Tensor, offsets: Tensor | None = None, per_sample_weights: Tensor | None = None
    ) -> Tensor:
        """One reduced row per bag."""
        return F.embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        max_norm=None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx=None,
    ):
        """An EmbeddingBag whose weight is `embeddings` (2-d), frozen by default."""
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(
            rows,
            cols,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            mode,
            sparse,
            embeddings,
            include_last_offset,
            padding_idx,
        )
        bag.weight.requires_grad = not freeze
        return bag

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s


class CosineSimilarity(Module):
    """Cosine similarity along `dim`. Same semantics as `torch.nn.CosineSimilarity`."""

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """cos(angle(x1, x2)) along dim."""
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p along the last dim. Same semantics as `torch.nn.PairwiseDistance`."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """p-norm distance of each pair of rows."""
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


# ---------------------------------------------------------------------- padding


def _amounts(padding, n: int) -> tuple:
    """An int repeated to n values (both sides of each padded dim), or the given sequence."""
    return (padding,) * n if isinstance(padding, int) else tuple(padding)


class _PadNd(Module):
    """Shared by the padding layers: F.pad with a fixed amount and mode."""

    mode = "constant"
    _sides = 2

    def __init__(self, padding):
        super().__init__()
        self.padding = _amounts(padding, self._sides)

    def forward(self, input: Tensor) -> Tensor:
        """Pad the last dims."""
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ConstantPad1d(_PadNd):
    """Pad the last dim with `value`. Same semantics as `torch.nn.ConstantPad1d`."""

    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """Constant padding of the last dim."""
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    """Pad the last two dims with `value`. Same semantics as `torch.nn.ConstantPad2d`."""

    _sides = 4


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros. Same semantics as `torch.nn.ZeroPad1d`."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ZeroPad1d):
    """Pad the last two dims with zeros. Same semantics as `torch.nn.ZeroPad2d`."""

    _sides = 4


class ReflectionPad1d(_PadNd):
    """Mirror the last dim at its edges (edge not repeated). Same as `torch.nn.ReflectionPad1d`."""

    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Mirror the last two dims at their edges. Same as `torch.nn.ReflectionPad2d`."""

    _sides = 4


class ReplicationPad1d(_PadNd):
    """Repeat the edge values of the last dim. Same as `torch.nn.ReplicationPad1d`."""

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Repeat the edge values of the last two dims. Same as `torch.nn.ReplicationPad2d`."""

    _sides = 4
