"""Functions for tests/backends/test_issue9_numba.py: values merged at a
join with ``None`` on one edge (``Optional`` to Numba), then a reduction,
a product or a broadcast that dispatches on the type."""
import numpy as np


def merged_then_mean(x, b):
    if x > 0:
        b = b * b + 0.3
    return np.mean(b)


def merged_then_matmul(x, a, w, c):
    if x < 0:
        a = 0.86 * a * x
    return np.sum((a @ w) * c)


def merged_then_broadcast(x, a, b):
    if x > 0.0:
        t = a * b
        a = t * x
    else:
        a = a + 1.0
    return np.sum(a * a)


def merged_in_loop_then_mean(x, b):
    s = 0.0
    for i in range(3):
        if x > i * 0.5:
            c = b * x
        else:
            c = b + x
        s = s + np.mean(c * c)
    return s


def nested_merges_then_sum(x, a):
    if x > 0:
        if x > 1:
            a = np.sin(a) * x
        else:
            a = a * a
    return np.mean(a) + np.sum(a * x)


def merged_unary_rules(x, a):
    if x > 0:
        b = np.sqrt(a * a + 1.0)
        c = np.tanh(b) * np.exp(a)
    else:
        b = a
        c = a * x
    return np.sum(b * c)


def merged_reductions_over_axes(x, m):
    if x > 0:
        m = m * x + 0.5
        r = np.mean(m, axis=0)
    else:
        r = np.sum(m, axis=1)
    return np.sum(r * r) + np.mean(m)


def merged_products(x, a, w):
    if x > 0:
        u = np.dot(a, w) * x
        v = np.maximum(u, 0.1)
    else:
        u = a @ w
        v = np.where(u > 0, u, -u)
    return np.sum(v * u)
