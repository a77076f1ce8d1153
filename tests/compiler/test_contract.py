"""Sums of products as contractions (transforms/contract.py, runtime_contract.py),
a cotangent added to itself doubled where it is small (transforms/twice.py),
and the rank of basic indexing (transforms/ranks.py) that lets same_shape see
through ``x[:, None, :]``: the emitted code takes the cheaper form, and every
value and gradient equals the function's own value and finite differences,
for broadcasting either way, size-1 axes, keepdims, negative axes, float32,
integers and 0-d arrays."""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import runtime_contract as rc
from ad_compiler.runtime import ShapeOf, unbroadcast, unreduce

from .fd import assert_close, numerical_grad

rng = np.random.default_rng(7)


def kmeans(C, P):
    diff = P[:, None, :] - C[None, :, :]
    dist = np.sum(diff * diff, axis=2)
    return np.sum(np.min(dist, axis=1))


def rows_dot(a, b):
    return np.sum(np.sum(a * b, axis=-1) ** 2)


def keep(a, b):
    s = np.sum(a * b, axis=0, keepdims=True)
    return np.sum(s * a)


def outer_sum(a, b):            # (n, 1, d) * (k, d): both operands broadcast
    t = a[:, None, :] * b
    return np.sum(np.sum(t, axis=(0, 2)) ** 2)


def all_axes(a, b):
    return np.sum(a * b) * np.sum(np.sin(a))


def square_twice(x, w):
    y = x * w
    return np.sum(np.sum(y * y, axis=1) * 0.5) + np.sum(x * x)


def einsum_big(L, x):
    return np.sum(np.einsum("kij,nkj->nki", L, x) ** 2)


def scalar_weight(x, c):
    return np.sum(np.sum(x * c, axis=0) ** 2)


CASES = [
    (kmeans, (rng.standard_normal((4, 3)), rng.standard_normal((9, 3))), (0, 1)),
    (kmeans, (rng.standard_normal((1, 3)), rng.standard_normal((5, 3))), (0, 1)),     # k = 1
    (kmeans, (rng.standard_normal((4, 1)), rng.standard_normal((6, 1))), (0, 1)),     # d = 1
    (rows_dot, (rng.standard_normal((5, 4)), rng.standard_normal((4,))), (0, 1)),
    (rows_dot, (rng.standard_normal((5, 1)), rng.standard_normal((3, 5, 4))), (0, 1)),
    (keep, (rng.standard_normal((6, 3)), rng.standard_normal((1, 3))), (0, 1)),
    (outer_sum, (rng.standard_normal((5, 3)), rng.standard_normal((4, 3))), (0, 1)),
    (outer_sum, (rng.standard_normal((5, 1)), rng.standard_normal((4, 3))), (0, 1)),
    (all_axes, (rng.standard_normal((3, 4)), rng.standard_normal((3, 1))), (0, 1)),
    (all_axes, (rng.standard_normal(()), rng.standard_normal((3,))), (0, 1)),
    (square_twice, (rng.standard_normal((4, 3)), rng.standard_normal((3,))), (0, 1)),
    (scalar_weight, (rng.standard_normal((4, 3)), 0.7), (0, 1)),
]


@pytest.mark.parametrize("fn,args,wrt", CASES, ids=[f"{c[0].__name__}-{k}" for k, c in
                                                    enumerate(CASES)])
def test_value_and_gradient(fn, args, wrt):
    value, grads = adc.value_and_grad(fn, wrt=wrt)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    for k, gk in zip(wrt, grads):
        assert np.shape(gk) == np.shape(args[k])
        assert_close(gk, numerical_grad(fn, args, k))


def test_float32_stays_float32():
    C = rng.standard_normal((4, 3)).astype(np.float32)
    P = rng.standard_normal((9, 3)).astype(np.float32)
    value, (gC, gP) = adc.value_and_grad(kmeans, wrt=(0, 1))(C, P)
    assert gC.dtype == np.float32 and gP.dtype == np.float32
    assert value == pytest.approx(kmeans(C, P), rel=1e-5)
    ref = adc.grad(kmeans, wrt=(0, 1))(C.astype(float), P.astype(float))
    np.testing.assert_allclose(gC, ref[0], rtol=1e-4, atol=1e-4)


def test_integer_operands_keep_numpy_sum_semantics():
    def f(x, n):
        return np.sum(x * x, axis=1)[0] * 1.0 + np.sum(n * n, axis=0)[1]
    n = np.array([[100, 50], [100, 50]], dtype=np.int8)       # n * n wraps in int8
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    value, g = adc.value_and_grad(f)(x, n)
    assert value == f(x, n)
    np.testing.assert_allclose(g, [[2.0, 4.0], [0.0, 0.0]])


def test_the_emitted_source_contracts():
    g = adc.grad(kmeans)
    g(*CASES[0][1])
    src = "\n".join(line for line in g.source.splitlines() if not line.strip().startswith("#"))
    # the primal sums as written (an einsum rounds otherwise: the value is the function's)
    assert "t3 = diff * diff" in src and "dist = np.sum(t3, axis=2)" in src
    assert "sum_of_products" not in src
    assert "unbroadcast_product(t3_bar, diff, t2)" in src    # the adjoint: no product array
    assert "dist_bar_x2 = dist_bar * 2" in src               # the doubling on (n, k), not (n, k, d)
    assert "diff_bar + diff_bar" not in src


def test_the_value_is_the_functions_to_the_last_bit():
    """A sum of products the returned value is computed from is not
    contracted: einsum sums in another order than np.sum."""
    x = rng.standard_normal((4000, 3, 8)).astype(np.float32)

    def f(x):
        return np.sum(np.sum(x * x, axis=2))

    def g(x, w):
        s = np.sum(x * w, axis=0)            # the adjoint's sums may contract; this may not
        return np.sum(s * s)
    v, _ = adc.value_and_grad(f)(x)
    assert v == f(x) and v.dtype == f(x).dtype
    w = rng.standard_normal((3, 8)).astype(np.float32)
    v, gx = adc.value_and_grad(g)(x, w)
    assert v == g(x, w)
    assert_close(gx, np.broadcast_to(2 * np.sum(x * w, axis=0) * w, x.shape), rtol=1e-4, atol=1e-4)


def test_a_large_einsum_is_planned():
    L, x = rng.standard_normal((6, 5, 5)), rng.standard_normal((700, 6, 5))
    g = adc.grad(einsum_big, wrt=(0, 1))
    gL, gx = g(L, x)
    assert "np.einsum('kij,nkj->nki', L, x)" in g.source     # the user's own, as written
    assert "planned_einsum('kij,nkj->nki'" not in g.source
    y = np.einsum("kij,nkj->nki", L, x)
    np.testing.assert_allclose(gL, 2 * np.einsum("nki,nkj->kij", y, x), rtol=1e-10)
    np.testing.assert_allclose(gx, 2 * np.einsum("nki,kij->nkj", y, L), rtol=1e-10)
    small = (L[:2, :2, :2], x[:3, :2, :2])
    for k in (0, 1):
        assert_close(adc.grad(einsum_big, wrt=k)(*small), numerical_grad(einsum_big, small, k))


def test_a_product_read_twice_stays():
    def f(a, b):
        t = a * b
        return np.sum(np.sum(t, axis=0)) + np.sum(t * 2.0)
    g = adc.grad(f)
    a, b = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    assert_close(g(a, b), numerical_grad(f, (a, b), 0))
    assert "sum_of_products" not in g.source


def test_other_backends_and_nested_gradients_are_unchanged():
    x = rng.standard_normal((3, 2))

    def f(x):
        return np.sum(np.sum(x * x, axis=1) ** 2)
    h = adc.hessian(f)(x)
    fd = np.stack([numerical_grad(lambda y: adc.grad(f)(y)[i, j], (x,), 0)
                   for i in range(3) for j in range(2)]).reshape(3, 2, 3, 2)
    assert_close(h, fd)


# -- the run-time helpers against the plain expressions --------------------------------------
SHAPES = [((4, 3), (4, 3)), ((4, 1), (1, 3)), ((3,), (5, 3)), ((2, 1, 3), (4, 3)), ((), (3, 2)),
          ((5, 1, 1), (1, 1, 4)), ((0, 3), (1, 3)), ((1,), (1,))]


@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sum_of_products_is_np_sum_of_the_product(sa, sb, dtype):
    a = rng.standard_normal(sa).astype(dtype)
    b = rng.standard_normal(sb).astype(dtype)
    nd = max(len(sa), len(sb))
    axes = [None] + list(range(-nd, nd)) + ([(0, -1)] if nd >= 2 else [])
    for axis in axes:
        for keepdims in (False, True):
            want = np.sum(a * b, axis=axis, keepdims=keepdims)
            got = rc.sum_of_products(a, b, axis, keepdims)
            assert np.shape(got) == np.shape(want) and np.result_type(got) == np.result_type(want)
            np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12,
                                       atol=1e-6)


def test_sum_of_products_errors_and_fallbacks_are_numpy_s():
    a, b = np.ones((2, 3)), np.ones((4, 3))
    with pytest.raises(ValueError):
        rc.sum_of_products(a, b, 0)
    with pytest.raises(np.exceptions.AxisError):
        rc.sum_of_products(np.ones((2, 3)), np.ones((2, 3)), 2)
    ints = np.arange(6, dtype=np.int32).reshape(2, 3)
    assert rc.sum_of_products(ints, ints, 1).dtype == np.sum(ints * ints, axis=1).dtype
    assert rc.sum_of_products(2.0, np.ones(3)) == 6.0
    inf = np.array([np.inf, 1.0])
    assert np.isnan(rc.sum_of_products(inf, np.array([0.0, 1.0])))


def _broadcast_view(g, shape, axis):
    return unreduce(g, ShapeOf(shape), axis)


TARGETS = [((4, 3), (4, 3), (1, 3)), ((4, 3), (4, 3), (3,)), ((4, 3), (4, 3), ()),
           ((4, 1), (1, 3), (4, 1)), ((4, 1), (1, 3), (1, 3)), ((4, 1), (1, 3), (1, 1)),
           ((2, 4, 3), (4, 3), (4, 1)), ((5, 1, 1), (1, 1, 4), (1, 1, 4)),
           ((4, 3), (4, 3), (4, 3)), ((1, 3), (1, 3), (1, 1)), ((0, 3), (1, 3), (3,))]


@pytest.mark.parametrize("sa,sb,sx", TARGETS)
def test_unbroadcast_product_is_unbroadcast_of_the_product(sa, sb, sx):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    for x in (np.zeros(sx), ShapeOf(sx)):
        want = unbroadcast(a * b, x)
        got = rc.unbroadcast_product(a, b, x)
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_unbroadcast_product_of_zero_strides():
    g = rng.standard_normal((6, 4))
    a = _broadcast_view(g, (6, 4, 3), 2)                  # stride 0 on the last axis
    d = rng.standard_normal((6, 4, 3))
    for sx in [(1, 4, 3), (4, 3), (6, 4, 1), (1, 1, 3), (), (6, 1, 3)]:
        np.testing.assert_allclose(rc.unbroadcast_product(a, d, ShapeOf(sx)),
                                   unbroadcast(a * d, ShapeOf(sx)), rtol=1e-12, atol=1e-12)
    both = np.broadcast_to(rng.standard_normal((6, 1)), (6, 5))    # stride 0 in both operands
    other = np.broadcast_to(rng.standard_normal((1, 5))[:, :1], (6, 5))
    for sx in [(6, 1), (1, 5), (), (5,)]:
        np.testing.assert_allclose(rc.unbroadcast_product(both, other, ShapeOf(sx)),
                                   unbroadcast(both * other, ShapeOf(sx)), rtol=1e-12)
    f32 = rc.unbroadcast_product(a.astype(np.float32), d.astype(np.float32), ShapeOf((4, 3)))
    assert f32.dtype == np.float32
    mixed = rc.unbroadcast_product(a.astype(np.float32), d, ShapeOf((4, 3)))
    assert mixed.dtype == np.float64


def test_unbroadcast_product_of_a_batched_matrix_product():
    g = rng.standard_normal((300, 5, 4))
    x = rng.standard_normal((300, 5, 6))
    a, b = g[:, :, :, None], x[:, :, None, :]            # 'nki,nkj->kij'
    np.testing.assert_allclose(rc.unbroadcast_product(a, b, ShapeOf((5, 4, 6))),
                               unbroadcast(a * b, ShapeOf((5, 4, 6))), rtol=1e-10)


def test_planned_einsum_is_einsum():
    L, x = rng.standard_normal((6, 5, 5)), rng.standard_normal((900, 6, 5))
    np.testing.assert_allclose(rc.planned_einsum("kij,nkj->nki", L, x),
                               np.einsum("kij,nkj->nki", L, x), rtol=1e-10)
    assert rc.planned_einsum("ii", np.eye(3)) == 3.0


def squares_in_a_loop(x, n):
    s = 0.0
    for i in range(n):
        y = -(x * (i + 1.0))
        s = s + np.sum(np.sum(y * y, axis=0) * 0.5)
    return s


def square_of_a_broadcast(x, b):
    d = x[:, None] - b[None, :]
    return np.sum(np.sum(d * d, axis=-1) ** 0.5)


@pytest.mark.parametrize("fn,args,wrt", [
    (squares_in_a_loop, (rng.standard_normal((3, 2)), 3), (0,)),
    (square_of_a_broadcast, (rng.standard_normal((4, 3)), rng.standard_normal((5, 3))), (0, 1)),
    (square_of_a_broadcast, (rng.standard_normal((4, 1)), rng.standard_normal((5, 3))), (0, 1)),
])
def test_doubling_moved_through_negations_loops_and_broadcasts(fn, args, wrt):
    value, grads = adc.value_and_grad(fn, wrt=wrt)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    for k, gk in zip(wrt, grads):
        assert_close(gk, numerical_grad(fn, args, k))


def test_random_shapes_strides_and_dtypes_against_the_plain_expressions():
    r = np.random.default_rng(11)

    def operand(shape):
        kind = r.integers(0, 4)
        if kind == 1 and shape:              # a zero stride along one axis
            s = list(shape)
            s[r.integers(0, len(shape))] = 1
            return np.broadcast_to(r.standard_normal(s), shape)
        if kind == 2:                        # negative strides, not contiguous
            return r.standard_normal(tuple(2 * n for n in shape))[
                tuple(slice(None, None, -2) for _ in shape)]
        x = r.standard_normal(shape)
        return x.astype(np.float32) if kind == 3 else x

    for _ in range(400):
        nd = int(r.integers(0, 5))
        full = tuple(int(r.integers(1, 4)) for _ in range(nd))

        def part():
            s = full[nd - int(r.integers(0, nd + 1)):]
            return tuple(1 if r.random() < 0.3 else n for n in s)
        a, b = operand(part()), operand(part())
        shape = np.broadcast_shapes(a.shape, b.shape)
        axes = [None] + list(range(-len(shape), len(shape)))
        axis = axes[int(r.integers(0, len(axes)))]
        keepdims = bool(r.integers(0, 2))
        want = np.sum(a * b, axis=axis, keepdims=keepdims)
        got = rc.sum_of_products(a, b, axis, keepdims)
        assert np.shape(got) == np.shape(want) and np.result_type(got) == np.result_type(want)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        xs = tuple(1 if r.random() < 0.5 else n
                   for n in shape[len(shape) - int(r.integers(0, len(shape) + 1)):])
        for x in (ShapeOf(xs), np.zeros(xs)):
            want, got = unbroadcast(a * b, x), rc.unbroadcast_product(a, b, x)
            assert np.shape(got) == np.shape(want) and np.result_type(got) == np.result_type(want)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
