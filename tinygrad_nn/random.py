"""Random numbers: one global NumPy generator, reseeded by `manual_seed`.

Every random draw in the package (rand, randn, randint, init, dropout, DataLoader shuffling,
random_split) goes through here, so `manual_seed(s)` makes a whole run reproducible. The
streams are NumPy's, not PyTorch's: the same seed gives different numbers than PyTorch.
"""

from __future__ import annotations

import numpy as np


class Generator:
    """A source of random numbers (as `torch.Generator`); `manual_seed` resets it."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721  # PyTorch's default seed
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream to a known state."""
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        """The seed of the current stream."""
        return self._seed

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))
        return self._seed

    def get_state(self):
        """The generator's state (to restore with `set_state`)."""
        return self._rng.bit_generator.state

    def set_state(self, state) -> None:
        """Restore a state from `get_state`."""
        self._rng.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator: later rand/randn/randint/init/shuffles repeat exactly."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator from the operating system's entropy."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the global generator."""
    return default_generator.initial_seed()


def get_rng_state():
    """The global generator's state."""
    return default_generator.get_state()


def set_rng_state(state) -> None:
    """Restore the global generator's state."""
    default_generator.set_state(state)


def _rng(generator) -> np.random.Generator:
    return (generator or default_generator)._rng


def uniform(low: float, high: float, shape: tuple, generator=None) -> np.ndarray:
    """Samples from U(low, high) as float64."""
    return _rng(generator).uniform(low, high, shape)


def normal(mean: float, std: float, shape: tuple, generator=None) -> np.ndarray:
    """Samples from N(mean, std^2) as float64."""
    return _rng(generator).normal(mean, std, shape)


def integers(low: int, high: int, shape: tuple, generator=None) -> np.ndarray:
    """Integers in [low, high) as int64."""
    return _rng(generator).integers(low, high, shape, dtype=np.int64)


def permutation(n: int, generator=None) -> np.ndarray:
    """A random permutation of range(n) as int64."""
    return _rng(generator).permutation(n).astype(np.int64)
