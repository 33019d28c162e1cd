"""Module: registration by attribute, traversal, state_dict (keys and order as PyTorch's),
load_state_dict and its errors, modes, hooks, dtype conversion and the Parameter class."""

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.nn.twins import copy_weights
from tests.tolerances import assert_close
from tinygrad_nn import nn
from tinygrad_nn.nn import module as module_mod

torch = pytest.importorskip("torch")


def build_net(lib):
    """A nested model using every kind of member, built the same way in both libraries."""

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = lib.nn.Sequential(
                lib.nn.Conv2d(1, 2, 3), lib.nn.BatchNorm2d(2), lib.nn.ReLU()
            )
            self.blocks = lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.LayerNorm(2)])
            self.heads = lib.nn.ModuleDict({"b": lib.nn.Linear(2, 1), "a": lib.nn.Embedding(3, 2)})
            self.scale = lib.nn.Parameter(lib.ones(1))
            self.register_buffer("step", lib.zeros(1))
            self.register_buffer("cache", lib.zeros(2), persistent=False)
            self.register_parameter("unused", None)

        def forward(self, x):
            h = self.features(x).mean((2, 3))
            for block in self.blocks:
                h = block(h)
            return self.heads["b"](h) * self.scale

    return Net()


def test_state_dict_keys_and_order_match_torch():
    ours, theirs = build_net(tg), build_net(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert "features.1.num_batches_tracked" in ours.state_dict()
    assert "cache" not in ours.state_dict()


def test_state_dict_values_share_memory_and_are_detached():
    net = build_net(tg)
    sd = net.state_dict()
    assert not sd["scale"].requires_grad
    assert np.shares_memory(sd["scale"].numpy(), net.scale.detach().numpy())
    assert net.state_dict(keep_vars=True)["scale"] is net.scale
    assert list(net.state_dict(prefix="m.")) == ["m." + k for k in sd]


def test_load_state_dict_from_torch_numbers_match():
    ours, theirs = build_net(tg), build_net(torch)
    result = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    x = np.random.default_rng(0).standard_normal((2, 1, 5, 5)).astype(np.float32)
    ours.eval(), theirs.eval()
    assert_close(ours(tg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy())


def test_load_state_dict_copies_in_place_and_accepts_our_tensors():
    net = nn.Linear(2, 3)
    weight, version = net.weight, net.weight._version
    new = {"weight": tg.ones(3, 2, dtype=tg.float64), "bias": np.zeros(3)}
    net.load_state_dict(new)
    assert net.weight is weight and net.weight.dtype == tg.float32
    assert net.weight._version > version and net.weight.requires_grad
    assert np.all(net.weight.detach().numpy() == 1) and net.weight.grad_fn is None
    net.load_state_dict(OrderedDict(nn.Linear(2, 3).state_dict()))
    net.load_state_dict({"weight": tg.zeros(3, 2), "bias": tg.zeros(3)}, assign=True)
    assert net.weight is not weight and isinstance(net.weight, nn.Parameter)


def test_load_state_dict_missing_and_unexpected_keys():
    ours, theirs = build_net(tg), build_net(torch)
    for net in (ours, theirs):
        sd = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
        del sd["blocks.0.bias"]
        sd["heads.a.extra"] = sd["scale"]
        sd["nonsense"] = sd["scale"]
        if net is theirs:
            sd = {k: torch.from_numpy(v) for k, v in sd.items()}
        with pytest.raises(RuntimeError) as err:
            net.load_state_dict(sd)
        if net is ours:
            ours_msg = str(err.value)
        else:
            assert ours_msg == str(err.value)
        result = net.load_state_dict(sd, strict=False)
        assert result.missing_keys == ["blocks.0.bias"]
        assert result.unexpected_keys == ["nonsense", "heads.a.extra"]
    assert ours_msg.startswith(
        "Error(s) in loading state_dict for Net:\n\tMissing key(s) in "
        'state_dict: "blocks.0.bias". \n\tUnexpected key(s) in state_dict: '
        '"nonsense", "heads.a.extra". '
    )


def test_load_state_dict_wrong_shape_names_the_key_and_shapes():
    net = nn.Sequential(nn.Linear(2, 4))
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict({"0.weight": np.zeros((3, 2)), "0.bias": np.zeros(4)}, strict=False)
    msg = str(err.value)
    assert msg.startswith(
        "Error(s) in loading state_dict for Sequential:\n\tsize mismatch for "
        "0.weight: copying a param with shape "
    )
    assert "[3, 2]" in msg and "[4, 2]" in msg
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        net.load_state_dict([1, 2])
    with pytest.raises(RuntimeError, match='While copying the parameter named "0.bias"'):
        net.load_state_dict({"0.weight": np.zeros((4, 2)), "0.bias": "nope"})


def test_batch_norm_loads_a_state_dict_without_num_batches_tracked():
    bn = nn.BatchNorm1d(2)
    sd = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(sd).missing_keys == []


def test_registration_routes_members_to_their_dicts():
    m = nn.Module()
    m.w = nn.Parameter(tg.zeros(2))
    m.sub = nn.Linear(1, 1)
    m.register_buffer("buf", tg.zeros(1))
    m.plain = 3
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"]
    assert list(m._buffers) == ["buf"] and m.plain == 3
    m.buf = tg.ones(1)  # an existing buffer is updated
    assert m._buffers["buf"].item() == 1
    m.w = None  # an existing parameter may become None
    assert m._parameters["w"] is None and list(m.parameters()) == list(m.sub.parameters())
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'w'"):
        m.w = tg.zeros(2)
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'sub'"):
        m.sub = 3
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'buf'"):
        m.buf = 3
    m.sub = nn.Parameter(tg.zeros(1))  # re-registering under another kind moves it
    assert "sub" not in m._modules and "sub" in m._parameters
    del m.sub, m.buf, m.plain
    assert "sub" not in m._parameters and "buf" not in m._buffers and not hasattr(m, "plain")
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'missing'"):
        m.missing  # noqa: B018


REGISTRATION_ERRORS = [
    lambda lib, m: m.register_buffer("x", None),
    lambda lib, m: m.register_buffer("a.b", None),
    lambda lib, m: m.register_buffer("", None),
    lambda lib, m: m.register_buffer(3, None),
    lambda lib, m: m.register_buffer("t", 3),
    lambda lib, m: m.register_parameter("p", lib.zeros(1)),
    lambda lib, m: m.register_parameter("a.b", None),
    lambda lib, m: m.register_parameter("q", lib.nn.Parameter(lib.zeros(1)) * 2),
    lambda lib, m: m.add_module("m", 3),
    lambda lib, m: m.add_module("a.b", lib.nn.ReLU()),
    lambda lib, m: m.add_module("", lib.nn.ReLU()),
    lambda lib, m: m.add_module("x", lib.nn.ReLU()),
]


@pytest.mark.parametrize("case", REGISTRATION_ERRORS)
def test_registration_errors_match_torch(case):
    errors = []
    for lib in (torch, tg):
        m = lib.nn.Module()
        m.x = 1
        with pytest.raises(Exception) as err:
            case(lib, m)
        errors.append((err.type, str(err.value)))
    assert errors[0] == errors[1]


def test_assigning_before_init_is_refused():
    class Forgetful(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tg.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Forgetful()


def test_shared_modules_and_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    tseq = torch.nn.Sequential(*[torch.nn.Linear(2, 2)] * 1, torch.nn.ReLU())
    tseq.append(tseq[0])
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == [n for n, _ in tseq.named_modules()]
    assert list(seq.state_dict()) == list(tseq.state_dict())  # state_dict keeps both names
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4


def test_children_modules_get_submodule_and_dir():
    net = build_net(tg)
    assert [type(m).__name__ for m in net.children()] == ["Sequential", "ModuleList", "ModuleDict"]
    assert len(list(net.modules())) == len(list(build_net(torch).modules())) == 11
    assert net.get_submodule("features.0") is net.features[0]
    assert net.get_submodule("") is net
    assert net.get_parameter("heads.b.weight") is net.heads["b"].weight
    assert net.get_buffer("features.1.running_mean") is net.features[1].running_mean
    with pytest.raises(AttributeError, match="Sequential has no attribute `9`"):
        net.get_submodule("features.9")
    with pytest.raises(AttributeError, match="`scale` is not an nn.Module"):
        net.get_submodule("scale")
    names = dir(net)
    for expected in ("features", "scale", "step", "forward", "training"):
        assert expected in names
    assert not [n for n in dir(net.features) if n[0].isdigit()]
    assert list(net.parameters(recurse=False)) == [net.scale]
    assert [n for n, _ in net.named_buffers(recurse=False)] == ["step", "cache"]


def test_train_eval_apply_requires_grad_and_zero_grad():
    net = build_net(tg)
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Conv2d"  # children first, as PyTorch
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    net(tg.randn(2, 1, 5, 5)).sum().backward()
    assert net.scale.grad is not None
    net.zero_grad(set_to_none=False)
    assert net.scale.grad is not None and net.scale.grad.item() == 0
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_to_double_and_float_keep_parameter_identity():
    net = build_net(tg)
    weight = net.blocks[0].weight
    net(tg.randn(2, 1, 5, 5)).sum().backward()
    assert net.to(tg.float64) is net
    assert weight is net.blocks[0].weight and weight.dtype == tg.float64
    assert weight.grad.dtype == tg.float64
    assert net.features[1].running_mean.dtype == tg.float64
    assert net.features[1].num_batches_tracked.dtype == tg.int64  # integers are left alone
    assert net(tg.randn(2, 1, 5, 5, dtype=tg.float64)).dtype == tg.float64
    net.float()
    assert weight.dtype == tg.float32
    net.double()
    assert weight.dtype == tg.float64
    assert net.to("cpu") is net and net.to(tg.randn(1)) is net and weight.dtype == tg.float32
    with pytest.raises(TypeError, match="only accepts floating point"):
        net.to(tg.int64)


def test_forward_hooks_and_pre_hooks():
    layer = nn.Linear(2, 2)
    calls = []
    h1 = layer.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 0,))
    h2 = layer.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
    h3 = layer.register_forward_hook(lambda m, args, out: calls.append("first"), prepend=True)
    out = layer(tg.ones(1, 2))
    assert calls == ["pre", "first", "post"]
    assert np.allclose(out.detach().numpy(), layer.bias.detach().numpy() + 1)
    for h in (h1, h2, h3):
        h.remove()
    assert np.allclose(
        layer(tg.ones(1, 2)).detach().numpy(),
        tg.nn.functional.linear(tg.ones(1, 2), layer.weight, layer.bias).detach().numpy(),
    )
    seen = {}
    layer.register_forward_pre_hook(lambda m, a, kw: seen.update(kw), with_kwargs=True)
    layer.register_forward_hook(lambda m, a, kw, out: seen.update(out=out), with_kwargs=True)
    layer(input=tg.ones(1, 2))
    assert "input" in seen and "out" in seen
    with nn.Linear(1, 1).register_forward_hook(lambda *a: None):
        pass


def test_module_stack_tracks_the_running_forwards():
    inside = []

    class Probe(nn.Module):
        def forward(self, x):
            inside.append(list(module_mod._module_stack))
            return x

    probe = Probe()
    outer = nn.Sequential(probe)
    outer(tg.ones(1))
    assert inside == [[outer, probe]] and module_mod._module_stack == []

    class Broken(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    with pytest.raises(ValueError):
        Broken()(tg.ones(1))
    assert module_mod._module_stack == []
    with pytest.raises(
        NotImplementedError,
        match=r"Module \[Module\] is missing the required "
        r'"forward" function',
    ):
        nn.Module()(1)


def test_deepcopy_and_pickle_keep_structure_and_values():
    net = build_net(tg)
    clone = copy.deepcopy(net)
    assert isinstance(clone.scale, nn.Parameter) and clone.scale is not net.scale
    assert list(clone.state_dict()) == list(net.state_dict())
    restored = pickle.loads(pickle.dumps(nn.Linear(2, 3)))
    assert isinstance(restored.weight, nn.Parameter) and restored.weight.requires_grad


def test_parameter_basics_and_repr_match_torch():
    p = nn.Parameter(tg.tensor([1.0, 2.0]))
    q = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    assert isinstance(p, tg.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == repr(q)
    assert repr(nn.Parameter(tg.tensor([1.0]), requires_grad=False)) == repr(
        torch.nn.Parameter(torch.tensor([1.0]), requires_grad=False)
    )
    assert repr(nn.Parameter()) == repr(torch.nn.Parameter())
    data = tg.zeros(2)
    shared = nn.Parameter(data)
    data.add_(1)
    assert shared.detach().numpy().tolist() == [1.0, 1.0]  # shares memory, as PyTorch
    assert type(shared * 2) is tg.Tensor
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(tg.tensor([1]))
    assert not nn.Parameter(tg.tensor([1]), requires_grad=False).requires_grad


def test_copy_weights_helper_round_trip():
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    copy_weights(ours, theirs)
    assert np.array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
