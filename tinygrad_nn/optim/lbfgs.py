"""L-BFGS: quasi-Newton steps from a short history of gradient differences.

Newton's method steps by -H^-1 g. L-BFGS never forms H: it keeps the last `history_size`
pairs s = x_k+1 - x_k and y = g_k+1 - g_k and applies an approximate H^-1 to the gradient
with the two-loop recursion. One `step(closure)` runs up to `max_iter` such iterations,
calling the closure for fresh losses and gradients, with an optional strong-Wolfe line search.

All parameters are flattened into one vector. The arithmetic is done on NumPy arrays and on
NumPy scalars of the parameters' dtype, which round as PyTorch's 0-d tensors do; the state
holds Tensors where PyTorch holds tensors, so its layout is PyTorch's.
"""

from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor
from ._fused import fma
from .optimizer import Optimizer, bump, check_lr, check_not_negative, to_scalar

_TENSOR_KEYS = ("d", "H_diag", "t", "prev_flat_grad")
_LIST_KEYS = ("old_dirs", "old_stps", "ro", "al")


class LBFGS(Optimizer):
    """Same semantics as `torch.optim.LBFGS` (one parameter group; `step` needs a closure).

    Each iteration, with gradient g and history pairs (s_i, y_i), rho_i = 1 / (y_i . s_i):

        q = -g
        for i newest to oldest:  a_i = rho_i * (s_i . q);  q = q - a_i * y_i
        r = q * H_diag                               (H_diag = y.s / y.y of the newest pair)
        for i oldest to newest:  b = rho_i * (y_i . r);  r = r + (a_i - b) * s_i
        d = r;  p = p + t * d

    t is lr (min(1, 1/|g|_1) * lr on the very first iteration), or what the strong-Wolfe
    line search finds when `line_search_fn="strong_wolfe"`. A pair enters the history only
    if y.s > 1e-10. The iterations stop early on a small gradient, step or loss change.
    """

    def __init__(
        self,
        params,
        lr=1,
        max_iter=20,
        max_eval=None,
        tolerance_grad=1e-7,
        tolerance_change=1e-9,
        history_size=100,
        line_search_fn=None,
    ):
        check_lr(lr)
        check_not_negative(("learning rate", lr))
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # ------------------------------------------------------------ the flat vector

    def _gather_flat_grad(self) -> np.ndarray:
        return np.concatenate(
            [
                np.zeros(p.numel(), p._data.dtype) if p.grad is None else p.grad._data.reshape(-1)
                for p in self._params
            ]
        )

    def _add_grad(self, step_size, update: np.ndarray) -> None:
        """p = p + step_size * update, slice by slice (PyTorch: p.add_(u, alpha=step_size))."""
        offset = 0
        for p in self._params:
            n = p.numel()
            fma(step_size, update[offset : offset + n].reshape(p._data.shape), p._data, out=p._data)
            bump(p)
            offset += n

    def _directional_evaluate(self, closure, x: list, t, d: np.ndarray):
        """Loss and flat gradient at p + t * d; the parameters are put back to x after."""
        self._add_grad(t, d)
        with enable_grad():
            loss = float(closure())
        flat_grad = self._gather_flat_grad()
        for p, saved in zip(self._params, x):
            p._data[...] = saved
            bump(p)
        return loss, flat_grad

    # ------------------------------------------------------------ one step

    def step(self, closure):
        """Run up to `max_iter` L-BFGS iterations; returns the closure's first loss."""
        group = self.param_groups[0]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with enable_grad():
            orig_loss = closure()
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= group["tolerance_grad"]:
            return orig_loss
        mem = _unpack(state)
        with no_grad():
            self._iterate(closure, group, state, mem, float(orig_loss), flat_grad)
        _pack(state, mem)
        return orig_loss

    def _iterate(self, closure, group, state, mem, loss, flat_grad) -> None:
        """The iteration loop of `step`; `mem` holds d, t, the history and the previous g."""
        lr, max_iter, max_eval = to_scalar(group["lr"]), group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        n_iter, current_evals = 0, 1
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            self._direction(mem, flat_grad, state, group["history_size"])
            mem["prev_flat_grad"], mem["prev_loss"] = flat_grad.copy(), loss
            if state["n_iter"] == 1:  # Python's min returns the 0-d value itself if smaller
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            d, mem["t"] = mem["d"], t
            gtd = flat_grad.dot(d)
            if gtd > -tol_change:
                break
            if group["line_search_fn"] is not None:
                max_ls = max_eval - current_evals
                loss, flat_grad, t, evals = self._search(
                    closure, group, t, d, loss, flat_grad, gtd, max_ls
                )
                opt_cond = np.abs(flat_grad).max() <= tol_grad
            else:
                self._add_grad(t, d)
                evals = 0
                if n_iter != max_iter:  # the last iteration's loss is not needed
                    with enable_grad():
                        loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tol_grad
                    evals = 1
            mem["t"] = t
            current_evals += evals
            state["func_evals"] += evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tol_change or abs(loss - mem["prev_loss"]) < tol_change:
                break

    def _search(self, closure, group, t, d, loss, flat_grad, gtd, max_ls):
        """Step along d by the strong-Wolfe line search; returns (loss, g, t, evaluations)."""
        if group["line_search_fn"] != "strong_wolfe":
            raise RuntimeError("only 'strong_wolfe' is supported")
        x_init = [p._data.copy() for p in self._params]

        def obj_func(x, t, d):
            return self._directional_evaluate(closure, x, t, d)

        loss, flat_grad, t, evals = _strong_wolfe(
            obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_ls
        )
        self._add_grad(t, d)
        return loss, flat_grad, t, evals

    def _direction(self, mem: dict, flat_grad: np.ndarray, state: dict, history: int) -> None:
        """mem["d"] = the L-BFGS direction (the two-loop recursion); updates the history."""
        if state["n_iter"] == 1:
            mem.update(d=-flat_grad, old_dirs=[], old_stps=[], ro=[], H_diag=1)
            return
        y = flat_grad - mem["prev_flat_grad"]
        s = mem["d"] * mem["t"]
        ys = y.dot(s)
        if ys > 1e-10:
            if len(mem["old_dirs"]) == history:
                for key in ("old_dirs", "old_stps", "ro"):
                    mem[key].pop(0)
            mem["old_dirs"].append(y)
            mem["old_stps"].append(s)
            mem["ro"].append(1.0 / ys)
            mem["H_diag"] = ys / y.dot(y)
        dirs, stps, ro = mem["old_dirs"], mem["old_stps"], mem["ro"]
        if mem.get("al") is None:
            mem["al"] = [None] * history
        al = mem["al"]
        q = -flat_grad
        for i in range(len(dirs) - 1, -1, -1):
            al[i] = stps[i].dot(q) * ro[i]
            fma(-al[i], dirs[i], q, out=q)  # PyTorch: q.add_(old_dirs[i], alpha=-al[i])
        r = q * mem["H_diag"]
        for i in range(len(dirs)):
            be_i = dirs[i].dot(r) * ro[i]
            fma(al[i] - be_i, stps[i], r, out=r)
        mem["d"] = r


def _unpack(state: dict) -> dict:
    """The saved history as NumPy values (Tensors in the state, as PyTorch keeps them)."""
    mem = {key: _to_numpy(state.get(key)) for key in _TENSOR_KEYS}
    mem.update(
        {
            key: None if key not in state else [_to_numpy(v) for v in state[key]]
            for key in _LIST_KEYS
        }
    )
    mem["prev_loss"] = state.get("prev_loss")
    return mem


def _pack(state: dict, mem: dict) -> None:
    for key in _TENSOR_KEYS:
        state[key] = _to_tensor(mem[key])
    for key in _LIST_KEYS:
        if mem[key] is not None:
            state[key] = [_to_tensor(v) for v in mem[key]]
    state["prev_loss"] = mem["prev_loss"]


def _to_numpy(value):
    # a 0-d tensor becomes a NumPy scalar, which keeps float32 rounding in Python arithmetic
    if isinstance(value, Tensor):
        return value._data[()] if value.ndim == 0 else value._data.copy()
    return value


def _to_tensor(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return Tensor._make(np.array(value))
    return value


# ---------------------------------------------------------------- strong-Wolfe line search


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clipped to
    `bounds` (default: the interval); the bounds' midpoint if the cubic has no minimum."""
    low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if not d2_square >= 0:
        return (low + high) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, low), high)


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Find t with sufficient decrease, f(t) <= f + c1 t gtd, and a small slope,
    |f'(t)| <= c2 |gtd|: first bracket such a t, then zoom in on it. Returns
    (f_new, g_new, t, function evaluations)."""
    d_norm = np.abs(d).max()
    f_new, g_new = obj_func(x, t, d)
    evals, ls_iter = 1, 0
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g.copy(), gtd
    done = False
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            br = _Bracket([t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()], [gtd_prev, gtd_new])
            break
        if abs(gtd_new) <= -c2 * gtd:
            br, done = _Bracket([t], [f_new], [g_new], None), True
            break
        if gtd_new >= 0:
            br = _Bracket([t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()], [gtd_prev, gtd_new])
            break
        # extrapolate: the next trial lies between 1.01 t and 10 t
        step_bounds = (t + 0.01 * (t - t_prev), t * 10)
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, step_bounds)
        f_prev, g_prev, gtd_prev = f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        br = _Bracket([0, t], [f, f_new], [g, g_new], None)
    if not done:
        evals += _zoom(
            obj_func, x, d, f, gtd, br, ls_iter, c1, c2, tolerance_change, d_norm, max_ls
        )
    low = br.low
    return br.f[low], br.g[low], br.t[low], evals


class _Bracket:
    """An interval [t0, t1] known to hold a point satisfying the strong Wolfe conditions,
    with f, g and g.d at both ends; `low` indexes the end with the smaller f."""

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd
        self.order()

    def order(self) -> None:
        self.low, self.high = (0, 1) if self.f[0] <= self.f[-1] else (1, 0)

    def set(self, i, t, f, g, gtd) -> None:
        self.t[i], self.f[i], self.g[i], self.gtd[i] = t, f, g, gtd


def _zoom(obj_func, x, d, f, gtd, br, ls_iter, c1, c2, tolerance_change, d_norm, max_ls):
    """Shrink the bracket until a point satisfies the strong Wolfe conditions; returns the
    number of function evaluations."""
    evals, insuf_progress = 0, False
    while ls_iter < max_ls:
        if abs(br.t[1] - br.t[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(br.t[0], br.f[0], br.gtd[0], br.t[1], br.f[1], br.gtd[1])
        t, insuf_progress = _keep_away_from_ends(t, br.t, insuf_progress)
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= br.f[br.low]:
            br.set(br.high, t, f_new, g_new.copy(), gtd_new)
            br.order()
            continue
        if abs(gtd_new) <= -c2 * gtd:
            br.set(br.low, t, f_new, g_new.copy(), gtd_new)
            break
        if gtd_new * (br.t[br.high] - br.t[br.low]) >= 0:
            br.set(br.high, br.t[br.low], br.f[br.low], br.g[br.low], br.gtd[br.low])
        br.set(br.low, t, f_new, g_new.copy(), gtd_new)
    return evals


def _keep_away_from_ends(t, bracket, insuf_progress):
    """A trial point within 10% of the bracket's ends is moved there, on the second time."""
    hi, lo = max(bracket), min(bracket)
    eps = 0.1 * (hi - lo)
    if not min(hi - t, t - lo) < eps:
        return t, False
    if insuf_progress or t >= hi or t <= lo:
        return (hi - eps if abs(t - hi) < abs(t - lo) else lo + eps), False
    return t, True
