"""Functions the benchmarks differentiate (in a file: the compiler reads source)."""
import math

import numpy as np


def recurrence(x, n):
    s = 0.0
    for i in range(n):
        s = s * 0.9 + math.sin(x * i) * x
    return s


def mlp_loss(W1, b1, W2, b2, x, y):
    h = np.tanh(x @ W1 + b1)
    logits = h @ W2 + b2
    return np.mean((logits - y) ** 2)


def mlp_adjoint(W1, b1, W2, b2, x, y):
    """The hand-written NumPy adjoint of mlp_loss, written the straightforward
    way: one expression per line, as a user derives it (NumPy itself reuses
    the temporaries of ``x @ W1 + b1`` and ``g_h * (1.0 - h * h)``)."""
    z = x @ W1 + b1
    h = np.tanh(z)
    logits = h @ W2 + b2
    d = logits - y
    loss = np.mean(d ** 2)
    g_logits = (2.0 / d.size) * d
    gW2 = h.T @ g_logits
    gb2 = g_logits.sum(axis=0)
    g_h = g_logits @ W2.T
    g_z = g_h * (1.0 - h * h)
    gW1 = x.T @ g_z
    gb1 = g_z.sum(axis=0)
    return loss, (gW1, gb1, gW2, gb2)


def thirty_lines(x, w, b, c):
    """A 30-line function for the compile-time benchmark."""
    a1 = x * w + b
    a2 = np.tanh(a1)
    a3 = a2 * c
    a4 = np.exp(-a3 * a3)
    a5 = a4 + a2
    a6 = np.sin(a5) * np.cos(a1)
    a7 = a6 ** 2 + 1.0
    a8 = np.log(a7)
    a9 = np.sqrt(a8 + 1.0)
    b1 = a9 * w
    b2 = b1 - a5
    b3 = np.maximum(b2, 0.0)
    b4 = np.where(b3 > 0.5, b3, b2 * 0.1)
    b5 = b4 @ w.T if False else b4 * w
    b6 = np.sum(b5, axis=0)
    b7 = b6 / (1.0 + np.abs(b6))
    b8 = b7 * b
    b9 = np.mean(b8)
    c1 = b9 * 2.0 + np.sum(a2)
    c2 = c1 / 3.0
    c3 = c2 - np.mean(a4)
    c4 = c3 * c3
    c5 = c4 + np.sum(x * x) * 1e-3
    c6 = math.exp(-1.0) * c5
    c7 = c6 + 0.5
    c8 = c7 * c
    c9 = c8 - c
    return c9


def element_loop(x):
    """Reads array items one by one (the adjoint adds into x_bar in place)."""
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * x[i]
    return s


def fill_loop(x):
    """Writes a local array item by item, then reduces it."""
    out = np.zeros(len(x))
    for i in range(len(x)):
        out[i] = x[i] * 2.0
    return np.sum(out * out)


def thirty_lines_control(x, w, n):
    """A 30-line function with loops and branches for the first-call benchmark."""
    s = 0.0
    acc = np.zeros_like(x)
    for i in range(n):
        h = np.tanh(x * w + i)
        if i % 3 == 0:
            acc = acc + h * h
        elif i % 3 == 1:
            acc = acc - 0.5 * h
        else:
            acc = acc * 0.9 + np.sin(h)
        s = s + np.sum(acc) * 0.1
    k = 0
    while k < 4:
        if s > 0.0:
            s = s * 0.95 + np.mean(x * acc)
        else:
            s = s * 1.05 - np.mean(x)
        k = k + 1
    t = 0.0
    for j in range(len(x)):
        v = x[j] * w[j]
        if v > 0.2:
            t = t + v * v
        else:
            t = t - v
    r = np.sqrt(1.0 + s * s) + t * 0.01
    return r + math.exp(-np.sum(w * w))


def hessian_target(x, A):
    """The dense-Hessian benchmark: sum(sin(x) * x**2) + x @ A @ x."""
    return np.sum(np.sin(x) * x ** 2) + x @ A @ x


def lorenz96(y, forcing):
    """An ODE right-hand side R^n -> R^n (Lorenz '96): the Jacobian benchmark."""
    return (np.roll(y, -1) - np.roll(y, 2)) * np.roll(y, 1) - y + forcing
