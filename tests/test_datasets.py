"""The bundled digits: shapes, dtypes, scaling, class balance, attribution, no heavy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

import tinygrad_nn as torch
from tinygrad_nn.datasets import load_digits

PACKAGE = Path(torch.__file__).resolve().parent


def test_default_is_flat_float32_in_unit_range_with_int64_labels():
    images, labels = load_digits()
    assert images.shape == (1797, 64) and images.dtype == torch.float32
    assert labels.shape == (1797,) and labels.dtype == torch.int64
    assert images.min().item() == 0.0 and images.max().item() == 1.0
    assert set(np.unique(labels.numpy()).tolist()) == set(range(10))


def test_raw_counts_and_image_shape():
    raw, _ = load_digits(flatten=False, normalize=False)
    assert raw.shape == (1797, 8, 8) and raw.dtype == torch.float32
    values = raw.numpy()
    assert np.array_equal(values, np.round(values)) and values.max() == 16.0
    scaled, _ = load_digits()
    np.testing.assert_array_equal(scaled.numpy(), values.reshape(1797, 64) / 16.0)


def test_every_class_has_about_180_images():
    counts = np.bincount(load_digits()[1].numpy(), minlength=10)
    assert counts.sum() == 1797 and counts.min() >= 170 and counts.max() <= 190


def test_images_look_like_their_digits():
    # A "1" is mostly a vertical stroke: more ink in the middle columns than a "0" has.
    images, labels = load_digits(flatten=False)
    x, y = images.numpy(), labels.numpy()
    middle = x[:, :, 3:5].sum(axis=(1, 2)) / x.sum(axis=(1, 2))
    assert middle[y == 1].mean() > middle[y == 0].mean() + 0.1


def test_each_call_returns_fresh_tensors():
    a, _ = load_digits()
    a[0, 0] = 5.0
    b, _ = load_digits()
    assert b[0, 0].item() != 5.0


def test_file_is_small_uint8_and_attributed():
    archive = PACKAGE / "datasets" / "digits.npz"
    assert archive.stat().st_size < 100_000
    with np.load(archive) as data:
        assert data["images"].dtype == np.uint8 and data["labels"].dtype == np.uint8
    note = (PACKAGE / "datasets" / "DIGITS_LICENSE.md").read_text()
    assert "CC BY 4.0" in note and "Alpaydin" in note and "UCI" in note


def test_importing_the_package_loads_no_heavy_modules():
    code = (
        "import sys, tinygrad_nn; tinygrad_nn.datasets.load_digits();"
        "print(sorted(m for m in ('sklearn', 'matplotlib', 'torch', 'tqdm') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )
    assert out.stdout.strip() == "[]"
