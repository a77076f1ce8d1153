"""Finite-difference checking of compiled gradients.

Example::

    check_grads(lambda_free_f, np.ones(3), wrt=0)   # raises GradientCheckError if
                                                    # <grad, v> != (f(x+εv) - f(x-εv)) / 2ε
"""
from __future__ import annotations

import numpy as np

from .errors import ADError

__all__ = ["check_grads", "GradientCheckError", "numerical_vjp"]


class GradientCheckError(ADError, AssertionError):
    """The compiled gradient disagrees with finite differences."""


def _perturb(x, v, h):
    if isinstance(x, np.ndarray):
        return x + h * v
    return float(x + h * v)


def numerical_vjp(fn, args, k, u, v, eps):
    """<u, (f(x + eps v) - f(x - eps v)) / 2 eps> for argument k."""
    a1, a2 = list(args), list(args)
    a1[k] = _perturb(args[k], v, eps)
    a2[k] = _perturb(args[k], v, -eps)
    d = (np.asarray(fn(*a1), dtype=float) - np.asarray(fn(*a2), dtype=float)) / (2 * eps)
    return float(np.sum(d * u))


def check_grads(fn, *args, wrt=0, eps=1e-6, rtol=1e-5, atol=1e-7, seed=None, rng=0):
    from .api import grad
    rng = np.random.default_rng(rng)
    wrt_t = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    out = fn(*args)
    u = seed if seed is not None else (rng.standard_normal(np.shape(out)) if np.ndim(out) else 1.0)
    g = grad(fn, wrt=tuple(wrt_t))
    grads = g(*args, seed=u if np.ndim(out) else None)
    names = g.arg_names
    for w, gk in zip(wrt_t, grads):
        k = g._wrt_index(w)
        x = args[k]
        for trial in range(2):
            v = rng.standard_normal(np.shape(x)) if np.ndim(x) else 1.0
            num = numerical_vjp(fn, args, k, u, v, eps)
            ana = float(np.sum(np.asarray(gk, dtype=float) * v))
            if not np.isclose(ana, num, rtol=rtol, atol=atol * max(1.0, abs(num))):
                raise GradientCheckError(
                    f"gradient with respect to '{names[k]}' disagrees with finite differences: "
                    f"<grad, v> = {ana!r}, numerical = {num!r}",
                    fn_name=g.parsed.name, filename=g.parsed.filename, lineno=g.parsed.lineno)
    return grads[0] if not isinstance(wrt, (tuple, list)) else grads
