"""Handwritten digits with a validation set: SGD and Adam on the same network and data.

What it teaches: the whole supervised-learning loop on real data (the 8x8 digits bundled with
the package). Each image's 64 pixels are the input neurons, two hidden ReLU layers follow, and
there is one output neuron per label (0-9), trained with cross-entropy. A fifth of the images is
held out as a validation set the network never learns from. The same initial weights are trained
twice, once with SGD (with momentum) and once with Adam, so the optimizers are the only difference.

What to watch: training accuracy against validation accuracy, epoch by epoch. While they rise
together the network is learning digits; a training accuracy that keeps rising while validation
stalls is memorising. Outputs, in out/: `digits_curves.png` (loss and accuracy per epoch, both
optimizers) and `digits_graph.svg` (the computation graph of one training step, drawn by viz).
The last line printed is the final validation accuracy.

Run:  python examples/train_digits.py [--quick] [--epochs N] [--out DIR]
"""

from __future__ import annotations

import time

import _common

import tinygrad_nn as torch
from tinygrad_nn import nn, viz
from tinygrad_nn.datasets import load_digits
from tinygrad_nn.utils.data import DataLoader, TensorDataset


def make_model() -> nn.Sequential:
    """64 input pixels -> 64 -> 32 hidden ReLU units -> 10 scores, one per digit."""
    return nn.Sequential(
        nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)
    )


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """The fraction of images whose highest score is the right digit."""
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def train(name, model, optimizer, data, epochs: int) -> dict[str, list[float]]:
    """Train `model` for `epochs`, returning loss and train/validation accuracy per epoch."""
    (x_train, y_train), (x_valid, y_valid) = data
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    history = {"loss": [], "train accuracy": [], "validation accuracy": []}
    for epoch in range(1, epochs + 1):
        model.train()
        bar = _common.progress(loader, desc=f"{name:4s} epoch {epoch:2d}/{epochs}")
        total, correct, seen = 0.0, 0, 0
        for xb, yb in bar:
            optimizer.zero_grad()
            scores = model(xb)
            loss = loss_fn(scores, yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
            correct += (scores.argmax(dim=1) == yb).sum().item()
            seen += len(xb)
            bar.set_postfix(loss=total / seen, acc=correct / seen, refresh=False)
        history["loss"].append(total / seen)
        history["train accuracy"].append(accuracy(model, x_train, y_train))
        history["validation accuracy"].append(accuracy(model, x_valid, y_valid))
        print(
            f"{name:4s} epoch {epoch:2d}: loss {total / seen:.4f}  "
            f"train acc {history['train accuracy'][-1]:.3f}  "
            f"val acc {history['validation accuracy'][-1]:.3f}"
        )
    return history


def main(argv=None) -> dict:
    """Train with SGD and with Adam, write the plot and the graph, print the validation accuracy."""
    args = _common.parse_args(__doc__, epochs=20, quick_epochs=8, argv=argv)
    start = time.perf_counter()
    torch.manual_seed(args.seed)
    images, labels = load_digits()  # float32 (1797, 64) in [0, 1], int64 (1797,)
    order = torch.randperm(len(images))
    n_train = int(0.8 * len(images))
    train_idx, valid_idx = order[:n_train], order[n_train:]
    data = (images[train_idx], labels[train_idx]), (images[valid_idx], labels[valid_idx])
    print(f"{n_train} training images, {len(valid_idx)} validation images")

    initial = make_model().state_dict()  # both optimizers start from these weights
    models, history = {}, {}
    for name in ("SGD", "Adam"):
        model = make_model()
        model.load_state_dict(initial)
        if name == "SGD":
            optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        else:
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        history[name] = train(name, model, optimizer, data, args.epochs)
        models[name] = model

    png = _common.save_curves(args.out / "digits_curves.png", history)
    # One training step, drawn: a small batch's forward and backward, recorded by viz so the
    # picture groups the ops by layer and shows every gradient the backward pass computed.
    model = models["Adam"]
    (x_train, y_train), _ = data
    model.zero_grad()
    with viz.record():
        loss = nn.CrossEntropyLoss()(model(x_train[:4]), y_train[:4])
        loss.backward()
    svg = _common.save_graph(
        loss, args.out / "digits_graph.svg", show_grads=True, group_by_module=model
    )

    best = max(history, key=lambda name: history[name]["validation accuracy"][-1])
    final = history[best]["validation accuracy"][-1]
    seconds = time.perf_counter() - start
    print(f"best optimizer: {best}; run time {seconds:.1f} s")
    print(f"validation accuracy: {final:.2f}")
    return {"history": history, "best": best, "accuracy": final, "png": png, "svg": svg}


if __name__ == "__main__":
    main()
