"""Datasets, samplers and the DataLoader, against torch.utils.data where order is not random."""

import collections
import math

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.utils import data as tgd

torch = pytest.importorskip("torch")
tud = torch.utils.data


def _pair(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64) % 3
    return x, y


def _same(ours, theirs):
    """Equal structure, types (Tensor <-> torch.Tensor) and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tg.Tensor), type(ours)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            _same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    else:
        assert ours == theirs


# ---------------------------------------------------------------- datasets


def test_tensor_dataset_items_and_length():
    x, y = _pair()
    ds = tgd.TensorDataset(tg.tensor(x), tg.tensor(y))
    assert len(ds) == 10
    xi, yi = ds[4]
    assert xi.tolist() == x[4].tolist() and yi.item() == y[4]
    _same(ds[2:5], tud.TensorDataset(torch.tensor(x), torch.tensor(y))[2:5])


def test_tensor_dataset_size_mismatch_raises():
    for lib, mod in ((torch, tud), (tg, tgd)):
        with pytest.raises(AssertionError, match="Size mismatch between tensors"):
            mod.TensorDataset(lib.zeros(3, 2), lib.zeros(4))


class Squares(tgd.Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __len__(self):
        return self.n


def test_dataset_add_makes_a_concat_dataset():
    both = Squares(3) + Squares(4)
    assert isinstance(both, tgd.ConcatDataset)
    assert len(both) == 7 and both.cumulative_sizes == [3, 7]
    assert [both[i] for i in range(7)] == [0, 1, 4, 0, 1, 4, 9]
    assert both[-1] == 9 and both[-7] == 0
    with pytest.raises(ValueError, match="absolute value of index"):
        both[-8]
    with pytest.raises(AssertionError, match="should not be an empty iterable"):
        tgd.ConcatDataset([])


def test_base_dataset_getitem_is_abstract():
    with pytest.raises(NotImplementedError):
        tgd.Dataset()[0]


def test_subset_indexing():
    sub = tgd.Subset(Squares(10), [7, 2, 5])
    assert len(sub) == 3 and sub[0] == 49 and sub[-1] == 25
    assert sub.__getitems__([2, 0]) == [25, 49]


# ---------------------------------------------------------------- random_split


def test_random_split_counts_fractions_and_errors_match_torch():
    for lengths in ([3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.33, 0.33, 0.34], [1 / 3] * 3):
        ours = tgd.random_split(range(10), lengths)
        theirs = tud.random_split(range(10), lengths)
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        assert all(isinstance(s, tgd.Subset) for s in ours)
        assert sorted(i for s in ours for i in s.indices) == list(range(10))
    for bad in ([3, 3], [0.5, 0.6]):
        with pytest.raises(ValueError, match="Sum of input lengths"):
            tgd.random_split(range(10), bad)
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        tgd.random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        tgd.random_split(range(2), [0.9, 0.1])


def test_random_split_is_reproducible_under_manual_seed_and_generator():
    tg.manual_seed(3)
    a = [s.indices for s in tgd.random_split(range(20), [0.5, 0.5])]
    tg.manual_seed(3)
    b = [s.indices for s in tgd.random_split(range(20), [0.5, 0.5])]
    c = [s.indices for s in tgd.random_split(range(20), [0.5, 0.5])]
    assert a == b and a != c
    gen = tg.Generator().manual_seed(11)
    d = [s.indices for s in tgd.random_split(range(20), [10, 10], generator=gen)]
    e = [
        s.indices
        for s in tgd.random_split(range(20), [10, 10], generator=tg.Generator().manual_seed(11))
    ]
    assert d == e


# ---------------------------------------------------------------- collate


Point = collections.namedtuple("Point", "x y")


def _samples(lib):
    return {
        "tensors": [lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])],
        "ints": [1, 2, 3],
        "floats": [0.5, 1.5],
        "bools": [True, False],
        "strings": ["a", "b"],
        "arrays": [np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32)],
        "numpy scalars": [np.float64(1.5), np.float64(2.5)],
        "tuples": [(lib.tensor(1.0), 2), (lib.tensor(3.0), 4)],
        "lists": [[1, 2.0], [3, 4.0]],
        "dicts": [{"a": lib.tensor([1]), "b": 0.5}, {"a": lib.tensor([2]), "b": 1.5}],
        "ordered": [collections.OrderedDict(z=1, y=2.0), collections.OrderedDict(z=3, y=4.0)],
        "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
        "nested": [{"p": (lib.zeros(2), [1, "x"])}, {"p": (lib.ones(2), [2, "y"])}],
    }


@pytest.mark.parametrize("kind", list(_samples(torch)))
def test_default_collate_matches_torch(kind):
    ours = tgd.default_collate(_samples(tg)[kind])
    theirs = tud.default_collate(_samples(torch)[kind])
    if kind == "namedtuples":
        assert type(ours).__name__ == "Point"
        _same(list(ours), list(theirs))
    else:
        _same(ours, theirs)


def test_default_collate_dtypes_are_torchs():
    assert tgd.default_collate([1, 2]).dtype == tg.int64
    assert tgd.default_collate([1.0, 2.0]).dtype == tg.float64
    assert tgd.default_collate([True, False]).dtype == tg.bool


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        tgd.default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate"):
        tgd.default_collate([object(), object()])


def test_default_convert_matches_torch():
    sample = {"a": np.arange(3), "b": (np.float32(2.0), "s"), "c": [np.ones(2)]}
    from torch.utils.data import default_convert

    _same(tgd.default_convert(sample), default_convert(sample))


# ---------------------------------------------------------------- DataLoader


LOADER_CASES = [
    {},
    {"batch_size": 4},
    {"batch_size": 4, "drop_last": True},
    {"batch_size": 5, "drop_last": True},
    {"batch_size": 3, "sampler": [9, 0, 4, 4, 1]},
    {"batch_sampler": [[0, 1], [5], [2, 3, 4]]},
    {"batch_size": None},
    {"batch_size": 4, "collate_fn": lambda batch: len(batch)},
]


@pytest.mark.parametrize("kwargs", LOADER_CASES, ids=lambda kw: ",".join(sorted(kw)) or "default")
def test_loader_batches_match_torch(kwargs):
    x, y = _pair()
    ours = tgd.DataLoader(tgd.TensorDataset(tg.tensor(x), tg.tensor(y)), **kwargs)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)), **kwargs)
    assert len(ours) == len(theirs)
    got, expected = list(ours), list(theirs)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        _same(a, b)


@pytest.mark.parametrize(
    "kwargs", [{"batch_size": 3}, {"batch_size": 4, "drop_last": True}, {"batch_size": None}]
)
def test_loader_over_a_map_dataset_of_dicts_matches_torch(kwargs):
    class Records(tgd.Dataset):
        def __init__(self, lib):
            self.lib = lib

        def __getitem__(self, i):
            return {"x": self.lib.tensor([i, i + 0.5]), "label": i % 2, "w": i / 10}

        def __len__(self):
            return 7

    ours, theirs = tgd.DataLoader(Records(tg), **kwargs), tud.DataLoader(Records(torch), **kwargs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        _same(a, b)


def test_loader_over_a_subset_and_a_concat_dataset():
    x, y = _pair(12)
    ds = tgd.TensorDataset(tg.tensor(x), tg.tensor(y))
    sub = tgd.Subset(ds, [11, 0, 5])
    xb, yb = next(iter(tgd.DataLoader(sub, batch_size=3)))
    assert xb.tolist() == x[[11, 0, 5]].tolist() and yb.tolist() == y[[11, 0, 5]].tolist()
    both = tgd.DataLoader(sub + sub, batch_size=4)
    assert [b[1].tolist() for b in both] == [[2, 0, 2, 2], [0, 2]]


class Stream(tgd.IterableDataset):
    def __init__(self, n, lib):
        self.n, self.lib = n, lib

    def __iter__(self):
        return iter(self.lib.tensor([float(i)]) for i in range(self.n))

    def __len__(self):
        return self.n


@pytest.mark.parametrize(
    "kwargs", [{"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None}]
)
def test_loader_over_an_iterable_dataset_matches_torch(kwargs):
    class TorchStream(tud.IterableDataset):
        def __iter__(self):
            return iter(torch.tensor([float(i)]) for i in range(7))

        def __len__(self):
            return 7

    ours, theirs = tgd.DataLoader(Stream(7, tg), **kwargs), tud.DataLoader(TorchStream(), **kwargs)
    assert len(ours) == len(theirs)
    got, expected = list(ours), list(theirs)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        _same(a, b)
    chained = Stream(2, tg) + Stream(3, tg)
    assert isinstance(chained, tgd.ChainDataset) and len(list(chained)) == len(chained) == 5


def test_shuffle_is_a_permutation_reproducible_under_manual_seed():
    x, y = _pair(20)
    ds = tgd.TensorDataset(tg.tensor(x), tg.tensor(y))
    loader = tgd.DataLoader(ds, batch_size=6, shuffle=True)

    def epoch():
        return [i for _, yb in loader for i in yb.tolist()], [xb for xb, _ in loader]

    tg.manual_seed(0)
    first = [yb.tolist() for _, yb in loader]
    second = [yb.tolist() for _, yb in loader]
    tg.manual_seed(0)
    again = [yb.tolist() for _, yb in loader]
    assert first == again and first != second  # a new order each epoch, repeatable
    assert [len(b) for b in first] == [6, 6, 6, 2]
    order = [xb[:, 0].tolist() for xb, _ in loader]
    assert sorted(v for b in order for v in b) == sorted(x[:, 0].tolist())
    gen_a = tgd.DataLoader(ds, batch_size=20, shuffle=True, generator=tg.Generator().manual_seed(5))
    gen_b = tgd.DataLoader(ds, batch_size=20, shuffle=True, generator=tg.Generator().manual_seed(5))
    assert next(iter(gen_a))[1].tolist() == next(iter(gen_b))[1].tolist()


def test_samples_stay_paired_after_shuffling():
    x, y = _pair(30)
    loader = tgd.DataLoader(
        tgd.TensorDataset(tg.tensor(x), tg.tensor(y)), batch_size=7, shuffle=True
    )
    for xb, yb in loader:
        assert (xb[:, 0].numpy() / 3 % 3).astype(int).tolist() == yb.tolist()


def test_random_sampler_options():
    tg.manual_seed(1)
    with_replacement = list(tgd.RandomSampler(range(5), replacement=True, num_samples=40))
    assert len(with_replacement) == 40 and set(with_replacement) <= set(range(5))
    assert len(set(with_replacement)) == 5
    longer = list(tgd.RandomSampler(range(5), num_samples=12))
    assert sorted(longer[:5]) == sorted(longer[5:10]) == list(range(5)) and len(longer) == 12
    for lib_mod in (tud, tgd):
        with pytest.raises(ValueError, match="num_samples should be a positive integer"):
            lib_mod.RandomSampler(range(5), num_samples=0)
        with pytest.raises(TypeError, match="replacement should be a boolean"):
            lib_mod.RandomSampler(range(5), replacement=1)
    assert sorted(tgd.SubsetRandomSampler([4, 8, 9])) == [4, 8, 9]


def test_batch_sampler_matches_torch():
    for bs, drop in ((3, False), (3, True), (5, False), (1, True)):
        ours = tgd.BatchSampler(tgd.SequentialSampler(range(10)), bs, drop)
        theirs = tud.BatchSampler(tud.SequentialSampler(range(10)), bs, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    for bad in (0, -1, True, 2.0):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            tgd.BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        tgd.BatchSampler(range(3), 2, 0)


BAD_LOADER_ARGS = [
    {"sampler": [0, 1], "shuffle": True},
    {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True},
    {"batch_sampler": [[0]], "drop_last": True},
    {"batch_size": None, "drop_last": True},
    {"num_workers": -1},
    {"timeout": -1},
    {"prefetch_factor": 2},
    {"persistent_workers": True},
]


@pytest.mark.parametrize("kwargs", BAD_LOADER_ARGS, ids=str)
def test_loader_argument_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as expected:
        tud.DataLoader(list(range(4)), **kwargs)
    with pytest.raises(ValueError) as got:
        tgd.DataLoader(list(range(4)), **kwargs)
    assert str(got.value) == str(expected.value)


def test_iterable_dataset_refuses_shuffle_and_samplers():
    for kwargs in ({"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}):
        with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected"):
            tgd.DataLoader(Stream(3, tg), **kwargs)


def test_workers_and_pinned_memory_are_accepted_and_give_the_same_batches():
    x, y = _pair()
    ds = tgd.TensorDataset(tg.tensor(x), tg.tensor(y))
    plain = [b[0].tolist() for b in tgd.DataLoader(ds, batch_size=4)]
    loaded = tgd.DataLoader(
        ds,
        batch_size=4,
        num_workers=2,
        pin_memory=True,
        prefetch_factor=2,
        persistent_workers=True,
        worker_init_fn=print,
    )
    assert [b[0].tolist() for b in loaded] == plain
    assert tgd.get_worker_info() is None


def test_loader_length_and_batches_agree():
    for n, bs, drop in ((10, 3, False), (10, 3, True), (9, 3, True), (1, 4, False)):
        loader = tgd.DataLoader(list(range(n)), batch_size=bs, drop_last=drop)
        assert len(loader) == len(list(loader)) == (n // bs if drop else math.ceil(n / bs))


def test_fast_path_keeps_autograd_through_the_dataset():
    w = tg.ones(6, 2, requires_grad=True)
    ds = tgd.TensorDataset(w * 2, tg.arange(6))
    xb, _ = next(iter(tgd.DataLoader(ds, batch_size=3)))
    xb.sum().backward()
    assert w.grad.tolist() == [[2.0, 2.0]] * 3 + [[0.0, 0.0]] * 3


def test_reachable_as_in_torch():
    import tinygrad_nn

    assert tinygrad_nn.utils.data.DataLoader is tgd.DataLoader
    assert tinygrad_nn.optim.lr_scheduler.StepLR is not None
