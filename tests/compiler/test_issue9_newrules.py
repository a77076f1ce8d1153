"""Issue 9, "what users of a peer library expect": NumPy functions that had no
rule (or a refused form) now differentiate through the compiler and the tape.

Each case checks the compiled value against running the function, the
compiled gradient against central finite differences and, where the tape
can run the function, against the tape.  Decompositions are checked with
functions that do not depend on the sign LAPACK picks for each singular
vector / eigenvector / Q column (functions of s or of the eigenvalues,
reconstructions, squares of the vectors' entries)."""
import warnings

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import tape
from ad_compiler.errors import NoRuleError

from .fd import assert_close, numerical_grad

RNG = np.random.default_rng(9)
X6 = RNG.normal(size=6)
X7 = RNG.normal(size=7)
A46 = RNG.normal(size=(4, 6))
B224 = RNG.normal(size=(2, 2, 4))
W3 = RNG.normal(size=(3, 3))


def _full_rank(m, n, seed):
    r = np.random.default_rng(seed)
    u = np.linalg.qr(r.normal(size=(m, m)))[0][:, :min(m, n)]
    v = np.linalg.qr(r.normal(size=(n, n)))[0][:, :min(m, n)]
    s = np.arange(1.0, min(m, n) + 1) + r.uniform(0, 0.3, min(m, n))
    return (u * s) @ v.T


def _real_spectrum(n, seed):
    r = np.random.default_rng(seed)
    v = r.normal(size=(n, n)) * 0.4 + np.eye(n)
    return v @ np.diag(np.arange(1.0, n + 1) * -1.5 + r.uniform(0, 0.3, n)) @ np.linalg.inv(v)


def _symmetric(n, seed):
    a = np.random.default_rng(seed).normal(size=(n, n))
    return a + a.T + np.diag(np.arange(n) * 3.0)


TALL, SQUARE, WIDE = _full_rank(5, 3, 1), _full_rank(3, 3, 2), _full_rank(3, 5, 3)
GENERAL, SYMMETRIC = _real_spectrum(3, 4), _symmetric(3, 5)


def check(f, *args, k=0, on_tape=True, rtol=1e-5, atol=1e-6):
    """Value == f(*args); gradient == finite differences (and == the tape)."""
    value, grad = adc.value_and_grad(f, wrt=k)(*args)
    assert_close(value, f(*args), rtol=1e-12, atol=1e-12, what="value")
    assert_close(grad, numerical_grad(f, args, k), rtol=rtol, atol=atol, what="gradient")
    if on_tape:
        assert_close(tape.grad_of(f, wrt=k)(*args), grad, rtol=1e-9, atol=1e-9, what="tape")
    return grad


# -- splits: lists of arrays used inside f ------------------------------------------------------
def split_unpack(x):
    a, b = np.split(x, 2)
    return np.sum(a * b)


def split_builtin_sum(x):
    return np.sum(sum(np.split(x, 3)) ** 2)


def array_split_uneven_indexed(x):
    p = np.array_split(x, 4)                      # 7 entries: 2, 2, 2, 1
    return np.sum(p[1] * p[0]) + np.sum(p[-1] ** 3)


def split_repeated_indices_loop(x):
    s = 0.0
    for i, p in enumerate(np.split(x, [1, 1, 4])):   # x[:1], x[1:1] (empty), x[1:4], x[4:]
        s = s + (i + 1.0) * np.sum(p ** 2)
    return s


def split_decreasing_indices(x):
    a, b, c = np.split(x, [4, 2])                # x[:4], x[4:2] (empty), x[2:]: overlap
    return np.sum(a ** 2) + np.sum(c * 3.0) + np.sum(b)


def split_more_sections_than_entries(x):
    parts = np.array_split(x[:2], 4)             # [x0], [x1], [], []
    return np.sum(parts[0] * parts[1]) + np.sum(parts[3])


def hsplit_vsplit_2d(a):
    left, right = np.hsplit(a, 2)
    top, rest = np.vsplit(a, [1])
    return np.sum(left * right) + np.sum(top ** 2) * np.sum(rest)


def dsplit_3d(b):
    return np.sum(np.dsplit(b, 2)[1] ** 2) + np.sum(np.dsplit(b, [1, 3])[2])


def split_pieces_restacked(x):
    pieces = []
    for p in np.split(x, 3):
        pieces.append(np.sin(p))
    return np.sum(np.stack(pieces) * np.arange(6.0).reshape(3, 2))


@pytest.mark.parametrize("f, x", [
    (split_unpack, X6), (split_builtin_sum, X6), (array_split_uneven_indexed, X7),
    (split_repeated_indices_loop, X6), (split_decreasing_indices, X6),
    (split_more_sections_than_entries, X6), (hsplit_vsplit_2d, A46), (dsplit_3d, B224),
    (split_pieces_restacked, X6)], ids=lambda v: getattr(v, "__name__", ""))
def test_split_results_used_inside_f(f, x):
    check(f, x)


# -- np.r_ and np.c_ ------------------------------------------------------------------------------
def r_two_arrays(x):
    return np.sum(np.r_[x, x ** 2] * np.arange(12.0))


def r_scalar_range_and_slice(x, y):
    return np.sum(np.r_[x[:2], y, 1:4, x ** 2, 0.0] * np.arange(13.0))


def r_single_item(x):
    return np.sum(np.r_[x] ** 3)


def r_directive(x):
    return np.sum(np.r_["0,2", x, x * 2.0] * np.arange(12.0).reshape(2, 6))


def c_columns(x):
    return np.sum(np.c_[x, x ** 2, np.ones(6)] * np.arange(18.0).reshape(6, 3))


def c_matrix_and_vector(a, x):
    return np.sum(np.c_[a.T, x[:6]] ** 2)


def test_r_and_c_index_expressions():
    check(r_two_arrays, X6, on_tape=False)
    check(r_single_item, X6, on_tape=False)
    check(r_directive, X6, on_tape=False)
    check(c_columns, X6, on_tape=False)
    for k in (0, 1):
        check(r_scalar_range_and_slice, X6, 0.7, k=k, on_tape=False)
        check(c_matrix_and_vector, A46, X7, k=k, on_tape=False)


def test_r_lowers_to_one_call_in_the_generated_code():
    g = adc.grad(r_two_arrays)
    g(X6)
    assert "r_items" in g.source and "getitem" not in g.source


# -- einsum in sublist form --------------------------------------------------------------------------
def einsum_sublist_matmul(a, b):
    return np.sum(np.einsum(a, [0, 1], b, [1, 2], [0, 2]) ** 2)


def einsum_sublist_implicit_and_trace(a, b):
    return np.einsum(np.einsum(a, [0, 1], b, [1, 2]), [3, 3]) + np.einsum(a, [0, 1], [])


def einsum_sublist_ellipsis(a, b):
    return np.sum(np.einsum(a, [Ellipsis, 0], b, [0, 1], [Ellipsis, 1]) ** 2)


@pytest.mark.parametrize("f", [einsum_sublist_matmul, einsum_sublist_implicit_and_trace,
                               einsum_sublist_ellipsis], ids=lambda f: f.__name__)
def test_einsum_sublist_form(f):
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 3))
    if f is einsum_sublist_ellipsis:
        a = RNG.normal(size=(2, 3, 4))
    for k in (0, 1):
        check(f, a, b, k=k)


# -- np.gradient ---------------------------------------------------------------------------------------
def gradient_1d(x):
    return np.sum(np.gradient(x ** 2) * np.arange(6.0))


def gradient_1d_indexed(x):
    d = np.gradient(x * x)                        # one array here, a tuple for 2-D input:
    return np.sum(d[1:4] ** 2) + d[0] * d[-1]      # the adjoint decides when it runs


def gradient_spacing_edge_order(x):
    return np.sum(np.gradient(x, 0.5, edge_order=2) ** 2)


def gradient_coordinates(x):
    t = np.array([0.0, 0.3, 1.0, 1.2, 2.0, 3.5])
    return np.sum(np.gradient(np.sin(x), t) * np.cos(t))


def gradient_2d_unpacked(a):
    gy, gx = np.gradient(a)
    return np.sum(gy ** 2) + np.sum(gx * a)


def gradient_2d_indexed_and_summed(a):
    parts = np.gradient(a, 2.0, 0.5)
    return np.sum(parts[1] ** 2) + np.sum(sum(np.gradient(a)) * a)


def gradient_one_axis(a):
    return np.sum(np.gradient(a, axis=1, edge_order=2) * a)


def gradient_loop_over_axes(a):
    s = 0.0
    for d in np.gradient(a * a):
        s = s + np.sum(np.tanh(d))
    return s


@pytest.mark.parametrize("f, x", [
    (gradient_1d, X6), (gradient_1d_indexed, X6), (gradient_spacing_edge_order, X6), (gradient_coordinates, X6),
    (gradient_2d_unpacked, A46), (gradient_2d_indexed_and_summed, A46),
    (gradient_one_axis, A46), (gradient_loop_over_axes, A46)],
    ids=lambda v: getattr(v, "__name__", ""))
def test_np_gradient(f, x):
    check(f, x)


def gradient_wrt_spacing(x, h):
    return np.sum(np.gradient(x, h))


def test_np_gradient_spacing_has_no_gradient_and_says_so():
    with pytest.raises(NoRuleError, match="argument 1 of np.gradient"):
        adc.grad(gradient_wrt_spacing, wrt=1)(X6, 0.5)


# -- partition, select, rollaxis, row_stack -----------------------------------------------------------
def partition_weighted(x):
    return np.sum(np.partition(x, 2) * np.arange(7.0))


def partition_flattened(a):
    return np.sum(np.partition(a, (3, 10), axis=None)[:11] ** 2)


def select_overlapping_with_default(x, d):
    c = np.arange(6.0)
    return np.sum(np.select([c > 1.5, c > 3.5], [x * 2.0, x ** 2], d) * (c + 1.0))


def select_scalar_default(x):
    c = np.arange(6.0)
    return np.sum(np.select([c < 2.0, c > 3.0], [np.sin(x), x], 0.5) ** 2)


def rollaxis_weighted(b):
    return np.sum(np.rollaxis(b, 2) * np.arange(16.0).reshape(4, 2, 2)) + \
        np.sum(np.rollaxis(b, 0, 3) ** 2)


def row_stack_rows(a):
    with_rows = np.row_stack([a, 2.0 * a[:1]])
    return np.sum(with_rows ** 2)


def test_partition_select_rollaxis():
    check(partition_weighted, X7)
    check(partition_flattened, A46)
    check(select_scalar_default, X6)
    check(rollaxis_weighted, B224)
    check(select_overlapping_with_default, X6, X6[::-1].copy(), k=0)
    # NumPy dispatches np.select on the conditions and choices only, so a tape
    # Tensor as the default alone never reaches the tape: compiler only
    check(select_overlapping_with_default, X6, X6[::-1].copy(), k=1, on_tape=False)


@pytest.mark.skipif(not hasattr(np, "row_stack"), reason="this NumPy has no np.row_stack")
def test_row_stack_where_numpy_has_it():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        check(row_stack_rows, A46)


# -- decompositions (sign-invariant functions) ------------------------------------------------------
def svd_values(a):
    return np.sum(np.linalg.svd(a, compute_uv=False) ** 2) + np.max(np.linalg.svd(a, False, False))


def svd_reconstruction(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(((u * s) @ vt) * np.arange(np.size(a)).reshape(np.shape(a)))


def svd_polar_and_squares(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum((u @ vt) ** 3) + np.sum(u ** 2 * np.arange(np.shape(u)[1])) + \
        np.sum(vt[0] ** 2 * np.arange(np.shape(vt)[1]))


def svd_full_square(a):
    u, s, vt = np.linalg.svd(a)
    return np.sum(u @ np.diag(s ** 2) @ vt) + np.sum(u[:, 1] ** 2 * s)


def svd_full_tall_first_columns(a):
    u, s, vt = np.linalg.svd(a)                     # u is 5 x 5; use its first 3 columns
    return np.sum((u[:, :3] * s) @ vt * a)


@pytest.mark.parametrize("a", [TALL, SQUARE, WIDE], ids=["tall", "square", "wide"])
@pytest.mark.parametrize("f", [svd_values, svd_reconstruction, svd_polar_and_squares],
                         ids=lambda f: f.__name__)
def test_svd(f, a):
    check(f, a)


def test_svd_full_matrices():
    check(svd_full_square, SQUARE)
    check(svd_full_tall_first_columns, TALL)


def svd_extra_columns(a):
    u, s, vt = np.linalg.svd(a)
    return np.sum(u[:, 4] ** 2 * np.arange(5.0))


def svd_dynamic_compute_uv(a, flag):
    return np.sum(np.linalg.svd(a, compute_uv=flag))


def test_svd_refuses_what_has_no_derivative():
    with pytest.raises(ValueError, match="extra basis vectors"):
        adc.grad(svd_extra_columns)(TALL)
    with pytest.raises(NoRuleError, match="argument 'compute_uv' decides whether the result "
                                          "is a tuple"):
        adc.grad(svd_dynamic_compute_uv)(TALL, False)


def qr_reconstruction(a):
    q, r = np.linalg.qr(a)
    return np.sum((q @ r) * np.arange(np.size(a)).reshape(np.shape(a)))


def qr_invariants(a):
    q, r = np.linalg.qr(a)
    return np.sum((q @ q.T) ** 2 * np.arange(np.shape(a)[0])) + np.sum(r ** 2 * np.arange(
        np.shape(r)[1])) + np.sum(np.abs(np.diag(r)))


def qr_r_only(a):
    return np.sum(np.linalg.qr(a, mode="r") ** 2 * np.arange(np.shape(a)[1]))


def qr_complete_square(a):
    q, r = np.linalg.qr(a, mode="complete")
    return np.sum(q @ r * a) + np.sum(q[:, 0] ** 2)


@pytest.mark.parametrize("a", [TALL, SQUARE, WIDE], ids=["tall", "square", "wide"])
@pytest.mark.parametrize("f", [qr_reconstruction, qr_invariants, qr_r_only],
                         ids=lambda f: f.__name__)
def test_qr(f, a):
    check(f, a)


def test_qr_complete_square():
    check(qr_complete_square, SQUARE)


def eig_values(a):
    w, v = np.linalg.eig(a)
    return np.sum(w ** 2) + np.max(w)


def eig_vectors_squared(a):
    w, v = np.linalg.eig(a)
    return np.sum(v ** 2 * np.arange(9.0).reshape(3, 3)) + np.sum(w * np.sum(v ** 2, axis=0))


def eigvals_only(a):
    return np.sum(np.exp(np.linalg.eigvals(a)))


@pytest.mark.parametrize("a", [GENERAL, SYMMETRIC], ids=["general", "symmetric"])
@pytest.mark.parametrize("f", [eig_values, eig_vectors_squared, eigvals_only],
                         ids=lambda f: f.__name__)
def test_eig_with_real_eigenvalues(f, a):
    if np.linalg.eig(a)[0].dtype.kind == "c":
        # NumPy >= 2.5: eig returns complex arrays even for real eigenvalues,
        # so f's value is complex in Python too: a clear error, never a guess
        with pytest.raises(adc.NotDifferentiableError, match="complex numbers are not supported"):
            adc.grad(f)(a)
        return
    check(f, a)


def eig_complex(a):
    w, v = np.linalg.eig(a)
    return np.sum(np.real(w))


def eigvals_complex(a):
    return np.sum(np.real(np.linalg.eigvals(a)))


def test_eig_with_complex_eigenvalues_is_an_error_not_a_wrong_gradient():
    rotation = np.array([[0.5, -2.0, 0.0], [2.0, 0.5, 0.0], [0.0, 0.0, 1.0]])
    for f in (eig_complex, eigvals_complex):
        with pytest.raises(ValueError, match="complex eigenvalues"):
            adc.grad(f)(rotation)


def eigh_values_and_vectors(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * np.arange(1.0, 4.0)) + np.sum(v ** 2 * W3)


def test_eigh_reads_the_lower_triangle():
    grad = check(eigh_values_and_vectors, SYMMETRIC)
    assert np.all(np.triu(grad, 1) == 0)


# -- attributes of differentiated values: differentiated or refused, never a silent zero -----------
def matrix_transpose_attribute(a):
    return np.sum(a.mT ** 2 * np.arange(np.size(a)).reshape(np.shape(a)[::-1]))


def real_attribute(a):
    return np.sum(a.real ** 3)


def decomposition_fields(a):
    r = np.linalg.svd(a, full_matrices=False)
    q = np.linalg.qr(a)
    return np.sum(r.S ** 2) + np.sum((r.U * r.S) @ r.Vh * a) + np.sum(q.Q @ q.R * a)


def eigh_fields(a):
    res = np.linalg.eigh(a)
    return np.sum(res.eigenvalues * np.arange(3.0)) + np.sum(res.eigenvectors ** 2 * W3)


def flat_attribute(a):
    return np.sum(a.flat[2] * a)


def test_attributes_of_differentiated_values():
    check(matrix_transpose_attribute, A46)
    check(real_attribute, A46, on_tape=False)          # the tape's Tensor has no .real
    check(decomposition_fields, TALL)
    check(eigh_fields, SYMMETRIC)
    with pytest.raises(NoRuleError, match="no derivative rule for the attribute '.flat'"):
        adc.grad(flat_attribute)(A46)


def slice_of_pieces(x):
    return np.sum(sum(np.split(x, 3)[1:]) ** 2) + np.sum(np.split(x, 6)[::-2][0])


def test_slicing_a_list_of_pieces():
    check(slice_of_pieces, X6)
