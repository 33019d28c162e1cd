"""Sequential, ModuleList and ModuleDict behave as PyTorch's: construction, indexing,
slicing, mutation (with renumbering), iteration, and the state_dict keys that result."""

from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.nn.twins import check_twins, copy_weights

torch = pytest.importorskip("torch")


def _names(module):
    return [type(m).__name__ for m in module]


def test_sequential_runs_like_torch():
    def build(nn):
        return nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))

    ours, theirs = build(tg.nn), build(torch.nn)
    copy_weights(ours, theirs)
    check_twins(ours, theirs, np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32))


@pytest.mark.parametrize("lib", [tg, torch], ids=["ours", "torch"])
def test_sequential_indexing_and_mutation(lib):
    nn = lib.nn
    seq = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3), nn.Tanh())
    assert len(seq) == 4 and isinstance(seq[-1], nn.Tanh)
    part = seq[1:3]
    assert isinstance(part, nn.Sequential) and list(part._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="index 4 is out of range"):
        seq[4]
    seq[1] = nn.Sigmoid()
    assert _names(seq) == ["Linear", "Sigmoid", "Linear", "Tanh"]
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2"] and _names(seq) == ["Sigmoid", "Linear", "Tanh"]
    seq.append(nn.ReLU())
    seq.insert(0, nn.Identity())
    seq.extend([nn.ELU()])
    assert _names(seq) == ["Identity", "Sigmoid", "Linear", "Tanh", "ReLU", "ELU"]
    assert isinstance(seq.pop(1), nn.Sigmoid) and len(seq) == 5
    del seq[::2]
    assert _names(seq) == ["Linear", "ReLU"]
    both = seq + nn.Sequential(nn.Tanh())
    assert _names(both) == ["Linear", "ReLU", "Tanh"]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"] and named.fc is named[0]


@pytest.mark.parametrize("lib", [tg, torch], ids=["ours", "torch"])
def test_module_list(lib):
    nn = lib.nn
    layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers += [nn.Sigmoid()]
    layers.insert(1, nn.Identity())
    assert _names(layers) == ["Linear", "Identity", "Linear", "Linear", "ReLU", "Tanh", "Sigmoid"]
    assert isinstance(layers[-1], nn.Sigmoid) and isinstance(layers[1:3], nn.ModuleList)
    del layers[1]
    assert list(layers._modules) == [str(i) for i in range(6)]
    layers[0] = nn.ELU()
    assert isinstance(layers.pop(0), nn.ELU)
    assert len(layers) == 5 and len(list(layers.parameters())) == 4
    assert [k for k in layers.state_dict()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert _names(layers + nn.ModuleList([nn.Tanh()]))[-1] == "Tanh"
    with pytest.raises(IndexError):
        layers[7]
    with pytest.raises(TypeError, match="should be called with an iterable"):
        layers.extend(3)
    with pytest.raises(NotImplementedError):
        layers(lib.ones(1))


@pytest.mark.parametrize("lib", [tg, torch], ids=["ours", "torch"])
def test_module_dict(lib):
    nn = lib.nn
    heads = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.ReLU()})
    heads["c"] = nn.Tanh()
    heads.update([("d", nn.Sigmoid())])
    heads.update(OrderedDict(e=nn.ELU()))
    assert list(heads) == list(heads.keys()) == ["b", "a", "c", "d", "e"]
    assert "a" in heads and len(heads) == 5 and isinstance(heads["c"], nn.Tanh)
    assert [k for k, _ in heads.items()] == list(heads)
    assert len(list(heads.values())) == 5
    assert isinstance(heads.pop("a"), nn.ReLU) and "a" not in heads
    del heads["c"]
    assert list(heads.state_dict()) == ["b.weight", "b.bias"]
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        heads.update([("x", nn.ReLU(), 1)])
    with pytest.raises(TypeError):
        heads.update(3)
    heads.clear()
    assert len(heads) == 0
