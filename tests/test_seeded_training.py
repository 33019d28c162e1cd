"""Seeded scripts print PyTorch's numbers: data order, dropout masks and a training run.

The training script below is run twice, once with `torch` bound to PyTorch and once to
tinygrad_nn, from nothing but `manual_seed`: the data, the initial weights, the shuffled
batches and the dropout masks all come from the random streams. Every printed line must be
the same string, every batch and every generator state after each step the same bits.

The losses themselves agree to a few float32 units in the last place, not to the bit: for
these 2-wide layers PyTorch's CPU addmm rounds x0*w0 and x1*w1 separately before adding,
while NumPy's BLAS fuses them into one multiply-add. That is matmul rounding, not
randomness; the test pins it to 1e-6 relative so any change in the draws would still show.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")
# A test module that skips itself without PyTorch: import it only once the skip above passed.
from tests.test_random_wiring import assert_same_bits  # noqa: E402

TRAINING_SCRIPT = """
torch.manual_seed(SEED)
nn = torch.nn
X = torch.randn(60, 2)
y = (X[:, 0] * X[:, 1] > 0).long()
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=8,
                                     shuffle=True)
model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.2), nn.Linear(3, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
step, record = 0, []
while step < 100:
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"step {step}: loss {loss.item():.4f}")
        record.append((xb, yb, torch.get_rng_state(), loss.item()))
        step += 1
        if step == 100:
            break
model.eval()
print(f"eval {model(X).sum().item():.3f} next draw {torch.rand(1).item()!r}")
"""


def _run_script(lib, seed: int) -> tuple:
    printed = []
    namespace = {
        "torch": lib,
        "SEED": seed,
        "print": lambda *a: printed.append(" ".join(map(str, a))),
    }
    exec(TRAINING_SCRIPT, namespace)  # our own script, run on both libraries
    return printed, namespace["record"]


@pytest.mark.parametrize("seed", [0, 42, 2**32 + 3, -5])
def test_seeded_training_prints_torchs_losses(seed):
    (theirs, t_record), (ours, g_record) = _run_script(torch, seed), _run_script(tg, seed)
    assert len(ours) == 101
    assert ours == theirs
    for (xb, yb, state, loss), (t_xb, t_yb, t_state, t_loss) in zip(g_record, t_record):
        assert_same_bits(xb, t_xb)
        assert_same_bits(yb, t_yb)
        assert_same_bits(state, t_state)  # the same draws so far: the same dropout masks
        assert loss == pytest.approx(t_loss, rel=1e-6)
    first, last = (np.mean([r[3] for r in part]) for part in (t_record[:10], t_record[-10:]))
    assert last < first  # it learned: the comparison is not vacuous


# ---------------------------------------------------------------------- dropout


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_mask_forward_and_gradient_match_torch(p, dtype):
    results = []
    for lib in (torch, tg):
        lib.manual_seed(11)
        x = lib.randn(7, 13, dtype=getattr(lib, dtype), requires_grad=True)
        out = lib.nn.functional.dropout(x, p)
        out.backward(lib.arange(91.0, dtype=getattr(lib, dtype)).reshape(7, 13))
        layer = lib.nn.Dropout(p)
        results.append((out, x.grad, layer(x.detach()), lib.get_rng_state()))
    for ours, theirs in zip(results[1], results[0]):
        assert_same_bits(ours, theirs)


def test_dropout_inplace_eval_and_transposed_match_torch():
    results = []
    for lib in (torch, tg):
        lib.manual_seed(5)
        x = lib.randn(6, 20)
        a = lib.nn.functional.dropout(x.clone(), 0.3, inplace=True)
        b = lib.nn.functional.dropout(x.t(), 0.3)  # drawn in memory order
        c = lib.nn.functional.dropout(x, 0.3, training=False)
        layer = lib.nn.Dropout(0.4)
        layer.eval()
        results.append((a, b, c, layer(x), lib.get_rng_state()))
    for ours, theirs in zip(results[1], results[0]):
        assert_same_bits(ours, theirs)


# ---------------------------------------------------------------------- data order


def _epochs(lib, seed, epochs=3, generator_seed=None, **loader_kwargs):
    """Index batches of several epochs, plus the global state after them."""
    lib.manual_seed(seed)
    data = lib.utils.data.TensorDataset(lib.arange(23))
    gen = None if generator_seed is None else lib.Generator().manual_seed(generator_seed)
    loader = lib.utils.data.DataLoader(data, generator=gen, **loader_kwargs)
    batches = [[b[0].tolist() for b in loader] for _ in range(epochs)]
    state = lib.get_rng_state().numpy().tobytes()
    gen_state = None if gen is None else gen.get_state().numpy().tobytes()
    return batches, state, gen_state, lib.rand(2).tolist()


LOADERS = {
    "shuffle": {"batch_size": 5, "shuffle": True},
    "shuffle_drop_last": {"batch_size": 5, "shuffle": True, "drop_last": True},
    "no_shuffle": {"batch_size": 4},
    "generator": {"batch_size": 5, "shuffle": True, "generator_seed": 99},
    "generator_no_shuffle": {"batch_size": 5, "generator_seed": 99},
    "replacement": {"batch_size": 6, "sampler": "replacement"},
    "replacement_many": {"batch_size": 10, "sampler": "replacement_many"},
    "num_samples": {"batch_size": 7, "sampler": "num_samples"},
    "subset": {"batch_size": 3, "sampler": "subset"},
}


def _sampler(lib, kind, data_len=23):
    data = range(data_len)
    if kind == "replacement":
        return lib.utils.data.RandomSampler(data, replacement=True)
    if kind == "replacement_many":
        return lib.utils.data.RandomSampler(data, replacement=True, num_samples=75)
    if kind == "num_samples":
        return lib.utils.data.RandomSampler(data, num_samples=50)
    return lib.utils.data.SubsetRandomSampler([2, 3, 5, 7, 11, 13, 17])


@pytest.mark.parametrize("seed", [0, 42, 2**32 + 3, -5])
@pytest.mark.parametrize("name", sorted(LOADERS))
def test_dataloader_order_matches_torch(name, seed):
    runs = []
    for lib in (torch, tg):
        kwargs = dict(LOADERS[name])
        if "sampler" in kwargs:
            kwargs["sampler"] = _sampler(lib, kwargs["sampler"])
        runs.append(_epochs(lib, seed, **kwargs))
    assert runs[1] == runs[0]


@pytest.mark.parametrize("generator", [False, True])
def test_random_sampler_alone_matches_torch(generator):
    """Iterating a sampler directly (no DataLoader): one seed draw per pass, then randperm."""
    runs = []
    for lib in (torch, tg):
        lib.manual_seed(8)
        gen = lib.Generator().manual_seed(1) if generator else None
        sampler = lib.utils.data.RandomSampler(range(40), generator=gen)
        runs.append(([list(sampler) for _ in range(3)], lib.get_rng_state().numpy().tobytes()))
    assert runs[1] == runs[0]


@pytest.mark.parametrize("lengths", [[3, 7], [5, 5, 10], [0.3, 0.3, 0.4], [0.5, 0.5], [1]])
@pytest.mark.parametrize("generator", [False, True])
def test_random_split_matches_torch(lengths, generator):
    runs = []
    for lib in (torch, tg):
        lib.manual_seed(21)
        n = 10 if sum(lengths) in (10, 1) and all(isinstance(x, int) for x in lengths) else 20
        kwargs = {"generator": lib.Generator().manual_seed(4)} if generator else {}
        parts = lib.utils.data.random_split(range(n), lengths, **kwargs)
        runs.append(([list(p.indices) for p in parts], lib.get_rng_state().numpy().tobytes()))
    assert runs[1] == runs[0]


def test_loader_draws_one_base_seed_per_epoch_like_torch():
    """Even unshuffled, every new iterator takes one int64 draw from the global stream."""
    for lib in (torch, tg):
        lib.manual_seed(0)
        loader = lib.utils.data.DataLoader(list(range(4)), batch_size=2)
        iter(loader)
        iter(loader)
        lib.value = lib.rand(3).numpy()
    np.testing.assert_array_equal(tg.value, torch.value)
    del tg.value, torch.value


def test_iterable_dataset_loader_draws_its_base_seed_too():
    states = []
    for lib in (torch, tg):

        class Stream(lib.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(5))

        lib.manual_seed(2)
        batches = [b.tolist() for b in lib.utils.data.DataLoader(Stream(), batch_size=2)]
        states.append((batches, lib.get_rng_state().numpy().tobytes()))
    assert states[1] == states[0]


@pytest.mark.parametrize("replacement", [True, False])
def test_weighted_random_sampler_matches_torch(replacement):
    runs = []
    for lib in (torch, tg):
        lib.manual_seed(6)
        weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
        sampler = lib.utils.data.WeightedRandomSampler(weights, 5, replacement=replacement)
        loader = lib.utils.data.DataLoader(list(range(6)), batch_size=2, sampler=sampler)
        batches = [[b.tolist() for b in loader] for _ in range(3)]
        runs.append((batches, lib.get_rng_state().numpy().tobytes()))
    assert runs[1] == runs[0]
