"""Functions the backend tests run through "python", "numba" and "cuda"."""
import math

import numpy as np


def recurrence(x, n):
    s = 0.0
    for i in range(n):
        s = s * 0.9 + math.sin(x * i) * x
    return s


def branches(x, y):
    if x > 0:
        z = x * y
    else:
        z = math.exp(x) + y
    return z * z


def _rhs(a, b):
    return a * math.cos(b) - b / (1.0 + a * a)


def helpers(x, y):
    return _rhs(x, y) + _rhs(y, x) * 2.0


def while_loop(x):
    n = 0
    while x < 100.0:
        x = x * 1.5 + 1.0
        n += 1
    return x


def nested(x, y):
    s = 0.0
    for i in range(4):
        t = x
        for j in range(3):
            if t > y:
                t = t * 0.5 + math.sqrt(y)
            else:
                t = t + x * j
        s = s + t * math.tanh(x + i)
    return s


def arrays(x, w):
    h = np.tanh(x * w)
    return np.sum(h ** 2) + np.dot(x, w) + np.mean(np.exp(-x) / (1.0 + w * w))


def array_loop(x, n):
    s = np.zeros_like(x)
    for i in range(n):
        s = s * 0.5 + np.sin(x * (i + 1))
    return np.sum(s * s)


def matvec(A, x):
    y = np.dot(A, x)
    return np.sum(np.tanh(y)) + np.sum(A * A) * 0.1


def elementwise(x, y):
    if x > 0.5:
        return math.sin(x) * y
    return x * x * y + math.log1p(y * y)


def elementwise_np(x, y):
    return np.tanh(x) * y + np.exp(-x * x)


def unsupported(x):
    return np.einsum("...i,...i->", x, x)       # (fixed subscripts lower; '...' does not)


def never_compiled(x):
    return x * math.sin(x)


def never_compiled_2(x):
    return x * math.cos(x)


def needs_stack(x):
    s = x
    for i in range(3):
        s = math.sin(s) * x
    return s
