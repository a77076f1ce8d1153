"""Small functions for test_passes.py: each shows one pass at work (the
compiler reads their source, so they live in a file; the tests print
their IR with line numbers relative to the ``def`` line)."""
import numpy as np


def repeated(x):
    a = np.sin(x) * 2.0
    b = np.sin(x) * 2.0
    unused = np.cos(x)
    return a + b


def constant_branch(x):
    k = 2.0 * 3.0
    if k > 5.0:
        y = x * k
    else:
        y = x
    return y


def two_inputs(x, y):
    a = x * y
    b = y * y
    n = np.shape(x)
    return a + 0.0 * len(n) + 0.0 * b


def invariant_known_trips(x, w):
    s = 0.0
    for i in range(3):
        s = s + np.sin(w) * x[i]
    return s


def invariant_unknown_trips(x, w, n):
    s = 0.0
    for i in range(n):
        s = s + np.sin(w) * x[i]
    return s


def fill(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] = x[i] * 2.0
    return np.sum(y)


def fill_and_keep(x):
    y = np.zeros(3)
    old = y
    y[0] = x[0]
    return np.sum(y) + np.sum(old)


def item_reads(x):
    s = 0.0
    for i in range(3):
        s = s + x[i]
    return s


def product(x, y):
    z = x * y
    return np.sin(z)


def loop_sum(x, n):
    s = 0.0
    for i in range(n):
        if i > 1:
            break
        s = s + x
    return s


def comprehension(x):
    ys = [x[i] * 2.0 for i in range(3)]
    return sum(ys)


def mapped(x):
    return sum(map(np.sin, x))


def write_after_read(x):
    y = x * 1.0
    z = np.sum(y * y)
    y[0] = 0.0
    return z + np.sum(y)


def unused_item(x):
    y = x[10]
    return x[0] * 2.0


def with_aux(x):
    if x[0] > 0.0:
        return x * 2.0, "positive"
    return x * 3.0, "negative"


def rows(a):
    s = 0.0
    for row in a:
        s = s + row[0]
    return s
