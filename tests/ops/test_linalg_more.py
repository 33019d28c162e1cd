"""torch.linalg against torch: values, dtypes, named results, gradients on well-conditioned
random matrices (batched), gradcheck and gradgradcheck in float64, and PyTorch's errors."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
SQUARE = RNG.standard_normal((2, 4, 4)) + 4 * np.eye(4)  # batched, well-conditioned
SPD = SQUARE @ SQUARE.transpose(0, 2, 1)  # symmetric positive-definite, distinct eigenvalues
TALL = RNG.standard_normal((2, 5, 3))
WIDE = TALL.transpose(0, 2, 1).copy()
RHS = RNG.standard_normal((2, 4, 3))


def _lib_pair(arrays, dtype):
    ours = [tg.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    return ours, theirs


def _weights(out: np.ndarray) -> np.ndarray:
    """A fixed random cotangent, so every output element reaches the gradient differently."""
    return np.random.default_rng(3).standard_normal(out.shape)


def _check_parity(fn, arrays, dtype):
    ours, theirs = _lib_pair(arrays, dtype)
    out_ours, out_theirs = fn(tg, *ours), fn(torch, *theirs)
    assert str(out_ours.dtype).split(".")[-1] == str(out_theirs.dtype).split(".")[-1]
    tol = 1e-9 if dtype == np.float64 else 2e-4
    expected = out_theirs.detach().numpy()
    np.testing.assert_allclose(out_ours.detach().numpy(), expected, rtol=tol, atol=tol)
    w = _weights(expected).astype(dtype)
    (out_ours * tg.tensor(w)).sum().backward()
    (out_theirs * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol * 10, atol=tol * 10)


# Each case: a function of (library, *tensors) giving one tensor whose sign convention both
# libraries share (both call LAPACK), and its inputs.
CASES = {
    "inv": (lambda m, x: m.linalg.inv(x), [SQUARE]),
    "inverse": (lambda m, x: m.inverse(x[0]), [SQUARE]),
    "det": (lambda m, x: m.linalg.det(x), [SQUARE]),
    "det_method": (lambda m, x: x.det(), [SQUARE]),
    "slogdet": (lambda m, x: m.linalg.slogdet(x).logabsdet, [SQUARE]),
    "logdet": (lambda m, x: m.logdet(x), [SPD]),
    "solve": (lambda m, a, b: m.linalg.solve(a, b), [SQUARE, RHS]),
    "solve_vector": (lambda m, a, b: m.linalg.solve(a, b[..., 0]), [SQUARE, RHS]),
    "solve_broadcast": (lambda m, a, b: m.linalg.solve(a[0], b), [SQUARE, RHS]),
    "solve_right": (lambda m, a, b: m.linalg.solve(a, b.mT, left=False), [SQUARE, RHS]),
    "cholesky": (lambda m, x: m.linalg.cholesky(x), [SPD]),
    "cholesky_upper": (lambda m, x: m.linalg.cholesky(x, upper=True), [SPD]),
    "qr_q": (lambda m, x: m.linalg.qr(x).Q, [TALL]),
    "qr_r": (lambda m, x: m.linalg.qr(x).R, [TALL]),
    "qr_wide": (lambda m, x: m.linalg.qr(x).R, [WIDE]),
    "eigvals": (lambda m, x: m.linalg.eigh(x).eigenvalues, [SPD]),
    "eigvecs_upper": (lambda m, x: m.linalg.eigh(x, UPLO="U").eigenvectors.abs(), [SQUARE]),
    "svdvals": (lambda m, x: m.linalg.svdvals(x), [TALL]),
    "svd_u": (lambda m, x: m.linalg.svd(x, full_matrices=False).U.abs(), [TALL]),
    "svd_vh": (lambda m, x: m.linalg.svd(x, full_matrices=False).Vh.abs(), [WIDE]),
    "svd_full_u": (lambda m, x: m.linalg.svd(x).U[..., :3].abs(), [TALL]),
    "pinv": (lambda m, x: m.linalg.pinv(x), [TALL]),
    "pinv_hermitian": (lambda m, x: m.linalg.pinv(x, hermitian=True), [SPD]),
    "pinverse": (lambda m, x: x.pinverse(), [WIDE]),
    "norm": (lambda m, x: m.linalg.norm(x), [TALL]),
    "norm_dim": (lambda m, x: m.linalg.norm(x, 3, dim=1, keepdim=True), [TALL]),
    "norm_matrix": (lambda m, x: m.linalg.norm(x[0], float("inf")), [TALL]),
    "vector_norm": (lambda m, x: m.linalg.vector_norm(x, 1.5, dim=(0, 2)), [TALL]),
}
for _ord in ("fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")):
    CASES[f"matrix_norm_{_ord}"] = (lambda m, x, o=_ord: m.linalg.matrix_norm(x, o), [TALL])
CASES["matrix_norm_dims"] = (
    lambda m, x: m.linalg.matrix_norm(x, 2, dim=(2, 0), keepdim=True),
    [TALL],
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_dtype_and_gradient_match_torch(name, dtype):
    fn, arrays = CASES[name]
    _check_parity(fn, arrays, dtype)


GRAD_CASES = ["inv", "det", "slogdet", "solve", "cholesky", "qr_q", "qr_r", "qr_wide",
              "eigvals", "eigvecs_upper", "svd_u", "pinv", "matrix_norm_2"]  # fmt: skip


# cholesky and eigh read one triangle but, as in PyTorch, return the symmetric gradient: the
# finite differences must move both triangles together, so they see a symmetrized input.
SYMMETRIC = {"cholesky", "eigvals", "eigvecs_upper"}


@pytest.mark.parametrize("name", GRAD_CASES)
def test_gradcheck_and_gradgradcheck(name):
    fn, arrays = CASES[name]
    args = tuple(tg.tensor(a[0], requires_grad=True) for a in arrays)  # one matrix: fast

    def run(*xs):
        return fn(tg, *((x + x.mT) / 2 for x in xs) if name in SYMMETRIC else xs)

    assert gradcheck(run, args)
    assert gradgradcheck(run, args)


def test_named_results():
    x = tg.tensor(SQUARE)
    assert type(tg.linalg.slogdet(x)).__name__ == "linalg_slogdet"
    assert type(tg.slogdet(x)).__name__ == "slogdet"
    assert tg.linalg.qr(x)._fields == ("Q", "R")
    assert tg.linalg.svd(x)._fields == ("U", "S", "Vh")
    assert tg.svd(x)._fields == ("U", "S", "V")
    assert tg.linalg.eigh(tg.tensor(SPD))._fields == ("eigenvalues", "eigenvectors")
    sign, logabs = tg.linalg.slogdet(x)
    ref = torch.linalg.slogdet(torch.tensor(SQUARE))
    np.testing.assert_allclose(sign.numpy(), ref.sign.numpy())
    np.testing.assert_allclose(logabs.numpy(), ref.logabsdet.numpy())


def test_decompositions_reconstruct():
    u, s, vh = tg.linalg.svd(tg.tensor(TALL))
    assert tuple(u.shape) == (2, 5, 5) and tuple(vh.shape) == (2, 3, 3)
    np.testing.assert_allclose((u[..., :3] * s.unsqueeze(-2) @ vh).numpy(), TALL, atol=1e-12)
    np.testing.assert_allclose(
        (u.mT @ u).numpy(), np.broadcast_to(np.eye(5), (2, 5, 5)), atol=1e-12
    )
    q, r = tg.linalg.qr(tg.tensor(WIDE))
    np.testing.assert_allclose((q @ r).numpy(), WIDE, atol=1e-12)
    q, r = tg.linalg.qr(tg.tensor(TALL), mode="complete")
    assert tuple(q.shape) == (2, 5, 5) and tuple(r.shape) == (2, 5, 3)
    values, vectors = tg.linalg.eigh(tg.tensor(SPD))
    np.testing.assert_allclose(
        (vectors * values.unsqueeze(-2) @ vectors.mT).numpy(), SPD, rtol=1e-10
    )


def test_matrix_rank_and_logdet_signs():
    low_rank = TALL[0] @ RNG.standard_normal((3, 2)) @ RNG.standard_normal((2, 4))
    for a in (TALL, low_rank):
        assert (
            tg.linalg.matrix_rank(tg.tensor(a)).tolist()
            == torch.linalg.matrix_rank(torch.tensor(a)).tolist()
        )
    assert tg.linalg.matrix_rank(tg.tensor(TALL)).dtype == tg.int64
    assert tg.linalg.matrix_rank(tg.tensor(SPD), hermitian=True).tolist() == [4, 4]
    assert tg.linalg.matrix_rank(tg.tensor(low_rank), atol=1e9).item() == 0
    flipped = np.diag([-1.0, 2.0, 3.0])
    assert np.isnan(tg.logdet(tg.tensor(flipped)).item())
    assert tg.logdet(tg.tensor(np.zeros((3, 3)))).item() == -np.inf


def test_repeated_eigenvalues_give_non_finite_vector_gradient():
    # as in PyTorch: the eigenvector derivative divides by eigenvalue gaps
    x = tg.tensor(np.eye(3), requires_grad=True)
    tg.linalg.eigh(x).eigenvectors.sum().backward()
    assert not np.isfinite(x.grad.numpy()).all()


def _raises(cls, match, fn):
    with pytest.raises(cls, match=match):
        fn(tg)
    with pytest.raises(cls, match=match):
        fn(torch)


SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


@pytest.mark.parametrize(
    "fn, cls, match",
    [
        (
            lambda m: m.linalg.inv(m.zeros(3, 3)),
            RuntimeError,
            r"linalg\.inv: The diagonal element 1 is zero, the inversion could not be completed",
        ),
        (
            lambda m: m.linalg.inv(m.tensor(SINGULAR)),
            RuntimeError,
            r"The diagonal element 2 is zero",
        ),
        (
            lambda m: m.linalg.inv(m.stack([m.eye(2), m.zeros(2, 2)])),
            RuntimeError,
            r"\(Batch element 1\): The diagonal element 1",
        ),
        (
            lambda m: m.linalg.solve(m.zeros(3, 3), m.ones(3)),
            RuntimeError,
            "The solver failed because the input matrix is singular",
        ),
        (
            lambda m: m.linalg.cholesky(-m.eye(3)),
            RuntimeError,
            r"not positive-definite \(the leading minor of order 1 is not positive-definite\)",
        ),
        (
            lambda m: m.linalg.cholesky(m.tensor(np.diag([1.0, 2.0, -1.0]))),
            RuntimeError,
            "leading minor of order 3",
        ),
        (
            lambda m: m.linalg.inv(m.ones(2, 3)),
            RuntimeError,
            "A must be batches of square matrices, but they are 2 by 3 matrices",
        ),
        (
            lambda m: m.linalg.det(m.ones(3)),
            RuntimeError,
            "linalg.det: The input tensor A must have at least 2 dimensions",
        ),
        (
            lambda m: m.linalg.inv(m.ones(3, 3, dtype=m.int64)),
            RuntimeError,
            "Expected a floating point or complex tensor as input. Got Long",
        ),
        (
            lambda m: m.linalg.solve(m.eye(3), m.ones(4)),
            RuntimeError,
            r"Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x1\)",
        ),
        (
            lambda m: m.linalg.solve(m.eye(3), m.ones(3, 3, dtype=m.float64)),
            RuntimeError,
            "Expected A and B to have the same dtype, but found A of type Float "
            "and B of type Double",
        ),
        (lambda m: m.linalg.eigh(m.ones(2, 3)), RuntimeError, "A must be batches of square"),
        (lambda m: m.linalg.qr(m.ones(3)), RuntimeError, "at least 2 dimensions"),
        (
            lambda m: m.linalg.norm(m.ones(2, 2, 2), 2),
            RuntimeError,
            "If dim is not specified but ord is, the input must be 1D or 2D. Got 3D",
        ),
        (
            lambda m: m.linalg.norm(m.ones(3), "fro"),
            RuntimeError,
            "linalg.matrix_norm: The input tensor A must have at least 2 dimensions",
        ),
        (lambda m: m.linalg.vector_norm(m.ones(3), "fro"), TypeError, "must be Number, not str"),
    ],
)
def test_errors_match_torch(fn, cls, match):
    _raises(cls, match, fn)


def test_norm_with_a_string_ord_over_leading_dims():
    x = np.arange(8.0).reshape(2, 2, 2)
    for args in (("fro", (0, 2)), ("nuc", (1, 0)), (None, (0, 1))):
        np.testing.assert_allclose(
            tg.linalg.norm(tg.tensor(x), *args).numpy(),
            torch.linalg.norm(torch.tensor(x), *args).numpy(),
        )


def test_linalg_error_is_a_runtime_error():
    assert issubclass(tg.linalg.LinAlgError, RuntimeError)
    with pytest.raises(tg.linalg.LinAlgError):
        tg.linalg.inv(tg.zeros(2, 2))


def test_refused_gradients():
    msg = "The derivative of linalg.qr depends on Q, which is not computed when mode='r'"
    for m in (tg, torch):
        x = m.tensor(TALL[0], requires_grad=True)
        q, r = m.linalg.qr(x, mode="r")
        assert tuple(q.shape) == (0,)
        with pytest.raises(RuntimeError, match=msg):
            r.sum().backward()
        q, r = m.linalg.qr(x, mode="complete")
        with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
            q.sum().backward()


def test_grad_fn_names():
    x = tg.tensor(SQUARE[0], requires_grad=True)
    names = {
        "LinalgInvExBackward0": tg.linalg.inv(x),
        "LinalgDetBackward0": tg.linalg.det(x),
        "LinalgSlogdetBackward0": tg.linalg.slogdet(x).logabsdet,
        "LinalgSolveExBackward0": tg.linalg.solve(x, x),
        "LinalgEighBackward0": tg.linalg.eigh(x).eigenvalues,
        "LinalgQrBackward0": tg.linalg.qr(x).Q,
        "LinalgSvdBackward0": tg.linalg.svdvals(x),
    }
    for name, out in names.items():
        assert type(out.grad_fn).__name__ == name or out.grad_fn.name() == name


def test_det_gradient_of_a_singular_matrix_is_the_adjugate():
    # d det / dA = adj(A)^T, the cofactor matrix, also where A^-1 does not exist (PyTorch's
    # answer here depends on its LU path; we assert the mathematically right value)
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    cofactors = [
        [(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(3)]
        for i in range(3)
    ]
    x = tg.tensor(a, requires_grad=True)
    tg.linalg.det(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), cofactors, atol=1e-12)
