"""Tolerances for comparing with PyTorch, in one place (API.md's promise)."""

import numpy as np

RTOL = {np.float32: 1e-5, np.float64: 1e-10}
ATOL = {np.float32: 1e-6, np.float64: 1e-12}


def assert_close(actual, expected, dtype=None, rtol=None, atol=None, what=""):
    """Compare two arrays at the tolerance of their dtype (float32 rtol 1e-5, float64 1e-10)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    key = (dtype or expected.dtype).type if hasattr(dtype or expected.dtype, "type") else dtype
    rtol = RTOL.get(key, 0.0) if rtol is None else rtol
    atol = ATOL.get(key, 0.0) if atol is None else atol
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)
