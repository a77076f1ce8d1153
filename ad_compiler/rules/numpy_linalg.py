"""Linear algebra: inv, solve, det, slogdet, cholesky, eigh, eigvalsh, pinv,
lstsq, svdvals, matrix_power and the norms.  All accept stacks of matrices
(leading batch axes) except ``lstsq``, like NumPy itself.

Example: ``y = np.linalg.inv(a)`` has the rule
    inv_a(g, ans, a) -> -ans^T @ g @ ans^T      (batched: swapaxes(-1, -2))

Limits, as far as the maths allows (documented per rule in docs/RULES.md):
``det``/``slogdet``/``inv``/``solve`` need a non-singular matrix;
``cholesky`` and ``eigh``/``eigvalsh`` read ONE triangle of their input (as
LAPACK does: the lower one by default), so their gradient lives in that
triangle, with the off-diagonal entries doubled -- for a symmetric input
``A̅ + A̅ᵀ`` is the usual symmetric gradient; ``eigh`` eigenvector gradients
need distinct eigenvalues; ``pinv``/``lstsq`` assume the rank does not change
near the input.  ``norm`` at exactly 0 has gradient 0.
"""
import numpy as np

from ..runtime import unbroadcast
from .adjoints import norm_adjoint
from .registry import defvjp


def mT(x):
    """The matrix transpose of a stack of matrices."""
    return np.swapaxes(x, -1, -2)


def eye_like(x):
    return np.eye(np.shape(x)[-1], dtype=np.result_type(x, np.float32))


def one_triangle(gs, uplo):
    """A symmetric gradient ``gs`` folded onto the triangle LAPACK reads."""
    tri = np.tril(gs) if uplo.upper() == "L" else np.triu(gs)
    return 2 * tri - gs * eye_like(gs)


def inv_a(g, ans, a):
    return -np.matmul(np.matmul(mT(ans), g), mT(ans))


def solve_cotangents(g, a, b, ans):
    vec = np.ndim(b) == 1
    gg = g[..., None] if vec else g
    x = ans[..., None] if vec else ans
    gb = np.linalg.solve(mT(a), gg)
    ga = -np.matmul(gb, mT(x))
    return unbroadcast(ga, a), unbroadcast(gb[..., 0] if vec else gb, b)


def solve_a(g, ans, a, b):
    return solve_cotangents(g, a, b, ans)[0]


def solve_b(g, ans, a, b):
    return solve_cotangents(g, a, b, ans)[1]


def det_a(g, ans, a):
    return np.expand_dims(g * ans, (-2, -1)) * mT(np.linalg.inv(a))


def slogdet_a(g, ans, a):
    if g[1] is None:
        return np.zeros(np.shape(a), dtype=np.result_type(a, np.float32))
    return np.expand_dims(g[1], (-2, -1)) * mT(np.linalg.inv(a))


def cholesky_a(g, ans, a, *, upper=False):
    low, gl = (mT(ans), mT(g)) if upper else (ans, g)
    p = np.matmul(mT(low), gl)
    p = np.tril(p) - 0.5 * p * eye_like(p)
    li = np.linalg.inv(low)
    s = np.matmul(np.matmul(mT(li), p), li)
    return one_triangle(0.5 * (s + mT(s)), "U" if upper else "L")


def eigh_a(g, ans, a, UPLO="L"):
    w, v = ans
    gw, gv = g
    inner = 0.0
    if gw is not None:
        inner = gw[..., :, None] * eye_like(a)
    if gv is not None:
        eye = eye_like(a)
        gap = w[..., None, :] - w[..., :, None] + eye          # w_j - w_i, 1 on the diagonal
        inner = inner + np.matmul(mT(v), gv) * (1.0 - eye) / gap
    s = np.matmul(np.matmul(v, inner), mT(v))
    return one_triangle(0.5 * (s + mT(s)), UPLO)


def eigvalsh_a(g, ans, a, UPLO="L"):
    v = np.linalg.eigh(a, UPLO)[1]
    return one_triangle(np.matmul(v * g[..., None, :], mT(v)), UPLO)


def pinv_cotangent(g, a, p):
    """Adjoint of ``p = pinv(a)`` (constant rank; Golub & Pereyra)."""
    pt = mT(p)
    t1 = -np.matmul(np.matmul(pt, g), pt)
    left = np.eye(np.shape(a)[-2], dtype=p.dtype) - np.matmul(a, p)
    t2 = np.matmul(np.matmul(np.matmul(left, mT(g)), p), pt)
    right = np.eye(np.shape(a)[-1], dtype=p.dtype) - np.matmul(p, a)
    t3 = np.matmul(np.matmul(np.matmul(pt, p), mT(g)), right)
    return t1 + t2 + t3


def pinv_a(g, ans, a, rcond=None, hermitian=False, *, rtol=None):
    return pinv_cotangent(g, a, ans)


def lstsq_cotangents(g, a, b, ans):
    gx, gres, _, gs = g
    x, res = ans[0], ans[1]
    p = np.linalg.pinv(a)
    ga = np.zeros(np.shape(a), dtype=np.result_type(a, np.float32))
    gb = np.zeros(np.shape(b), dtype=np.result_type(b, np.float32))
    if gx is not None:
        gb = gb + np.matmul(mT(p), gx)
        ga = ga + pinv_cotangent(np.multiply.outer(gx, b) if np.ndim(b) == 1
                                  else np.matmul(gx, mT(b)), a, p)
    if gres is not None and np.size(res):
        r = b - np.matmul(a, x)
        wr = r * (gres[0] if np.ndim(b) == 1 else gres)
        gb = gb + 2 * wr
        ga = ga - 2 * (np.multiply.outer(wr, x) if np.ndim(b) == 1 else np.matmul(wr, mT(x)))
    if gs is not None:
        u, _, vt = np.linalg.svd(a, full_matrices=False)
        ga = ga + np.matmul(u * gs, vt)
    return ga, gb


def lstsq_a(g, ans, a, b, rcond=None):
    return lstsq_cotangents(g, a, b, ans)[0]


def lstsq_b(g, ans, a, b, rcond=None):
    return lstsq_cotangents(g, a, b, ans)[1]


def svdvals_x(g, ans, x):
    u, _, vt = np.linalg.svd(x, full_matrices=False)
    return np.matmul(u * g[..., None, :], vt)


def matrix_power_a(g, ans, a, n):
    if n == 0:
        return np.zeros(np.shape(a), dtype=np.result_type(a, np.float32))
    base = a if n > 0 else np.linalg.inv(a)
    powers = [None, base]                                 # powers[k] = base^k (k >= 1)
    for k in range(2, abs(n)):
        powers.append(np.matmul(powers[-1], base))
    gb = 0.0
    for k in range(abs(n)):                               # sum_k (B^T)^k g (B^T)^(n-1-k)
        t = g if k == 0 else np.matmul(mT(powers[k]), g)
        gb = gb + (t if k == abs(n) - 1 else np.matmul(t, mT(powers[abs(n) - 1 - k])))
    return gb if n > 0 else -np.matmul(np.matmul(mT(base), gb), mT(base))


def norm_x(g, ans, x, ord=None, axis=None, keepdims=False):
    return norm_adjoint(g, ans, x, ord, axis, keepdims)


def vector_norm_x(g, ans, x, *, axis=None, keepdims=False, ord=2):
    nd = np.ndim(x)
    axes = tuple(range(nd)) if axis is None else \
        tuple(a % nd for a in ((axis,) if np.ndim(axis) == 0 else axis))
    k = len(axes)
    xm = np.moveaxis(x, axes, tuple(range(nd - k, nd)))
    flat = np.reshape(xm, xm.shape[:nd - k] + (-1,))
    r = norm_adjoint(np.reshape(g, flat.shape[:-1]), np.reshape(ans, flat.shape[:-1]), flat,
                     ord, -1, False, matrix=False)
    return np.moveaxis(np.reshape(r, xm.shape), tuple(range(nd - k, nd)), axes)


def matrix_norm_x(g, ans, x, *, keepdims=False, ord="fro"):
    return norm_adjoint(g, ans, x, ord, (-2, -1), keepdims, matrix=True)


defvjp(np.linalg.inv, inv_a, doc="non-singular input")
defvjp(np.linalg.solve, solve_a, solve_b, doc="b as vector (1-D) or matrix; batched")
defvjp(np.linalg.det, det_a, doc="det * inv(a)^T: non-singular input only")
defvjp(np.linalg.slogdet, slogdet_a, multiple_results=True,
       doc="logabsdet gives inv(a)^T; the sign has no gradient; non-singular input")
defvjp(np.linalg.cholesky, cholesky_a,
       doc="SPD input; gradient on the triangle LAPACK reads (lower, upper if upper=True)")
defvjp(np.linalg.eigh, eigh_a, multiple_results=True,
       doc="eigenvector gradients need distinct eigenvalues; gradient on the UPLO triangle")
defvjp(np.linalg.eigvalsh, eigvalsh_a, doc="gradient on the UPLO triangle")
defvjp(np.linalg.pinv, pinv_a, doc="constant-rank inputs; hermitian=True treated as general")
defvjp(np.linalg.lstsq, lstsq_a, lstsq_b, None, multiple_results=True,
       doc="2-D a; gradients of x, residuals and singular values (rank has none); "
           "constant rank")
defvjp(np.linalg.svdvals, svdvals_x, doc="U diag(g) V^T")
defvjp(np.linalg.matrix_power, matrix_power_a, None, doc="any integer n (negative: via inv)")
defvjp(np.linalg.norm, norm_x,
       doc="vector ord None/2/1/inf/-inf/0/p, matrix ord fro/nuc/2/-2/1/-1/inf/-inf; "
           "gradient 0 at a zero norm; ties split evenly", rank="reduction")
defvjp(np.linalg.vector_norm, vector_norm_x, doc="as norm (vector); axis may be a tuple")
defvjp(np.linalg.matrix_norm, matrix_norm_x, doc="as norm (matrix)")
