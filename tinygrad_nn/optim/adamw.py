"""AdamW: Adam with the weight decay applied to the parameters, not mixed into the gradient."""

from __future__ import annotations

from .adam import Adam


class AdamW(Adam):
    """Same semantics as `torch.optim.AdamW`: Adam with `decoupled_weight_decay=True`.

    The decay shrinks the parameter directly, p = p * (1 - lr * weight_decay), before the
    Adam update, so it does not pass through the moment estimates (see `Adam` for the rest).
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
        foreach=None,
        capturable=False,
        differentiable=False,
        fused=None,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: dict) -> None:
        """As `Optimizer.load_state_dict`; the groups stay decoupled whatever the dict says."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
