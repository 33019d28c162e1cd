"""The 2-3-2 classifier: a small Keras model, written the PyTorch way.

What it teaches: how the Keras model

    Sequential([Dense(3, input_shape=(2,), activation='relu'), Dense(2, activation='softmax')])

reads in PyTorch: a `Dense` layer is a `Linear` layer followed by its activation, and Keras's
`input_shape=(2,)` becomes `Linear`'s first argument, `in_features`. Two inputs (height, weight)
feed three ReLU units, which feed two softmax outputs (overweight / underweight).

What to watch: the loss. Keras pairs the softmax with categorical cross-entropy. PyTorch's
`nn.CrossEntropyLoss` wants the scores *before* the softmax (it applies log-softmax itself, which
is stable where log(softmax(z)) can underflow), so we train `model[:-1]` and keep the whole
`model` for probabilities. The test accuracy climbs past 90% within a few hundred steps.

Run:  python examples/classifier_232.py [--quick] [--epochs N] [--out DIR]   (pictures: out/)
"""

from __future__ import annotations

import _common

import tinygrad_nn as torch
from tinygrad_nn import nn

CLASSES = ("overweight", "underweight")  # output 0 and output 1 of the softmax


def make_people(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`n` random (height cm, weight kg) pairs, labelled overweight when the BMI is 25 or more."""
    height = 1.5 + 0.5 * torch.rand(n)  # metres
    bmi = 16.0 + 18.0 * torch.rand(n)  # kg / m^2
    weight = bmi * height**2
    features = torch.stack([100.0 * height, weight], dim=1)
    labels = (bmi < 25.0).long()  # 0 = overweight, 1 = underweight
    return features, labels


def main(argv=None) -> dict:
    """Train the 2-3-2 net on generated people; return its accuracy on people it never saw."""
    args = _common.parse_args(__doc__, epochs=300, quick_epochs=150, argv=argv)
    torch.manual_seed(args.seed)
    x_train, y_train = make_people(800)
    x_test, y_test = make_people(200)
    # Standardise with the training set's statistics: raw centimetres and kilograms would make
    # the first layer's pre-activations huge and the steps uneven between the two inputs.
    mean, std = x_train.mean(dim=0), x_train.std(dim=0)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std

    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2), nn.Softmax(dim=1))
    print(model)
    scores = model[:-1]  # the same layers (shared weights) without the Softmax
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)

    for epoch in range(1, args.epochs + 1):
        optimizer.zero_grad()
        loss = loss_fn(scores(x_train), y_train)  # the whole training set is one batch
        loss.backward()
        optimizer.step()
        if epoch % 50 == 0 or epoch == args.epochs:
            print(f"step {epoch:4d}  loss {loss.item():.4f}")

    with torch.no_grad():
        probs = model(x_test)  # each row sums to 1: P(overweight), P(underweight)
        accuracy = (probs.argmax(dim=1) == y_test).float().mean().item()
    tall_heavy = (torch.tensor([[190.0, 110.0]]) - mean) / std
    with torch.no_grad():
        p = model(tall_heavy)[0]
    print(f"190 cm, 110 kg -> {CLASSES[0]} {p[0].item():.2f}, {CLASSES[1]} {p[1].item():.2f}")
    print(f"test accuracy: {accuracy:.3f}")

    params = dict(model.named_parameters())
    svg = _common.save_graph(model(x_test[:1]), args.out / "classifier_232.svg", params=params)
    return {"accuracy": accuracy, "svg": svg}


if __name__ == "__main__":
    main()
