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
