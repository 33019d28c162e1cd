"""Samplers: the order in which a DataLoader visits a dataset's indices.

A sampler yields indices; a `BatchSampler` groups them into lists of `batch_size`. The
shuffles draw what PyTorch's samplers draw (the global generator unless one is passed), so
`manual_seed` repeats PyTorch's order.
"""

from __future__ import annotations

import itertools

import numpy as np

from ... import random as _random, sampling


class Sampler:
    """Base class (as `torch.utils.data.Sampler`): subclasses define __iter__ (and __len__)."""

    def __init__(self, data_source=None) -> None:
        self.data_source = data_source


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random order on every pass (as `torch.utils.data.RandomSampler`).

    Without replacement, `num_samples` > len(data) chains several permutations; with
    replacement, indices are drawn independently.
    """

    def __init__(
        self, data_source, replacement: bool = False, num_samples: int | None = None, generator=None
    ) -> None:
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                "num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        """How many indices one pass yields (len(data) unless set)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, count = len(self.data_source), self.num_samples
        generator = self.generator
        if generator is None:
            # PyTorch's recipe: one int64 draw from the global generator seeds a private one,
            # so a pass costs the global stream one draw however many indices it yields.
            seed = int(sampling.random_((), np.int64))
            generator = _random.Generator().manual_seed(seed)
        if self.replacement:
            for size in [32] * (count // 32) + [count % 32]:  # PyTorch draws 32 at a time
                yield from sampling.random_((size,), np.int64, 0, n, generator).tolist()
            return
        for _ in range(count // n):
            yield from sampling.randperm(n, np.int64, generator).tolist()
        # The last, partial pass draws a whole permutation even when nothing of it is used.
        yield from sampling.randperm(n, np.int64, generator).tolist()[: count % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a fresh random order on every pass."""

    def __init__(self, indices, generator=None) -> None:
        self.indices, self.generator = indices, generator

    def __iter__(self):
        for i in sampling.randperm(len(self.indices), np.int64, self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices drawn with probability proportional to `weights` (as
    `torch.utils.data.WeightedRandomSampler`): one `multinomial` of the float64 weights per
    pass, so the same seed gives PyTorch's indices."""

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            msg = f"replacement should be a boolean value, but got replacement={replacement}"
            raise ValueError(msg)  # the type PyTorch raises
        weights = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, np.float64)
        if weights.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {weights.shape}"
            )
        self.weights, self.num_samples = weights, num_samples
        self.replacement, self.generator = replacement, generator

    def __iter__(self):
        picks = sampling.multinomial(
            self.weights, self.num_samples, self.replacement, self.generator
        )
        yield from picks.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups a sampler's indices into lists of `batch_size` (the last one shorter unless
    `drop_last`)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            msg = f"drop_last should be a boolean value, but got drop_last={drop_last}"
            raise ValueError(msg)  # the type PyTorch raises
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        batch = list(itertools.islice(indices, self.batch_size))
        while batch and (len(batch) == self.batch_size or not self.drop_last):
            yield batch
            batch = list(itertools.islice(indices, self.batch_size))

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
