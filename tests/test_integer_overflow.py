"""Numbers written into integer tensors overflow as in PyTorch: RuntimeError (never NumPy's
OverflowError) where PyTorch refuses, the same wrapped value where PyTorch wraps (uint8 takes
-1 as 255), the same truncation of floats."""

import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

VALUES = [-256, -255, -129, -128, -1, 0, 127, 128, 255, 256, 32767, 32768, 2**31 - 1, 2**31,
          1.5, -1.5, 255.5, 300.7, -200.0, float("inf"), float("nan"), True]  # fmt: skip
DTYPES = ["uint8", "int8", "int16", "int32", "int64", "bool"]


def _outcome(lib, dtype, write):
    t = lib.zeros(2, dtype=getattr(lib, dtype))
    try:
        write(t)
    except RuntimeError:
        return "RuntimeError"
    return t.tolist()


def _set_first(t, value):
    t[0] = value


WRITES = {"setitem": _set_first, "fill_": lambda t, value: t.fill_(value)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("how", sorted(WRITES))
def test_writing_a_number_matches_torch(dtype, how):
    for value in VALUES:
        ours = _outcome(tg, dtype, lambda t, value=value: WRITES[how](t, value))
        theirs = _outcome(torch, dtype, lambda t, value=value: WRITES[how](t, value))
        assert ours == theirs, (dtype, value)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tensor_and_full_match_torch(dtype):
    for value in VALUES:
        if isinstance(value, float):
            continue  # tensor([1.5], dtype=int) and full: checked with ints
        results = []
        for lib in (tg, torch):
            row = []
            for make, args in ((lib.tensor, ([value, 3],)), (lib.full, ((2,), value))):
                try:
                    row.append(make(*args, dtype=getattr(lib, dtype)).tolist())
                except RuntimeError:
                    row.append("RuntimeError")
            results.append(row)
        assert results[0] == results[1], (dtype, value)


def test_the_error_names_the_type():
    with pytest.raises(RuntimeError, match="uint8_t without overflow"):
        tg.zeros(2, dtype=tg.uint8)[0] = 300
