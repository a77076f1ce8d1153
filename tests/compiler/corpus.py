"""A corpus of plain Python/NumPy functions to differentiate, shared by every
path that computes gradients (compiled Python, Numba, the tape).

Each entry of ``CORPUS`` is a ``Case``:

    name          unique id (used as the pytest id)
    fn            the function, defined in this file (the compiler needs source)
    args_factory  () -> list of argument tuples; the inputs cover both sides
                  of every branch and stay away from kinks (|x| > 0.1 from
                  any threshold), so central differences are accurate
    wrt           the indices of the float arguments to differentiate
    tags          "straight" (no control flow), "control" (if/loops),
                  "calls" (helper functions, closures, nested defs),
                  "mutation" (lists / arrays written in place), "scalar"
                  (Python floats only), "array", "numba_ok" (only scalar math
                  and simple array arithmetic: a candidate for nopython mode)

Every function returns a scalar.  Reuse from another suite::

    from compiler.corpus import CORPUS    # tests/ is on sys.path under pytest (tests/compiler
                                          # is a package); elsewhere put tests/ on sys.path
    for case in CORPUS:
        for args in case.args_factory(): ...
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from math import exp, sqrt, tanh
from typing import Callable

import numpy as np
import numpy

__all__ = ["Case", "CORPUS", "by_tag", "by_name"]


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable
    args_factory: Callable
    wrt: tuple
    tags: frozenset = field(default_factory=frozenset)

    def args(self):
        return self.args_factory()


CORPUS = []


def case(*tags, wrt=(0,), args):
    """Register the decorated function as a corpus entry."""
    def deco(fn):
        CORPUS.append(Case(fn.__name__, fn, args, tuple(wrt), frozenset(tags)))
        return fn
    return deco


def by_tag(*tags):
    return [c for c in CORPUS if set(tags) <= c.tags]


def by_name(name):
    return next(c for c in CORPUS if c.name == name)


# -- input generators -----------------------------------------------------------------------

def _rng(k):
    return np.random.default_rng(1234 + k)


def arr(*shape, k=0, lo=-1.0, hi=1.0, away=0.0):
    """A float64 array, uniformly in [lo, hi], with |x| >= away."""
    x = _rng(k + 7 * len(shape) + sum(shape)).uniform(lo, hi, size=shape)
    if away:
        x = np.where(np.abs(x) < away, np.sign(x + 1e-12) * (away + np.abs(x)), x)
    return x


def pos(*shape, k=0):
    return arr(*shape, k=k, lo=0.5, hi=2.0)


def scalars(*values):
    return lambda: [(float(v),) for v in values]


# -- module-level constants and helpers ------------------------------------------------------

SCALE = 2.5
WEIGHTS = np.array([0.5, -1.0, 2.0])
COEFFS = (0.5, 1.5, -2.0)


def helper_piecewise(x):
    if x > 1.0:
        return x * x
    elif x > -1.0:
        return 2.0 * x - 1.0
    return -x


def helper_kw(x, scale=1.0, power=2):
    return scale * x ** power


def helper_pair(x, y):
    return x + y, x * y


def helper_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x / (i + 1.0)
    return s


def helper_outer(x):
    return helper_piecewise(x) + helper_kw(x, power=3)


def helper_array(v, w):
    return np.sum(np.tanh(v) * w)


def make_scaled(scale, shift):
    def scaled(x):
        return scale * math.sin(x) + shift * x
    return scaled


def make_poly(coeffs):
    def poly(x):
        s = 0.0
        for c in coeffs:
            s = s * x + c
        return s
    return poly


def make_composed(inner, k):
    def composed(x):
        return inner(x) * k + inner(2.0 * x)
    return composed


# ===========================================================================================
# straight-line functions
# ===========================================================================================

@case("straight", "scalar", "numba_ok", args=scalars(-1.5, 0.3, 2.0))
def s_poly(x):
    return 3.0 * x * x + 2.0 * x - 1.0


@case("straight", "scalar", "numba_ok", wrt=(0, 1),
      args=lambda: [(0.7, 0.4), (-1.3, 2.0), (2.2, -0.5)])
def s_div_pow(x, y):
    return x ** 3 / (y + 3.0) - y ** 2 / x + 7.0 / (1.0 + y * y)


@case("straight", "scalar", "numba_ok", wrt=(0, 1), args=lambda: [(0.7, 0.4), (1.3, -2.0)])
def s_math_module(x, y):
    return math.sin(x) * math.exp(y) + math.log(x) - math.cos(x * y) + math.sqrt(x + y * y)


@case("straight", "scalar", "numba_ok", wrt=(0, 1), args=lambda: [(0.7, 0.4), (-0.3, 1.9)])
def s_from_math(x, y):
    return exp(x) * sqrt(y) + tanh(x * y)


@case("straight", "scalar", "numba_ok", wrt=(0, 1), args=lambda: [(0.7, 0.4), (-0.3, 1.9)])
def s_unary(x, y):
    return -x * +y - (-x) ** 2 + abs(x - 2.0)


@case("straight", "scalar", "numba_ok", wrt=(0, 1), args=lambda: [(0.7, 0.4), (-0.3, 1.9)])
def s_tuple_unpack(x, y):
    a, b = x * 2.0, y + 1.0
    a, b = b, a
    (c, d) = (a * b, a - b)
    return c * d + a


@case("straight", "scalar", "numba_ok", wrt=(0, 1), args=lambda: [(0.7, 0.4), (-0.3, 1.9)])
def s_aug_assign(x, y):
    z = x
    z += y
    z *= x
    z -= 1.0
    z /= y + 3.0
    z **= 2
    return z


@case("numba_ok", "straight", "scalar", args=scalars(0.3, -1.2))
def s_defaults(x, scale=2.0, shift=0.5):
    return scale * x * x + shift * x


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(0.7, arr(3, k=1))])
def s_module_constants(x, y):
    return SCALE * x + np.sum(WEIGHTS * y) * x + numpy.sum(y * y)


@case("straight", "scalar", "numba_ok", args=scalars(0.4, 1.7))
def s_numpy_on_scalar(x):
    return np.sin(x) * np.exp(x) + np.sqrt(x)


@case("straight", "array", "numba_ok", args=lambda: [(arr(5),), (arr(2, 3, k=2),)])
def a_ufuncs(x):
    return np.sum(np.sin(x) * np.cos(x) + np.exp(-x ** 2) + np.log1p(x * x))


@case("straight", "array", "numba_ok", args=lambda: [(arr(4),), (arr(3, 2, k=3),)])
def a_tanh_sq(x):
    return np.sum(np.tanh(x) ** 2)


@case("numba_ok", "straight", "array", args=lambda: [(arr(6, away=0.1),)])
def a_sqrt_abs(x):
    return np.sum(np.sqrt(np.abs(x) + 1.0) + np.abs(x) * x)


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(arr(3, 4), arr(4, k=1))])
def a_broadcast_row(x, b):
    return np.sum(x * b + b)


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(arr(3, 4), arr(3, 1, k=1))])
def a_broadcast_col(x, c):
    return np.sum((x + c) ** 2)


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(0.8, arr(2, 3)), (-1.1, arr(4, k=5))])
def a_broadcast_scalar(s, y):
    return np.sum(s * y + s) + np.sum(y / (2.0 + s * s))


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(arr(3, 1), pos(1, 4, k=1))])
def a_broadcast_outer(a, b):
    return np.sum(a / (1.0 + b) - a * b)


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(arr(3, 4), arr(4, k=1))])
def a_sum_axis(x, w):
    return np.sum(np.sum(x ** 2, axis=0) * w) + np.sum(np.sum(x, 1) ** 2)


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(arr(3, 4), arr(3, 4, k=1))])
def a_softmax_keepdims(x, w):
    e = np.exp(x)
    return np.sum(e / np.sum(e, axis=1, keepdims=True) * w)


@case("numba_ok", "straight", "array", args=lambda: [(arr(3, 4),), (arr(2, 5, k=4),)])
def a_mean_axis(x):
    return np.mean(np.mean(x, axis=1) ** 2) + np.mean(x)


@case("numba_ok", "straight", "array", args=lambda: [(arr(4, 3),)])
def a_variance_keepdims(x):
    d = x - np.mean(x, axis=0, keepdims=True)
    return np.sum(d ** 2)


@case("straight", "array", "numba_ok", wrt=(0, 1), args=lambda: [(arr(4), arr(4, k=1))])
def a_dot_vec(x, y):
    return np.dot(x, y) * np.dot(x, x)


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(arr(3, 4), arr(4, k=1))])
def a_dot_mat(A, x):
    return np.sum(np.dot(A, x) ** 2)


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(arr(2, 3), arr(3, 4, k=1))])
def a_matmul(A, B):
    return np.sum(np.tanh(A @ B))


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(arr(3, 2), arr(2, 2, k=1))])
def a_transpose(A, W):
    return np.sum((A.T @ A) * W) + np.sum(np.transpose(A) ** 3)


@case("straight", "array", wrt=(0, 1), args=lambda: [(arr(6), arr(2, 3, k=1))])
def a_reshape(x, w):
    return np.sum(np.reshape(x, (2, 3)) * w) + np.sum(x.reshape(3, 2).T * w)


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(arr(5, away=0.1), arr(5, k=1))])
def a_relu(x, y):
    return np.sum(np.maximum(x, 0.0) * y)


@case("numba_ok", "straight", "array", wrt=(0, 1), args=lambda: [(arr(5), arr(5, k=1) + 0.05)])
def a_maximum(x, y):
    return np.sum(np.maximum(x, y) ** 2 + np.minimum(x, y))


@case("numba_ok", "straight", "array", args=lambda: [(arr(6, away=0.1),)])
def a_where(x):
    return np.sum(np.where(x > 0, x ** 2, -3.0 * x))


@case("numba_ok", "straight", "array", args=lambda: [(arr(5),)])
def a_index_int(x):
    return x[0] * x[2] + x[-1] ** 2


@case("numba_ok", "straight", "array", args=lambda: [(arr(3, 4),)])
def a_index_2d(A):
    return A[1, 2] * A[0, 0] + np.sum(A[1]) + np.sum(A[:, 3] ** 2)


@case("numba_ok", "straight", "array", args=lambda: [(arr(6),)])
def a_slice(x):
    return np.sum(x[1:4] * x[:3]) + np.sum(x[::2]) + np.sum(x[-2:] ** 2)


@case("numba_ok", "straight", "array", args=lambda: [(arr(3, 4),)])
def a_slice_2d(A):
    return np.sum(A[:, 1:] * A[:, :-1]) + np.sum(A[1:, ::2] ** 2)


@case("straight", "array", args=lambda: [(arr(3, 4),)])
def a_methods_reduce(x):
    return x.sum() * x.mean() + np.sum(x.mean(axis=0) ** 2) + x.sum(axis=1).dot(x[:, 0])


@case("straight", "array", wrt=(0, 1), args=lambda: [(arr(4), arr(2, k=1))])
def a_methods_dot_reshape(x, y):
    return x.reshape(2, 2).dot(y).sum() + x.reshape((2, 2)).T.sum(axis=0).dot(y)


@case("straight", "array", args=lambda: [(arr(3, 4),)])
def a_keyword_args(x):
    m = np.mean(x, axis=1, keepdims=True)
    return np.sum(m * x) + np.sum(np.power(x, 2)) + np.sum(np.clip(x, a_min=-5.0, a_max=5.0))


@case("straight", "array", args=lambda: [(arr(5),)])
def a_logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


@case("straight", "array", wrt=(0, 1), args=lambda: [(arr(3), arr(4, k=1))])
def a_outer(x, y):
    return np.sum(np.outer(x, y) ** 2) + np.sum(x[:, None] * y[None, :])


@case("numba_ok", "straight", "array", wrt=(0, 1, 2, 3),
      args=lambda: [(arr(3, 4, k=1) * 0.5, arr(4, k=2) * 0.1, arr(4, 2, k=3) * 0.5, arr(2, k=4) * 0.1,
                     arr(5, 3, k=5), arr(5, 2, k=6))])
def a_mlp_loss(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    pred = h @ W2 + b2
    return np.mean((pred - Y) ** 2)


# ===========================================================================================
# control flow, calls and mutation
# ===========================================================================================

@case("control", "scalar", "numba_ok", args=scalars(-1.5, 0.8))
def c_if_else(x):
    if x > 0:
        y = x * x
    else:
        y = -3.0 * x
    return y + x


@case("control", "scalar", "numba_ok", args=scalars(-2.0, -0.5, 0.5, 2.5))
def c_if_elif_else(x):
    if x < -1.0:
        y = x ** 3
    elif x < 1.0:
        y = math.sin(x)
    elif x < 2.0:
        y = 2.0 * x
    else:
        y = x * x
    return y * x


@case("control", "scalar", "numba_ok", wrt=(0, 1),
      args=lambda: [(0.5, 0.6), (0.5, -0.6), (-0.5, 0.6), (-0.5, -0.6)])
def c_nested_if(x, y):
    if x > 0:
        if y > 0:
            z = x * y
        else:
            z = x - y
    else:
        if y > 0:
            z = x * x * y
        else:
            z = y * y
    return z * 2.0


@case("control", "scalar", "numba_ok", args=scalars(-1.5, 0.8))
def c_ifexp(x):
    y = x * x if x > 0 else -x
    return y * (2.0 if y > 1.0 else 3.0)


@case("control", "scalar", "numba_ok", wrt=(0, 1),
      args=lambda: [(0.5, 0.6), (0.5, -0.6), (-0.5, 0.6), (1.5, -1.6), (1.5, -0.6)])
def c_and_or_not(x, y):
    if x > 0 and y > 0:
        z = x * y
    elif not (x > 1.0) or y < -1.0:
        z = x + y * y
    else:
        z = x * x
    return z


@case("control", "scalar", "numba_ok", args=scalars(-1.5, -0.5, 0.5, 1.5))
def c_chained_compare(x):
    if -1.0 < x < 1.0:
        return x ** 3
    return 2.0 * x


@case("control", "scalar", "numba_ok", args=scalars(-0.5, 1.0, 3.0))
def c_early_return(x):
    if x > 2.0:
        return x * 3.0
    y = x * x
    if y < 0.5:
        return y * x
    return y + 1.0


@case("control", "scalar", "numba_ok", args=scalars(-2.0, 0.5, 3.0))
def c_several_returns(x):
    if x < 0:
        return -x * x
    elif x < 1:
        return math.exp(x)
    else:
        return x * math.log(x)


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 0), (0.7, 1), (-1.2, 5)])
def c_for_range(x, n):
    s = 0.0
    for i in range(n):
        s = s * 0.9 + math.sin(x * i) * x
    return s


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 1, 9, 3), (-0.3, 2, 7, 2), (1.1, 5, 5, 1)])
def c_for_range_start_stop_step(x, a, b, k):
    s = x
    for i in range(a, b, k):
        s = s * x + i
    return s


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 4), (-1.3, 6)])
def c_for_range_negative_step(x, n):
    s = 0.0
    for i in range(n, 0, -1):
        s = s + x ** i / i
    return s


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 8, 1, -3), (-0.9, 5, -2, -2)])
def c_for_range_runtime_negative_step(x, hi, lo, step):
    s = 1.0
    for i in range(hi, lo, step):
        s = s * math.cos(x + i)
    return s


@case("numba_ok", "control", "array", wrt=(0, 1), args=lambda: [(arr(3, 4), arr(4, k=1))])
def c_for_rows(A, w):
    s = 0.0
    for row in A:
        s = s + np.sum(row ** 2 * w)
    return s


@case("numba_ok", "control", "scalar", args=scalars(0.7, -1.3))
def c_for_tuple_constant(x):
    s = 0.0
    for c in COEFFS:
        s = s + c * x ** 2
    for c in (1.0, 2.0):
        s = s * c + x
    return s


@case("control", "scalar", args=scalars(0.7, -1.3))
def c_for_list_literal(x):
    s = x
    for c in [0.5, x, x * x]:
        s = s * c
    return s


@case("numba_ok", "control", "array", args=lambda: [(arr(5),)])
def c_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + v * i + v * v
    return s


@case("numba_ok", "control", "array", wrt=(0, 1), args=lambda: [(arr(4), arr(4, k=1)), (arr(3, k=2), arr(5, k=3))])
def c_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b * a
    return s


@case("control", "scalar", "numba_ok", args=scalars(0.3, 1.7, 11.0))
def c_while_data_dependent(x):
    while x < 10.0:
        x = x * 2.0 + 0.1
    return x


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 3), (-0.4, 0)])
def c_while_counter(x, n):
    i = 0
    s = x
    while i < n:
        s = math.sin(s) + x
        i += 1
    return s


@case("control", "scalar", "numba_ok", args=scalars(0.3, 0.9, 2.0))
def c_break(x):
    s = 0.0
    for i in range(20):
        if s > 5.0:
            break
        s = s + x * (i + 1)
    return s * x


@case("control", "scalar", "numba_ok", args=scalars(0.7, -1.3))
def c_continue(x):
    s = 0.0
    for i in range(6):
        if i % 3 == 1:
            continue
        s = s + x ** 2 * i
    return s


@case("control", "scalar", "numba_ok", args=scalars(0.3, 1.6))
def c_while_break(x):
    s = x
    k = 0
    while True:
        s = s * 1.5
        k = k + 1
        if s > 4.0 or k > 30:
            break
    return s


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 2, 3), (-0.6, 3, 0)])
def c_nested_loops(x, n, m):
    s = 0.0
    for i in range(n):
        for j in range(m):
            s = s + x ** (i + 1) * (j + 1)
        s = s * 0.5
    return s


@case("numba_ok", "control", "array", wrt=(0, 1), args=lambda: [(arr(3, 4), arr(3, 4, k=1))])
def c_nested_loops_2d(A, B):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s = s + A[i, j] * B[i, j] ** 2
    return s


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 3), (-0.7, 3)])
def c_loop_in_branch(x, n):
    s = x
    if x > 0:
        for i in range(n):
            s = s * x + 1.0
    else:
        for i in range(n):
            s = s - math.sin(s)
    return s


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 5), (-1.1, 4)])
def c_branch_in_loop(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            s = s + x * i
        else:
            s = s * x
    return s


@case("numba_ok", "control", "array", args=lambda: [(arr(6, away=0.1),)])
def c_data_branch_in_loop(x):
    s = 0.0
    for v in x:
        if v > 0:
            s = s + v ** 2
        else:
            s = s - v * s
    return s


@case("numba_ok", "control", "array", args=lambda: [(arr(4),), (arr(4) - 2.0,)])
def c_array_predicate(x):
    if np.sum(x) > 0:
        return np.sum(x ** 2)
    return np.sum(np.exp(x))


@case("numba_ok", "control", "array", args=lambda: [(arr(5),)])
def c_range_len(x):
    s = 0.0
    for i in range(1, len(x)):
        s = s + x[i] * x[i - 1] + np.sum(x[:i]) * x[i]
    return s


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 4), (0.3, 1)])
def c_loop_product(x, n):
    p = 1.0
    for i in range(n):
        p = p * (x + i)
    return p


@case("numba_ok", "control", "array", wrt=(0, 1, 2), args=lambda: [(arr(3, 3, k=1) * 0.5, arr(3, k=2), arr(3, k=3), 3)])
def c_rnn(W, b, h, n):
    for t in range(n):
        h = np.tanh(W @ h + b)
    return np.sum(h ** 2)


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 5.0), (0.3, 1.0), (2.0, 100.0)])
def c_return_in_loop(x, limit):
    s = 0.0
    for i in range(10):
        s = s + x * i
        if s > limit:
            return s * 2.0
    return s


# -- calls -----------------------------------------------------------------------------------

@case("numba_ok", "control", "calls", "scalar", args=scalars(-2.0, 0.5, 1.5))
def k_helper_control(x):
    return helper_piecewise(x) * x + helper_piecewise(-x)


@case("numba_ok", "calls", "scalar", args=scalars(0.7, -1.2))
def k_helper_kwargs_defaults(x):
    return helper_kw(x) + helper_kw(x, scale=3.0) + helper_kw(x, 0.5, power=3)


@case("numba_ok", "calls", "scalar", wrt=(0, 1), args=lambda: [(0.7, -1.2)])
def k_helper_tuple(x, y):
    a, b = helper_pair(x, y)
    c = helper_pair(a, b)
    return a * b + c[0] * c[1]


@case("numba_ok", "calls", "control", "scalar", args=lambda: [(0.7, 3), (-1.2, 0)])
def k_helper_loop(x, n):
    return helper_loop(x, n) * x + helper_loop(x * x, n + 1)


@case("numba_ok", "calls", "control", "scalar", args=lambda: [(0.7, 3)])
def k_helper_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + helper_kw(x + i, scale=0.5)
    return s


@case("numba_ok", "calls", "control", "scalar", args=scalars(-2.2, 0.5, 1.5, 2.4))
def k_helper_chain(x):
    return helper_outer(x) + helper_outer(x * 0.5)


@case("numba_ok", "calls", "array", wrt=(0, 1), args=lambda: [(arr(4), arr(4, k=1))])
def k_helper_array(v, w):
    return helper_array(v, w) + helper_array(v * v, 1.0)


k_closure = make_scaled(2.0, -0.5)
CORPUS.append(Case("k_closure", k_closure, scalars(0.7, -1.2), (0,),
                   frozenset({"calls", "scalar"})))

k_closure_loop = make_poly((1.0, -2.0, 0.5, 3.0))
CORPUS.append(Case("k_closure_loop", k_closure_loop, scalars(0.7, -1.2), (0,),
                   frozenset({"calls", "control", "scalar"})))

k_closure_fn = make_composed(helper_piecewise, 3.0)
CORPUS.append(Case("k_closure_fn", k_closure_fn, scalars(-2.0, 0.3, 1.5), (0,),
                   frozenset({"calls", "control", "scalar"})))


@case("numba_ok", "calls", "scalar", args=scalars(0.7, -1.2))
def k_nested_def(x):
    def square_plus(a, b=1.0):
        return a * a + b
    return square_plus(x) * square_plus(x, b=x)


@case("numba_ok", "calls", "control", "scalar", args=scalars(0.7, -1.2))
def k_nested_def_captures(x):
    k = x * 2.0

    def inner(a):
        if a > 0:
            return a * k
        return a - k
    return inner(x) + inner(-x * x)


# -- mutation ------------------------------------------------------------------------------

@case("mutation", "control", "array", args=lambda: [(arr(4), 3)])
def m_append_stack(x, n):
    rows = []
    for i in range(n):
        rows.append(x * (i + 1.0))
    return np.sum(np.stack(rows) ** 2)


@case("mutation", "control", "scalar", args=lambda: [(0.7, 4)])
def m_append_array(x, n):
    vals = []
    for i in range(n):
        vals.append(x ** i)
    v = np.array(vals)
    return np.sum(v * v)


@case("mutation", "scalar", args=scalars(0.7, -1.2))
def m_list_comprehension(x):
    v = np.array([x * i for i in range(4)])
    return np.sum(v ** 2)


@case("mutation", "array", args=lambda: [(arr(3, 4),)])
def m_list_comprehension_rows(A):
    norms = [np.sum(row ** 2) for row in A]
    return np.sum(np.stack(norms) * np.array([1.0, 2.0, 3.0]))


@case("mutation", "control", "array", "numba_ok", args=lambda: [(arr(5),)])
def m_setitem_loop(x):
    out = np.zeros(5)
    for i in range(5):
        out[i] = x[i] * i
    return np.sum(out ** 2)


@case("numba_ok", "mutation", "array", args=lambda: [(arr(6), arr(2, k=1))])
def m_setitem_slice_add(x, v):
    out = np.zeros(6)
    out[1:3] += v
    out[2:4] += x[:2] * 3.0
    out[4:] = x[4:] ** 2
    return np.sum(out * x)


@case("mutation", "array", "numba_ok", args=lambda: [(arr(3),)])
def m_setitem_2d(x):
    out = np.zeros((2, 2))
    out[0, 0] = x[0]
    out[0, 1] = x[1] * x[2]
    out[1, 0] = x[0] ** 2
    out[1, 1] = 1.0
    return np.sum(out @ out)


@case("numba_ok", "mutation", "control", "array", args=lambda: [(arr(4),)])
def m_empty_fill(x):
    out = np.empty(4)
    for i in range(4):
        out[i] = np.sum(x[:i + 1])
    return np.sum(out * out)


@case("numba_ok", "mutation", "control", "array", args=lambda: [(arr(2, 3),)])
def m_zeros_like(x):
    out = np.zeros_like(x)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = x[i, j] * (i + j + 1.0)
    return np.sum(out ** 2)


@case("numba_ok", "mutation", "array", args=lambda: [(arr(5),)])
def m_copy_modify(x):
    y = x.copy()
    y[0] = y[1] * 2.0
    y[2:4] *= 3.0
    z = np.copy(x)
    z[-1] = 0.0
    return np.sum(y * x) + np.sum(z ** 2)


# -- harder combinations ----------------------------------------------------------------------

@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 3), (-0.4, 1)])
def c_loop_var_after_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    return s * i + x * i


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 4), (-0.4, 5)])
def c_reversed_runtime_start(x, n):
    s = 0.0
    for i in range(n - 1, -1, -1):
        s = s * x + i
    return s


@case("control", "scalar", "numba_ok", args=lambda: [(0.4, 3), (1.3, 4)])
def c_break_inner_loop(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            if j > i:
                break
            s = s + x ** (j + 1)
    return s


@case("control", "scalar", "numba_ok", args=scalars(0.3, 0.9, 1.7))
def c_return_in_nested_loop(x):
    s = 1.0
    for i in range(4):
        for j in range(3):
            s = s * (1.0 + x)
            if s > 5.0:
                return s * x
    return s


@case("control", "scalar", "numba_ok", args=scalars(0.3, 0.8))
def c_while_continue(x):
    i = 0
    s = 0.0
    while i < 6:
        i = i + 1
        if i % 2 == 0:
            continue
        s = s + x * i + s * x
    return s


@case("control", "scalar", "numba_ok", args=lambda: [(0.3, 10), (0.9, 3), (2.5, 10)])
def c_while_two_conditions(x, n):
    i = 0
    s = x
    while i < n and s < 10.0:
        s = s * 1.7 + x
        i += 1
    return s


@case("numba_ok", "control", "array", wrt=(0, 1), args=lambda: [(arr(4), arr(4, k=1))])
def c_enumerate_zip(x, y):
    s = 0.0
    for i, (a, b) in enumerate(zip(x, y)):
        s = s + a * b * i + a
    return s


@case("numba_ok", "control", "array", args=lambda: [(arr(5),)])
def c_loop_slices(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + np.sum(x[i:i + 2] ** 2) * x[i]
    return s


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 3), (-0.8, 4)])
def c_ifexp_in_loop(x, n):
    s = x
    for i in range(n):
        s = s * x if s > 0 else s + x * x
    return s


@case("control", "scalar", "numba_ok", args=lambda: [(0.7, 3), (1.3, 2)])
def c_integer_power(x, n):
    s = 0.0
    for i in range(n + 1):
        s = s + x ** i
    return s + x ** n


@case("numba_ok", "calls", "control", "scalar", wrt=(0, 1), args=lambda: [(0.7, -0.4, 3)])
def k_tuple_helper_in_loop(x, y, n):
    a = x
    b = y
    for i in range(n):
        a, b = helper_pair(a * 0.5, b)
    return a + b * x


@case("numba_ok", "calls", "control", "array", args=lambda: [(arr(4), 3)])
def k_nested_def_in_loop(x, n):
    w = np.linspace(0.5, 1.5, 4)

    def step(v, k=1.0):
        return np.tanh(v * w) * k
    for i in range(n):
        x = step(x, k=1.0 + i)
    return np.sum(x)


@case("mutation", "control", "array", args=lambda: [(arr(3), 4)])
def m_append_in_branch(x, n):
    vals = []
    for i in range(n):
        if i % 2 == 0:
            vals.append(np.sum(x * i))
        else:
            vals.append(np.sum(x ** 2))
    s = 0.0
    for v in vals:
        s = s + v * v
    return s + vals[-1]


@case("mutation", "array", args=lambda: [(arr(6, away=0.1),)])
def m_listcomp_filter(x):
    v = [a * a for a in x if a > 0]
    w = [[a * b for b in x[:2]] for a in x[:3]]
    return np.sum(np.array(v)) + np.sum(np.array(w))


@case("numba_ok", "mutation", "control", "array", args=lambda: [(0.7, arr(5))])
def m_setitem_recurrence(x, u):
    out = np.zeros(5)
    out[0] = x
    for i in range(1, 5):
        out[i] = out[i - 1] * x + u[i]
    return np.sum(out ** 2)


@case("numba_ok", "mutation", "array", args=lambda: [(arr(3),)])
def m_alias_sees_setitem(x):
    out = np.zeros(3)
    alias = out
    out[1] = x[0] * 2.0
    return np.sum(alias * x)


@case("mutation", "array", args=lambda: [(arr(3),)])
def m_aug_assign_alias(x):
    acc = np.zeros(3)
    view = acc
    acc += x * 2.0
    return np.sum(view * x)


@case("mutation", "array", args=lambda: [(arr(5, away=0.1),)])
def m_setitem_mask(x):
    out = np.zeros(5)
    out[x > 0] = x[x > 0] ** 2
    return np.sum(out)


@case("straight", "scalar", args=scalars(0.7, -1.3))
def s_list_literal_index(x):
    vals = [x * 2.0, x * x, 3.0]
    return vals[-2] * vals[0] + vals[1]


@case("mutation", "scalar", args=scalars(0.7, -1.3))
def m_append_then_index(x):
    vals = []
    vals.append(x * 2.0)
    vals.append(x * x)
    return vals[1] + vals[-1] * vals[0]


# -- realistic workloads (each once found a bug or a slow path) --------------------------------

@case("control", "mutation", "array", wrt=(0, 1),
      args=lambda: [(arr(4, 4, k=1) * 0.5, arr(4, 3, k=2) * 0.5, arr(6, 3, k=3))])
def w_rnn(Wh, Wx, xs):
    h = np.zeros(Wh.shape[0])
    states = []
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
        states.append(h)
    return np.sum(np.stack(states) ** 2)


@case("straight", "array", wrt=(0, 1, 2),
      args=lambda: [(arr(5, 4, k=4), arr(6, 4, k=5), arr(6, 3, k=6))])
def w_attention(Q, K, V):
    scores = np.einsum("id,jd->ij", Q, K) / math.sqrt(Q.shape[1])
    scores = scores - np.max(scores, axis=1, keepdims=True)
    w = np.exp(scores)
    w = w / np.sum(w, axis=1, keepdims=True)
    return np.sum(np.einsum("ij,jd->id", w, V) ** 2)


@case("straight", "array", wrt=(0, 1), args=lambda: [(arr(3, 3, k=7), arr(3, k=8))])
def w_quadratic_form(A, x):
    return x @ A @ x + np.trace(A @ A.T)


@case("control", "mutation", "array", "numba_ok", wrt=(0, 1),
      args=lambda: [(arr(9, k=9, lo=0.0), 0.2)])
def w_heat(u0, k):
    u = u0.copy()
    for _ in range(4):
        lap = u[2:] - 2.0 * u[1:-1] + u[:-2]
        u[1:-1] = u[1:-1] + k * lap
    return np.sum(u ** 2)


@case("control", "array", wrt=(0, 1),
      args=lambda: [(arr(3, k=10), arr(8, 3, k=11), (arr(8, k=12) > 0) * 1.0)])
def w_logistic_epochs(w, X, y):
    loss = 0.0
    for e in range(4):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        loss = loss + np.mean((p - y) ** 2)
        w = w - 0.5 * X.T @ (p - y) / len(y)
    return loss


@case("control", "scalar", "numba_ok", args=scalars(2.0, 9.0, 0.3))
def w_newton_sqrt(a):
    x = a
    k = 0
    while abs(x * x - a) > 1e-12 and k < 50:
        x = x - (x * x - a) / (2.0 * x)
        k += 1
    return x


@case("control", "array", args=lambda: [(arr(5, 3, k=13), ), (arr(5, 3, k=14) * 0.1,)])
def w_early_exit_norm(x):
    total = 0.0
    for i in range(x.shape[0]):
        n = np.linalg.norm(x[i])
        if n > 1.2:
            return total + n
        total = total + n * n
    return total


@case("control", "array", "numba_ok", args=lambda: [(arr(6, k=15, away=0.1),)])
def w_where_in_loop(x):
    # np.where on items gives 0-d arrays: their shapes are stacked as scalars
    s = 0.0
    for i in range(len(x)):
        s = s + np.where(x[i] > 0, x[i] ** 2, -x[i])
    return s
