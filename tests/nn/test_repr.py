"""repr(module) character for character as PyTorch's, for every layer and for nested
Sequential / ModuleList / ModuleDict (including ModuleList's folding of repeated layers)."""

from collections import OrderedDict

import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

LAYERS = [
    lambda nn: nn.Linear(2, 3),
    lambda nn: nn.Linear(2, 3, bias=False),
    lambda nn: nn.Identity(54, unused="argument"),
    lambda nn: nn.Flatten(),
    lambda nn: nn.Flatten(0, 2),
    lambda nn: nn.Unflatten(1, (2, 3)),
    lambda nn: nn.Unflatten(1, [2, 3]),
    lambda nn: nn.ReLU(),
    lambda nn: nn.ReLU(inplace=True),
    lambda nn: nn.LeakyReLU(),
    lambda nn: nn.LeakyReLU(0.2, inplace=True),
    lambda nn: nn.ELU(),
    lambda nn: nn.ELU(alpha=0.5, inplace=True),
    lambda nn: nn.GELU(),
    lambda nn: nn.GELU(approximate="tanh"),
    lambda nn: nn.SiLU(),
    lambda nn: nn.SiLU(inplace=True),
    lambda nn: nn.Sigmoid(),
    lambda nn: nn.Tanh(),
    lambda nn: nn.Softmax(dim=1),
    lambda nn: nn.Softmax(),
    lambda nn: nn.LogSoftmax(dim=-1),
    lambda nn: nn.Softplus(),
    lambda nn: nn.Softplus(beta=2, threshold=10),
    lambda nn: nn.Dropout(),
    lambda nn: nn.Dropout(p=0.1, inplace=True),
    lambda nn: nn.Embedding(10, 3),
    lambda nn: nn.Embedding(
        10, 3, padding_idx=-2, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True, sparse=True
    ),
    lambda nn: nn.LayerNorm(4),
    lambda nn: nn.LayerNorm([4, 5], eps=1e-6, elementwise_affine=False),
    lambda nn: nn.LayerNorm(4, bias=False),
    lambda nn: nn.BatchNorm1d(4),
    lambda nn: nn.BatchNorm2d(8, eps=1e-3, momentum=None, affine=False, track_running_stats=False),
    lambda nn: nn.BatchNorm2d(8, bias=False),
    lambda nn: nn.Conv1d(2, 4, 3, stride=2, padding=1),
    lambda nn: nn.Conv2d(1, 8, 3),
    lambda nn: nn.Conv2d(
        4,
        8,
        (3, 5),
        stride=(2, 1),
        padding=(1, 2),
        dilation=2,
        groups=2,
        bias=False,
        padding_mode="reflect",
    ),
    lambda nn: nn.Conv2d(1, 8, 3, padding="same", padding_mode="circular"),
    lambda nn: nn.Conv2d(1, 8, 3, padding="valid"),
    lambda nn: nn.MaxPool2d(2),
    lambda nn: nn.MaxPool2d(
        (2, 3), stride=1, padding=1, dilation=2, return_indices=True, ceil_mode=True
    ),
    lambda nn: nn.MaxPool1d(3),
    lambda nn: nn.AvgPool2d(2),
    lambda nn: nn.AvgPool2d(3, 1, 1, True, False, 2),
    lambda nn: nn.AvgPool1d(3, padding=1),
    lambda nn: nn.AdaptiveAvgPool2d((2, 3)),
    lambda nn: nn.AdaptiveAvgPool2d(1),
    lambda nn: nn.AdaptiveAvgPool2d((None, 7)),
    lambda nn: nn.AdaptiveAvgPool1d(5),
    lambda nn: nn.MSELoss(),
    lambda nn: nn.L1Loss(reduction="sum"),
    lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1),
    lambda nn: nn.NLLLoss(),
    lambda nn: nn.BCELoss(),
    lambda nn: nn.BCEWithLogitsLoss(),
    lambda nn: nn.HuberLoss(delta=2.0),
    lambda nn: nn.SmoothL1Loss(),
]


@pytest.mark.parametrize("build", LAYERS, ids=lambda b: repr(b(torch.nn)).split("(")[0])
def test_layer_repr_matches_torch(build):
    assert repr(build(tg.nn)) == repr(build(torch.nn))


def _nested(nn):
    return nn.Sequential(
        OrderedDict(
            [
                (
                    "stem",
                    nn.Sequential(
                        nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2)
                    ),
                ),
                (
                    "blocks",
                    nn.ModuleList(
                        [nn.Linear(2, 3)]
                        + [nn.Linear(3, 3) for _ in range(8)]
                        + [
                            nn.ReLU(),
                            nn.ReLU(),
                            nn.Sequential(nn.Tanh(), nn.Tanh()),
                            nn.Sequential(nn.Tanh(), nn.Tanh()),
                            nn.Linear(3, 1),
                        ]
                    ),
                ),
                (
                    "heads",
                    nn.ModuleDict({"cls": nn.Linear(3, 2), "aux": nn.Sequential(nn.Identity())}),
                ),
                ("empty", nn.Sequential()),
                ("empty_list", nn.ModuleList()),
                ("empty_dict", nn.ModuleDict()),
            ]
        )
    )


def test_nested_containers_repr_matches_torch():
    assert repr(_nested(tg.nn)) == repr(_nested(torch.nn))


def test_custom_module_repr_with_extra_repr_and_none_child():
    def build(nn):
        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(1, 1)
                self.skip = None
                self.register_module("gone", None)

            def extra_repr(self):
                return "first line\nsecond line"

        return Block()

    assert repr(build(tg.nn)) == repr(build(torch.nn))
