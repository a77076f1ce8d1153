"""Functions for the forward-mode API tests (the compiler reads their source)."""
import math

import numpy as np

import ad_compiler as adc


def golden(x, n):
    s = 0.0
    for i in range(n):
        if s > 1.0:
            break
        s = s + math.sin(x) * x
    return s


def pytree_loss(p, x):
    h = np.tanh(p["W"] @ x + p["b"])
    return np.sum(h ** 2) + p["b"][0]


def vector_out(x):
    return np.sin(x) * x[0]


def matrix_in(A):
    return A @ A.T


def scalar_fn(x):
    return x ** 3 + math.exp(x)


def returns_bool(x):
    return x > 0.0


def uses_method(x):
    return x.conj().sum()


def uses_ldexp(x, e):
    return np.ldexp(x, e)


def returns_pair(x):
    return x * 2.0, np.sum(x ** 2)


def clipped_log(x):
    return np.log(np.maximum(x, 1e-12))


def clipped_log_jvp(t, ans, x):
    return t / np.maximum(x, 1e-12)


log_fwd = adc.custom_jvp(clipped_log_jvp)(clipped_log)


def uses_custom(x):
    return np.sum(log_fwd(x) * x)


def early_return(x, limit):
    acc = 0.0
    for v in x:
        if acc > limit:
            return acc * 2.0
        acc = acc + v * v
    return acc


def sin_times(x, w):
    return np.sin(x) * w


SCALE = 2.0


class Model:
    def __init__(self, w):
        self.w = w

    def loss(self, x):
        return np.sum(self.w * x ** 2) * SCALE


def weighted(x, a):
    return np.sum(x * a)


def star_product(*xs):
    return xs[0] * xs[1] + xs[2]


def int_cast(x):
    return np.sum(np.array(x * 3.7, dtype=int) * x)


def clipped_log_vjp(g, ans, x):
    return g / np.maximum(x, 1e-12)


def hvp_target(x):
    return np.sum(np.sin(x) * x ** 2) + x[0] * x[1] / (1.0 + x[2] ** 2)


def loop_target(x):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            s = s + np.sin(x[i] * s + 1.0) * x[i]
        else:
            s = s * x[i]
    return s * s
