"""lse, llsq, det and ode as a NumPy user writes them, differentiated by ad_compiler.

Each eval is a plain NumPy primal plus the gradient ``adc.grad`` builds from
it.  For example ``lse``:

    def lse(x):                       # the primal, straight from the spec
        a = np.max(x)
        return a + np.log(np.sum(np.exp(x - a)))

    grad = adc.grad(lse)              # d lse / d x, compiled once
    grad(np.array([1.0, 2.0]))        # -> softmax(x)

Non-differentiable set-up the spec fixes (llsq's sample points, det's
permutations) is computed once per size, outside the differentiated code,
and passed in as a constant argument.
"""
from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

import ad_compiler as adc


# --- lse: log-sum-exp with the max trick -------------------------------------
def lse(x):
    a = np.max(x)
    return a + np.log(np.sum(np.exp(x - a)))


# --- llsq: cmpad's linear least-squares objective ----------------------------
@lru_cache(maxsize=8)
def llsq_basis(n, m):
    """t_i = -1 + 2i/(n-1), s_i = sign(t_i) and the design matrix t_i**j."""
    t = -1.0 + np.arange(n) * 2.0 / (n - 1)
    return np.sign(t), t[:, None] ** np.arange(m)


def llsq(x, s, T):
    r = s - T @ x
    return 0.5 * np.sum(r * r)


# --- det: the determinant in Leibniz's form over all permutations ------------
@lru_cache(maxsize=4)
def permutations(ell):
    """Every permutation of range(ell) (rows) and its sign, as constant arrays."""
    perms = np.array(list(itertools.permutations(range(ell))), dtype=np.intp)
    # sign = (-1) ** (number of inversions)
    inv = np.zeros(len(perms), dtype=np.intp)
    for i in range(ell):
        for j in range(i + 1, ell):
            inv += perms[:, i] > perms[:, j]
    return perms, np.where(inv % 2 == 0, 1.0, -1.0)


def det(A, perms, signs):
    rows = np.arange(A.shape[0])
    terms = np.prod(A[rows, perms], axis=1)
    return np.sum(signs * terms)


# --- ode: cmpad's an_ode, RK4 with s steps on [0, 2] -------------------------
ODE_TF = 2.0


def ode_rhs(x, y):
    # y_0' = x_0;  y_i' = (x_1 + ... + x_i) * y_{i-1}
    c = np.cumsum(x) - x[0]
    return np.concatenate((x[:1], c[1:] * y[:-1]))


def ode(x, s):
    h = ODE_TF / s
    y = np.zeros(x.shape[0])
    for _ in range(s):
        k1 = ode_rhs(x, y)
        k2 = ode_rhs(x, y + (0.5 * h) * k1)
        k3 = ode_rhs(x, y + (0.5 * h) * k2)
        k4 = ode_rhs(x, y + h * k3)
        y = y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def ode_last(x, s):
    y = ode(x, s)
    return y[-1]


GRADIENTS = {
    "lse": lambda backend: adc.grad(lse, backend=backend),
    "llsq": lambda backend: adc.grad(llsq, backend=backend),
    "det": lambda backend: adc.grad(det, backend=backend),
    "ode": lambda backend: adc.grad(ode_last, backend=backend),
}
