"""Functions for test_bound_and_tuples.py (the compiler needs them in a file)."""
import numpy as np


class Model:
    def __init__(self, w):
        self.w = w

    def loss(self, x, scale=1.0):
        return np.sum(self.w * x ** 2) * scale

    @staticmethod
    def cube(x):
        return x ** 3


def power(x, a=2.0):
    return x ** 3 * a


def mlp(params, x):
    W, b = params
    return np.sum(np.tanh(x @ W + b) ** 2)


def horner(coeffs, x):
    s = 0.0
    for c in coeffs:
        s = s * x + c
    return s
