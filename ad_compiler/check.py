"""Finite-difference checking of compiled gradients.

Example::

    check_grads(lambda_free_f, np.ones(3), wrt=0)   # raises GradientCheckError if
                                                    # <grad, v> != (f(x+εv) - f(x-εv)) / 2ε
"""
from __future__ import annotations

import numpy as np

from .api import grad
from .errors import ADError
from .pytree import is_node, tree_leaves, tree_map

__all__ = ["check_grads", "GradientCheckError", "numerical_vjp"]


class GradientCheckError(ADError, AssertionError):
    """The compiled gradient disagrees with finite differences."""


def _perturb(x, v, h):
    """``x + h v`` leaf by leaf (``v`` has ``x``'s pytree structure)."""
    return tree_map(lambda xi, vi: xi + h * vi if isinstance(xi, np.ndarray)
                    else float(xi + h * vi), x, v)


def _inner(a, b):
    """Sum over the leaves of <a_leaf, b_leaf> (None leaves count as zero)."""
    return float(sum(np.sum(np.asarray(x, dtype=float) * np.asarray(y, dtype=float))
                     for x, y in zip(tree_leaves(a), tree_leaves(b)) if x is not None))


def _random_like(rng, x):
    return tree_map(lambda xi: rng.standard_normal(np.shape(xi)) if np.ndim(xi) else 1.0, x)


def numerical_vjp(fn, args, k, u, v, eps):
    """<u, (f(x + eps v) - f(x - eps v)) / 2 eps> for argument k (any pytree)."""
    a1, a2 = list(args), list(args)
    a1[k] = _perturb(args[k], v, eps)
    a2[k] = _perturb(args[k], v, -eps)
    d1, d2 = fn(*a1), fn(*a2)
    return sum(float(np.sum((np.asarray(p, dtype=float) - np.asarray(m, dtype=float)) / (2 * eps)
                            * np.asarray(w, dtype=float)))
               for p, m, w in zip(tree_leaves(d1), tree_leaves(d2), tree_leaves(u)))


def check_grads(fn, *args, wrt=0, eps=1e-6, rtol=1e-5, atol=1e-7, seed=None, rng=0):
    """Compare ``grad(fn)`` against central finite differences at ``args``
    along random directions; raise ``GradientCheckError`` on mismatch and
    return the compiled gradients otherwise."""
    rng = np.random.default_rng(rng)
    wrt_t = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    out = fn(*args)
    scalar = not is_node(out) and np.ndim(out) == 0
    u = seed if seed is not None else (1.0 if scalar else _random_like(rng, out))
    g = grad(fn, wrt=tuple(wrt_t))
    grads = g(*args, seed=None if scalar and seed is None else u)
    names = g.arg_names
    for w, gk in zip(wrt_t, grads):
        k = g._wrt_index(w)
        x = args[k]
        for trial in range(2):
            v = _random_like(rng, x)
            num = numerical_vjp(fn, args, k, u, v, eps)
            ana = _inner(gk, v)
            if not np.isclose(ana, num, rtol=rtol, atol=atol * max(1.0, abs(num))):
                raise GradientCheckError(
                    f"gradient with respect to '{names[k]}' disagrees with finite differences: "
                    f"<grad, v> = {ana!r}, numerical = {num!r}",
                    fn_name=g.parsed.name, filename=g.parsed.filename, lineno=g.parsed.lineno)
    return grads[0] if not isinstance(wrt, (tuple, list)) else grads
