"""API.md's rule, tested literally: one PyTorch training script, run unchanged with
`torch` bound to PyTorch and then to tinygrad_nn, gives the same numbers."""

import numpy as np
import pytest

import tinygrad_nn

torch = pytest.importorskip("torch")

SCRIPT = """
import numpy as np
nn, F = torch.nn, torch.nn.functional


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.norm = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 4 * 4, 16), nn.GELU(),
                                  nn.Dropout(0.0), nn.Linear(16, 3))
        self.scale = nn.Parameter(torch.ones(1))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        self.calls += 1
        x = self.pool(F.relu(self.norm(self.conv(x))))
        return self.head(x) * self.scale


rng = np.random.default_rng(0)
model = Net()
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.3, tuple(p.shape)).astype(np.float32)))
images = torch.tensor(rng.normal(size=(24, 1, 8, 8)).astype(np.float32))
labels = torch.tensor(rng.integers(0, 3, 24))
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels),
                                     batch_size=8)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
losses = []
for epoch in range(3):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    scheduler.step()
model.eval()
with torch.no_grad():
    logits = model(images)
    accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
    probs = torch.softmax(logits, dim=1)
result = dict(losses=losses, accuracy=accuracy, probs=probs.numpy(),
              running_var=model.norm.running_var.numpy().copy(), calls=int(model.calls),
              keys=list(model.state_dict().keys()), lr=scheduler.get_last_lr())
"""


def _run(lib):
    namespace = {"torch": lib}
    exec(SCRIPT, namespace)
    return namespace["result"]


def test_training_script_runs_unchanged_and_matches_torch():
    torch.manual_seed(0)
    ours, theirs = _run(tinygrad_nn), _run(torch)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-4)
    np.testing.assert_allclose(ours["probs"], theirs["probs"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours["running_var"], theirs["running_var"], rtol=1e-4)
    assert ours["accuracy"] == theirs["accuracy"]
    assert ours["calls"] == theirs["calls"] == 10
    assert ours["keys"] == theirs["keys"]
    assert ours["lr"] == theirs["lr"]
