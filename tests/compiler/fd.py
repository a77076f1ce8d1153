"""Central finite differences, independent of ad_compiler.check.

``numerical_grad(fn, args, k)`` perturbs every element of argument ``k``
(a Python float or a float array) by +-eps and returns d <seed, fn> / d arg_k
with the shape of the argument; ``seed`` weighs a non-scalar output.
"""
import numpy as np


def _with(args, k, value):
    out = list(args)
    out[k] = value
    return out


def _scalar_out(fn, args, seed):
    y = fn(*args)
    if seed is None:
        return float(y)
    return float(np.sum(np.asarray(y, dtype=np.float64) * seed))


def numerical_grad(fn, args, k, eps=1e-6, seed=None):
    x = args[k]
    if isinstance(x, np.ndarray):
        x = x.astype(np.float64)
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            xp, xm = x.copy(), x.copy()
            xp[idx] += eps
            xm[idx] -= eps
            g[idx] = (_scalar_out(fn, _with(args, k, xp), seed)
                      - _scalar_out(fn, _with(args, k, xm), seed)) / (2 * eps)
        return g
    x = float(x)
    return (_scalar_out(fn, _with(args, k, x + eps), seed)
            - _scalar_out(fn, _with(args, k, x - eps), seed)) / (2 * eps)


def assert_close(got, expected, rtol=1e-5, atol=1e-6, what=""):
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=what)
