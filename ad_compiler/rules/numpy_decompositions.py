"""Matrix decompositions: svd, qr, eig and eigvals (real input; stacks of
matrices like NumPy itself).  ``eigh``, ``eigvalsh`` and ``cholesky`` live
in ``numpy_linalg``.

Example: ``u, s, vt = np.linalg.svd(a, full_matrices=False)`` has the rule
    svd_a(g, ans, a, ...) -> U [diag(gs) + (F o (UᵀḠu - ḠuᵀU)) S + S (F o (VᵀḠv - ḠvᵀV))] Vᵀ
                             + the parts of Ḡu, Ḡv outside the spans of U, V
with ``F_ij = 1 / (s_j² - s_i²)``.

What the maths allows, and what happens otherwise:

- The singular vectors, ``qr``'s factors and eigenvectors are defined up to
  a sign per column (LAPACK picks one), so only functions that do not
  depend on that choice have a derivative: functions of ``s`` or of the
  eigenvalues, ``(u * s) @ vt``, ``q @ r``, ``u @ u.T``...
- Singular-vector and eigenvector gradients need distinct singular values
  (eigenvalues); a wide or tall ``svd`` also needs them nonzero.
- ``svd(full_matrices=True)`` and ``qr(mode="complete")`` of a non-square
  matrix return extra basis columns that are not determined by ``a``: a
  nonzero cotangent on them is a ``ValueError``, a zero one is fine.
- ``eig`` and ``eigvals``: real matrices whose eigenvalues are real; complex
  eigenvalues are a ``ValueError`` (complex numbers are not supported).
- ``svd(hermitian=True)`` reads the lower triangle (it calls ``eigh``): the
  gradient lives there, as for ``eigh``.
"""
import numpy as np

from .numpy_linalg import eye_like, mT, one_triangle
from .derive import transposed
from .registry import defjvp, defvjp, static_argument


def _gap_inverse(x):
    """``F_ij = 1 / (x_j - x_i)`` off the diagonal, 0 on it (stacks: last axis)."""
    eye = eye_like(x)
    return (1.0 - eye) / (x[..., None, :] - x[..., :, None] + eye)


def _determined(g, k, axis, what):
    """``g`` cut to its first ``k`` entries along ``axis``; the rest must be
    zero (they belong to basis vectors ``a`` does not determine)."""
    if g is None or np.shape(g)[axis] == k:
        return g
    rest = g[..., k:] if axis == -1 else g[..., k:, :]
    if np.any(rest != 0):
        raise ValueError(f"the gradient of {what} reaches the extra basis vectors, which the "
                         "input does not determine (they are any orthonormal completion): use "
                         "full_matrices=False / mode='reduced', or a function of the first "
                         "min(m, n) of them")
    return g[..., :k] if axis == -1 else g[..., :k, :]


def svd_cotangent(u, s, vt, gu, gs, gvt):
    """Adjoint of the reduced SVD ``a = u diag(s) vt`` (u: m x k, vt: k x n)."""
    m, n, k = np.shape(u)[-2], np.shape(vt)[-1], np.shape(s)[-1]
    v = mT(vt)
    inner = 0.0
    if gs is not None:
        inner = gs[..., :, None] * eye_like(u[..., :k, :k])
    f = _gap_inverse(s * s)
    ga = 0.0
    if gu is not None:
        utg = np.matmul(mT(u), gu)
        inner = inner + f * (utg - mT(utg)) * s[..., None, :]
        if m > k:
            ga = ga + np.matmul((gu - np.matmul(u, utg)) / s[..., None, :], vt)
    if gvt is not None:
        gv = mT(gvt)
        vtg = np.matmul(vt, gv)
        inner = inner + s[..., :, None] * (f * (vtg - mT(vtg)))
        if n > k:
            ga = ga + np.matmul(u, (gvt - np.matmul(np.matmul(gvt, v), vt)) / s[..., :, None])
    return ga + np.matmul(np.matmul(u, inner), vt)


def svd_returns_tuple(a, full_matrices=True, compute_uv=True, hermitian=False):
    return static_argument(compute_uv, "compute_uv")


def svd_a(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    if compute_uv:
        u, s, vt = ans
        gu, gs, gvt = g
        k = np.shape(s)[-1]
        gu = _determined(gu, k, -1, "svd's u")
        gvt = _determined(gvt, k, -2, "svd's vh")
        ga = svd_cotangent(u[..., :k], s, vt[..., :k, :], gu, gs, gvt)
    else:
        u, s, vt = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
        ga = svd_cotangent(u, s, vt, None, g, None)
    if hermitian:
        return one_triangle(0.5 * (ga + mT(ga)), "L")
    return ga


def _copyltu(x):
    """The lower triangle of ``x`` mirrored onto the upper one."""
    return np.tril(x) + mT(np.tril(x, -1))


def qr_cotangent(q, r, gq, gr):
    """Adjoint of the reduced QR ``a = q r`` (q: m x k, r: k x n)."""
    m, n = np.shape(q)[-2], np.shape(r)[-1]
    gq = np.zeros(np.shape(q), dtype=q.dtype) if gq is None else gq
    gr = np.zeros(np.shape(r), dtype=r.dtype) if gr is None else gr
    if m < n:                       # a = [x | y], r = [rx | ry]: x = q rx, y = q ry
        gy = np.matmul(q, gr[..., m:])
        y = np.matmul(q, r[..., m:])
        gx = qr_cotangent(q, r[..., :m], gq + np.matmul(y, mT(gr[..., m:])), gr[..., :m])
        return np.concatenate([gx, gy], axis=-1)
    mm = np.matmul(r, mT(gr)) - np.matmul(mT(gq), q)
    b = gq + np.matmul(q, _copyltu(mm))
    return mT(np.linalg.solve(r, mT(b)))          # b r^-T


def qr_returns_tuple(a, mode="reduced"):
    return static_argument(mode, "mode") != "r"


def qr_a(g, ans, a, mode="reduced"):
    if mode == "raw":
        raise ValueError("np.linalg.qr(mode='raw') has no gradient: use mode='reduced'")
    if mode == "r":
        q, r = np.linalg.qr(a)
        return qr_cotangent(q, r, None, g)
    q, r = ans
    gq, gr = g
    k = min(np.shape(a)[-2:])
    gq = _determined(gq, k, -1, "qr's q (mode='complete')")
    if gr is not None:
        gr = gr[..., :k, :]         # rows below k of a complete r are always zero
    return qr_cotangent(q[..., :k], r[..., :k, :], gq, gr)


def _real_spectrum(w, v=None):
    if np.iscomplexobj(w) or (v is not None and np.iscomplexobj(v)):
        if not np.any(np.imag(w)):        # NumPy >= 2.5 returns complex arrays always
            raise ValueError("np.linalg.eig returned complex arrays (NumPy >= 2.5 always "
                             "does) and complex numbers are not supported; for a symmetric "
                             "matrix use np.linalg.eigh")
        raise ValueError("np.linalg.eig: this matrix has complex eigenvalues; gradients of "
                         "eig/eigvals are supported where all eigenvalues are real (complex "
                         "numbers are not supported); for a symmetric matrix use eigh")


def eig_a(g, ans, a):
    w, v = ans
    _real_spectrum(w, v)
    gw, gv = g
    inner = 0.0
    if gw is not None:
        inner = gw[..., :, None] * eye_like(v)
    if gv is not None:              # eigenvectors have unit norm: v_j . dv_j = 0
        vtg = np.matmul(mT(v), gv)
        vtv = np.matmul(mT(v), v)
        diag = np.diagonal(vtg, axis1=-2, axis2=-1)
        inner = inner + _gap_inverse(w) * (vtg - vtv * diag[..., None, :])
    return np.linalg.solve(mT(v), np.matmul(inner, mT(v)))     # v^-T inner v^T


def eigvals_a(g, ans, a):
    _real_spectrum(ans)
    w, v = np.linalg.eig(a)
    _real_spectrum(w, v)
    return np.linalg.solve(mT(v), g[..., :, None] * mT(v))


defvjp(np.linalg.svd, svd_a, multiple_results=svd_returns_tuple,
       doc="compute_uv=False: singular values only; u/vh gradients need distinct nonzero "
           "singular values and sign-invariant functions; full_matrices: the extra columns "
           "get no gradient (nonzero: error); hermitian=True: lower triangle")
defvjp(np.linalg.qr, qr_a, multiple_results=qr_returns_tuple,
       doc="modes reduced, complete (extra columns: no gradient) and r; square, tall and "
           "wide; sign-invariant functions of q")
defvjp(np.linalg.eig, eig_a, multiple_results=True,
       doc="real eigenvalues only (complex: error); eigenvector gradients need distinct "
           "eigenvalues and sign-invariant functions")
defvjp(np.linalg.eigvals, eigvals_a, doc="real eigenvalues only (complex: error)")

# forward mode, by transposition (rules/derive.py): one reverse-rule call per result number
defjvp(np.linalg.svd, *transposed(svd_a))
defjvp(np.linalg.qr, *transposed(qr_a))
defjvp(np.linalg.eig, *transposed(eig_a))
defjvp(np.linalg.eigvals, *transposed(eigvals_a))
