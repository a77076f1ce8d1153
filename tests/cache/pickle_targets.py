"""Functions whose gradients the pickling tests send to other processes
(in a module, so that the workers can import them by name)."""
import numpy as np

import ad_compiler as adc


@adc.grad
def decorated(w, x):
    return np.sum(np.tanh(x @ w))


def loss(w, x, y):
    r = x @ w - y
    return np.sum(r * r)


def loss_with_loop(w, x):
    s = 0.0
    for i in range(3):
        if i == 1:
            s = s + np.sum(np.sin(x @ w))
        else:
            s = s + np.sum((x @ w) ** 2) * 0.5
    return s


def data(seed, n=12, d=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=d), rng.normal(size=(n, d)), rng.normal(size=n)


def loss_grad_reference(w, x, y):
    return 2.0 * x.T @ (x @ w - y)


def apply(g, *args):
    """Call ``g`` (it arrived pickled) in the worker."""
    return g(*args)


def make_closure(k):
    def scaled(x):
        return np.sum(x * x) * k
    return scaled
