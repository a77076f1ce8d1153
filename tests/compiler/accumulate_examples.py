"""Functions for test_accumulate.py (the compiler needs them in a file)."""
import numpy as np


def item_reads(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * x[i]
    return s


def item_writes(x):
    out = np.zeros(len(x))
    for i in range(len(x)):
        out[i] = x[i] * 2.0
    return np.sum(out * out)


def row_writes(x):
    out = np.zeros_like(x)
    for i in range(x.shape[0]):
        out[i] = x[i] * float(i + 1)
    return np.sum(out * x)


def shared_cotangent(x):
    y = x + x            # both operands get the same cotangent object
    return np.sum(y[0] * y)


def repeated_fancy(x):
    idx = np.array([0, 2, 0, 1])
    return np.sum(x[idx] ** 2)


def assign_into_param(x):
    x[0] = 1.0
    return np.sum(x)


def assign_into_view(x):
    y = np.zeros(4)
    v = y[1:3]
    v[0] = x
    return np.sum(y)


def aliased_aug(x):
    acc = np.zeros(2)
    view = acc
    acc += x
    return np.sum(view * x)


def aliased_aug_scalar(x):
    z = x
    z += 1.0
    return z * x


def real_part(x):
    return np.sum(np.fft.fft(x).real)


def assign_after_storing(x):
    a = np.zeros(2)
    items = [a]
    a[0] = x
    return np.sum(items[0])


def heat(u0, k, steps):
    u = u0.copy()
    for _ in range(steps):
        lap = u[2:] - 2.0 * u[1:-1] + u[:-2]
        u[1:-1] = u[1:-1] + k * lap
    return np.sum(u ** 2)


def logistic_epochs(w, X, y, lr, epochs):
    loss = 0.0
    for e in range(epochs):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        loss = loss + np.mean((p - y) ** 2)
        w = w - lr * X.T @ (p - y) / len(y)
    return loss


def grid(x):
    n, m = x.shape
    out = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            out[i, j] += x[i, j] * (i + 1) - x[n - 1 - i, j]
    return np.sum(out ** 2)


def backwards(x):
    s = 0.0
    for i in range(len(x) - 1, -1, -1):
        s = s * 0.5 + x[i]
    return s * s
