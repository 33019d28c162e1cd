"""A small transformer learns to write, one character at a time, from Shakespeare's sonnets.

What it teaches: a language model predicts the next character from the ones before it. Each
character becomes a vector (`nn.Embedding`) plus a vector for its position; a
`nn.TransformerEncoder` lets every position look at the earlier ones through self-attention;
a `nn.Linear` turns each position's vector into scores for the next character. The causal
mask from `nn.Transformer.generate_square_subsequent_mask` (-inf above the diagonal) is what
stops position i from peeking at i+1, the character it must predict. Training is plain
cross-entropy on random 32-character windows of the 5,000-character text that ships with the
package (`tinygrad_nn.datasets.load_sonnets()`, public domain). To write, the model samples
the next character with `torch.multinomial` from softmax(scores / temperature), appends it,
and repeats.

What to watch: the loss starts near ln(57) = 4.0 (a uniform guess among 57 characters) and
falls below 2.5 within a few hundred steps. The samples turn from noise into lines with
spaces, capitals, common words (" the ", " thou ") and line breaks where verse has them.
Run under PyTorch itself, the script prints the same losses and the same sample.

Run:  python examples/char_transformer.py [--quick] [--epochs N] [--seed S]   (no pictures)
"""

from __future__ import annotations

import time

import _common

import tinygrad_nn as torch
from tinygrad_nn import nn
from tinygrad_nn.datasets import load_sonnets

CONTEXT, BATCH, STEPS_PER_EPOCH = 32, 32, 50


class CharTransformer(nn.Module):
    """Embeddings -> causal TransformerEncoder -> next-character scores."""

    def __init__(self, vocab_size: int, d_model: int = 64, nhead: int = 4, layers: int = 2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(CONTEXT, d_model)  # learned: one vector per position
        layer = nn.TransformerEncoderLayer(
            d_model,
            nhead,
            dim_feedforward=4 * d_model,
            dropout=0.0,
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, vocab_size)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(CONTEXT))

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """idx (batch, T) character ids -> (batch, T, vocab) scores for the next character."""
        t = idx.shape[1]
        x = self.embed(idx) + self.position(torch.arange(t))
        x = self.encoder(x, mask=self.mask[:t, :t], is_causal=True)
        return self.head(x)


def random_windows(data: torch.Tensor, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`batch` random windows of CONTEXT characters, and the same windows shifted by one."""
    starts = torch.randint(0, len(data) - CONTEXT - 1, (batch,))
    rows = starts[:, None] + torch.arange(CONTEXT + 1)  # (batch, CONTEXT + 1) positions
    chunk = data[rows]
    return chunk[:, :-1], chunk[:, 1:]  # the target of position i is character i + 1


@torch.no_grad()
def sample(model: CharTransformer, start: list[int], length: int, temperature: float = 0.8):
    """Extend `start` by `length` characters, each drawn from the model's distribution."""
    model.eval()
    ids = list(start)
    for _ in range(length):
        context = torch.tensor([ids[-CONTEXT:]])
        scores = model(context)[0, -1] / temperature  # lower temperature: safer choices
        ids.append(int(torch.multinomial(scores.softmax(-1), 1)))
    model.train()
    return ids


def main(argv=None) -> dict:
    """Train, printing the loss per epoch and a sample; returns the losses and the sample."""
    args = _common.parse_args(__doc__, epochs=8, quick_epochs=2, argv=argv)
    torch.manual_seed(args.seed)
    text = load_sonnets()
    chars = sorted(set(text))
    to_id = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([to_id[c] for c in text])
    model = CharTransformer(len(chars))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    print(
        f"{len(text)} characters, {len(chars)} distinct; "
        f"{sum(p.numel() for p in model.parameters())} parameters"
    )
    losses, first, start = [], None, time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for _ in range(STEPS_PER_EPOCH):
            x, y = random_windows(data, BATCH)
            loss = nn.functional.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            first = loss.item() if first is None else first
        losses.append(total / STEPS_PER_EPOCH)
        print(f"epoch {epoch}/{args.epochs}: loss {losses[-1]:.3f}")
    ids = sample(model, [to_id[c] for c in "Shall I "], 200)
    text_out = "".join(chars[i] for i in ids)
    print(f"run time {time.perf_counter() - start:.1f} s; a sample:\n\n{text_out}")
    return {"first_loss": first, "losses": losses, "sample": text_out, "vocab": len(chars)}


if __name__ == "__main__":
    main()
