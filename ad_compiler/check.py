"""Finite-difference checking of compiled gradients.

Example::

    check_grads(lambda_free_f, np.ones(3), wrt=0)   # raises GradientCheckError if
                                                    # <grad, v> != (f(x+εv) - f(x-εv)) / 2ε
"""
from __future__ import annotations

import numpy as np

from .api import GradFunction, grad
from .forward_api import jvp
from .nested import NestedGrad
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


def check_grads(fn, *args, wrt=0, eps=1e-6, rtol=1e-5, atol=1e-7, seed=None, rng=0,
                modes=("rev",), order=1):
    """Check the derivatives of ``fn`` at ``args`` against central finite
    differences, as autograd's ``check_grads`` does: each mode in ``modes``
    ("rev": the compiled gradient; "fwd": ``ad_compiler.jvp``) and, for
    ``order`` > 1, the derivatives of the derivatives, in the same modes,
    against finite differences of ``grad(fn)``: "rev" the gradient of
    ``grad(fn)`` with a random seed (reverse over reverse), "fwd" the jvp of
    ``grad(fn)`` (forward over reverse: a Hessian-vector product).  Raises ``GradientCheckError``; returns the gradients."""
    for m in modes:
        if m not in ("fwd", "rev"):
            raise ValueError(f"modes must be 'fwd' and/or 'rev', not {m!r}")
    if order < 1:
        raise ValueError(f"order must be at least 1, not {order!r}")
    rng = np.random.default_rng(rng)
    grads = None
    if "rev" in modes:
        grads = _check_rev(fn, args, wrt, eps, rtol, atol, seed, rng)
    if "fwd" in modes:
        _check_fwd(fn, args, wrt, eps, rtol, atol, rng)
    if order > 2 and not _scalar_wrt(args, wrt, fn):
        raise ValueError(f"check_grads(order={order}): the derivative of order {order - 1} of a "
                         "function of an array needs a seed for the one below it: order 3 and "
                         "more are checked for scalar arguments only (use order=2 here)")
    if order > 1:
        if isinstance(wrt, (tuple, list)):
            for w in wrt:
                check_grads(grad(fn, wrt=w), *args, wrt=w, eps=eps ** 0.5 * 1e-2, rtol=rtol * 10,
                            atol=atol * 10, rng=rng, modes=modes, order=order - 1)
        else:
            # finite differences of a gradient: a larger step (its error is O(eps^2)
            # times the third derivative) and a looser tolerance than for f
            check_grads(grad(fn, wrt=wrt), *args, wrt=wrt, eps=max(eps, 1e-5),
                        rtol=max(rtol, 1e-4), atol=max(atol, 1e-6), rng=rng, modes=modes,
                        order=order - 1)
    return grads


def _scalar_wrt(args, wrt, fn):
    """Whether the differentiated arguments are scalars (then every
    derivative of ``fn`` is a scalar function and can be nested again unseeded)."""
    names = list(getattr(fn, "arg_names", None) or [])
    ks = [w if not isinstance(w, str) else names.index(w)
          for w in (wrt if isinstance(wrt, (tuple, list)) else (wrt,))]
    return all(np.ndim(args[k]) == 0 and not is_node(args[k]) for k in ks)


def _check_rev(fn, args, wrt, eps, rtol, atol, seed, rng):
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
                    f"gradient{_order_name(fn)} with respect to '{names[k]}' disagrees with "
                    f"finite differences: <grad, v> = {ana!r}, numerical = {num!r}",
                    fn_name=g.parsed.name, filename=g.parsed.filename, lineno=g.parsed.lineno)
    return grads[0] if not isinstance(wrt, (tuple, list)) else grads


def _order_name(fn):
    n = 0
    while isinstance(fn, GradFunction):
        n += 1
        fn = fn.inner if isinstance(fn, NestedGrad) else None
    return "" if n == 0 else f" (of a derivative of order {n})"


def _check_fwd(fn, args, wrt, eps, rtol, atol, rng):
    """<u, J v> from ``ad_compiler.jvp`` against finite differences."""
    wrt_t = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    names = list(getattr(fn, "arg_names", None) or range(len(args)))
    for w in wrt_t:
        k = w if isinstance(w, int) else names.index(w)
        v = _random_like(rng, args[k])
        tangents = tuple(v if i == k else None for i in range(len(args)))
        out, jv = jvp(fn, tuple(args), tangents)
        u = _random_like(rng, out)
        num = numerical_vjp(fn, args, k, u, v, eps)
        ana = _inner(jv, u)
        if not np.isclose(ana, num, rtol=rtol, atol=atol * max(1.0, abs(num))):
            raise GradientCheckError(
                f"forward-mode derivative{_order_name(fn)} with respect to argument {w!r} "
                f"disagrees with finite differences: <u, J v> = {ana!r}, numerical = {num!r}",
                fn_name=getattr(fn, "__name__", None))
