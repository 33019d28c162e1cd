"""Small real data sets shipped inside the package, so examples and tests never download.

`load_digits()` reads the 8x8 handwritten digits of the UCI "Optical Recognition of
Handwritten Digits" set (1,797 images, CC BY 4.0; see `DIGITS_LICENSE.md` beside this file).
The file stores the raw counts (uint8, 0..16: each pixel is the number of ink dots in a
4x4 block of the original 32x32 bitmap); scaling to [0, 1] happens here, at load time.

`load_sonnets()` returns eight of Shakespeare's sonnets as one string (about 5,000
characters, public domain; see `SONNETS_LICENSE.md`): text for a character-level model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..tensor import Tensor

_DIGITS_FILE = Path(__file__).with_name("digits.npz")
_SONNETS_FILE = Path(__file__).with_name("sonnets.txt")


def load_digits(*, flatten: bool = True, normalize: bool = True) -> tuple[Tensor, Tensor]:
    """The 1,797 handwritten digits (8x8 pixels, labels 0-9), as tensors.

    Args:
        flatten: if True the images have shape (1797, 64), one row of input neurons per
            image; if False (1797, 8, 8).
        normalize: if True pixels are divided by 16, so they lie in [0, 1]; if False they
            keep the raw counts 0..16 (still float32).

    Returns:
        `(images, labels)`: images float32, labels int64 of shape (1797,). The order is the
        file's, so split with a seeded permutation (`torch.randperm`) for train/validation.
    """
    with np.load(_DIGITS_FILE) as archive:
        pixels, labels = archive["images"], archive["labels"]
    images = pixels.astype(np.float32)
    if normalize:
        images /= np.float32(16.0)
    if flatten:
        images = images.reshape(len(images), -1)
    return Tensor._make(images), Tensor._make(labels.astype(np.int64))


def load_sonnets() -> str:
    """Eight Shakespeare sonnets (XVIII ... CXXX) as one string, about 5,000 characters.

    Each sonnet is its Roman number, a blank line and fourteen lines of verse; sonnets are
    separated by a blank line. Newlines are "\\n" on every platform.
    """
    return _SONNETS_FILE.read_text(encoding="utf-8")


__all__ = ["load_digits", "load_sonnets"]
