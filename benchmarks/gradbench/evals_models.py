"""gmm, kmeans and lstm (ADBench's models) as a NumPy user writes them.

A walk through ``gmm``: the parameters are the mixture logits ``alpha``
(k,), the means ``mu`` (k, d), the log-diagonals ``q`` (k, d) and the strict
lower triangles ``l`` (k, d(d-1)/2, column by column) of the Cholesky-like
factors Q_k of the precision matrices.  The objective is the log posterior

    sum_i log sum_k softmax(alpha)_k N(x_i; mu_k, (Q_k^T Q_k)^-1)
    + sum_k log Wishart(Q_k^T Q_k; gamma, m)

written with NumPy broadcasting over (n, k, d); the constant (2 pi and
multigamma terms) is computed once outside the differentiated function.

    grad = adc.grad(gmm_objective, wrt=(0, 1, 2, 3))
    d_alpha, d_mu, d_q, d_l = grad(alpha, mu, q, l, x, tri, gamma, m, const)
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

import ad_compiler as adc


# --- gmm ---------------------------------------------------------------------
@lru_cache(maxsize=16)
def tri_gather(d):
    """Index that scatters [0, l_k...] into a row-major d x d strict lower triangle.

    Entry 0 of the padded row is the zero; the strict lower triangle is read
    column by column, (1,0), (2,0), ..., (d-1,0), (2,1), ...
    """
    index = np.zeros((d, d), dtype=np.intp)
    pos = 1
    for col in range(d):
        for row in range(col + 1, d):
            index[row, col] = pos
            pos += 1
    return index.ravel()


def gmm_constant(n, d, k, gamma, m):
    """The parameter-free part of the log posterior (2 pi, Wishart normaliser)."""
    nw = d + m + 1
    log_multigamma = d * (d - 1) / 4.0 * math.log(math.pi) + sum(
        math.lgamma(0.5 * nw + 0.5 * (1 - j)) for j in range(1, d + 1))
    wishart = nw * d * (0.5 * math.log(2.0) - math.log(gamma)) + log_multigamma
    return -0.5 * n * d * math.log(2.0 * math.pi) - k * wishart


def gmm_objective(alpha, mu, q, l, x, tri, gamma, m, const):
    n, d = x.shape
    k = alpha.shape[0]
    L = np.concatenate((np.zeros((k, 1)), l), axis=1)[:, tri].reshape(k, d, d)
    xc = x[:, None, :] - mu[None, :, :]                       # (n, k, d)
    Qxc = np.exp(q)[None, :, :] * xc + np.einsum("kij,nkj->nki", L, xc)
    inner = alpha + np.sum(q, axis=1) - 0.5 * np.sum(Qxc * Qxc, axis=2)   # (n, k)
    top = np.max(inner, axis=1, keepdims=True)
    lse_i = top[:, 0] + np.log(np.sum(np.exp(inner - top), axis=1))
    a = np.max(alpha)
    lse_alpha = a + np.log(np.sum(np.exp(alpha - a)))
    prior = m * np.sum(q) - 0.5 * gamma * gamma * (np.sum(np.exp(2.0 * q)) + np.sum(l * l))
    return const + np.sum(lse_i) - n * lse_alpha + prior


# --- kmeans ------------------------------------------------------------------
def kmeans_cost(C, P):
    diff = P[:, None, :] - C[None, :, :]                      # (n, k, d)
    dist = np.sum(diff * diff, axis=2)
    return np.sum(np.min(dist, axis=1))


# --- lstm (ADBench's diagonal-weight LSTM) -----------------------------------
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_objective(main_params, extra_params, state, sequence):
    layers = main_params.shape[0] // 2
    b = sequence.shape[1]
    wb = main_params.reshape(2 * layers, 4, b)          # weights and biases per layer
    hidden = state[0::2]
    cell = state[1::2]
    total = 0.0
    for t in range(sequence.shape[0] - 1):
        x = sequence[t] * extra_params[0]
        new_hidden = []
        new_cell = []
        for i in range(layers):
            w = wb[2 * i]
            bias = wb[2 * i + 1]
            forget = sigmoid(x * w[0] + bias[0])
            ingate = sigmoid(hidden[i] * w[1] + bias[1])
            outgate = sigmoid(x * w[2] + bias[2])
            change = np.tanh(hidden[i] * w[3] + bias[3])
            c = cell[i] * forget + ingate * change
            h = outgate * np.tanh(c)
            new_hidden.append(h)
            new_cell.append(c)
            x = h
        hidden = np.stack(new_hidden)
        cell = np.stack(new_cell)
        ypred = x * extra_params[1] + extra_params[2]
        ynorm = ypred - np.log(np.sum(np.exp(ypred)) + 2.0)
        total = total + np.sum(sequence[t + 1] * ynorm)
    return -total / ((sequence.shape[0] - 1) * b)


GRADIENTS = {
    "gmm": lambda backend: adc.grad(gmm_objective, wrt=(0, 1, 2, 3), backend=backend),
    "kmeans": lambda backend: adc.grad(kmeans_cost, wrt=0, backend=backend),
    "lstm": lambda backend: adc.grad(lstm_objective, wrt=(0, 1), backend=backend),
}
