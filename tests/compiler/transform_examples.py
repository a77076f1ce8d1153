"""Functions for test_transforms.py (the compiler needs them in a file)."""
import math

import numpy as np


def dead_code(x):
    unused = np.exp(x) * 3.0
    also_unused = np.cosh(unused) + x
    y = np.sin(x)
    return y


def repeated(x):
    return np.sin(x) * np.sin(x) + np.sin(x)


def repeated_scalar(x, y):
    a = x * y + 1.0
    b = x * y + 1.0
    return a * b


def folding(x):
    k = 2.0 * 3.0 + math.sqrt(4.0)
    n = len((1, 2, 3))
    return x * k + n


def folded_branch(x):
    if 2.0 > 1.0:
        y = x * 5.0
    else:
        y = np.tanh(x)
    return y


def inactive(x, y):
    a = np.sin(y) * 3.0
    b = np.exp(x)
    c = np.tanh(x)
    n = len(x)
    return np.sum(b * a) * n


def inactive_condition(x):
    t = np.tanh(x)
    if t > 0.0:
        return x * 2.0
    return x * 3.0


def loop_stack(x, n):
    s = 0.0
    for i in range(n):
        s = s * 0.9 + math.sin(x * i) * x
    return s


def loop_needs_s(x, n):
    s = 1.0
    for i in range(n):
        s = s * x
    return s


def loop_linear(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * 2.0
    return s


def loop_inactive_work(x, n):
    s = 0.0
    k = 0.0
    for i in range(n):
        k = k + math.cos(i * 0.5)
        s = s + x * 2.0
    return s + k
