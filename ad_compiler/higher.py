"""Jacobians, Hessians and vector products, built from compiled gradients.

Example::

    def f(x):
        return np.sum(np.sin(x) * x ** 2)

    value, f_vjp = vjp(f, x)      # f_vjp(u) -> (u * df/dx,): one compiled gradient, seed=u
    jacrev(np.tanh-like g)(x)     # shape g(x).shape + x.shape: one vjp per output element
    hessian(f)(x)                 # shape x.shape + x.shape: jacfwd(grad(f)), forward over reverse
    hvp(f)(x, v)                  # H v = jvp(grad(f), (x,), (v,))[1]: no Hessian formed

Everything here calls a function compiled once (``grad`` with ``seed=``,
or ``grad`` of a gradient, which differentiates the gradient's generated
graph: ``ad_compiler/nested.py``) once per basis vector; nothing is
recompiled per row.  Costs: ``jacrev`` is ``out.size`` gradient calls,
``hessian`` is ``x.size`` calls of the forward-over-reverse second
derivative (each a small constant times a gradient), ``hvp`` is one.  Inputs may be Python floats,
arrays, or pytrees (dicts, lists, tuples) of them; a pytree argument gives
a Jacobian with the same structure, each leaf of shape ``out.shape + leaf.shape``.
"""
from __future__ import annotations

import numpy as np

from .api import grad
from .forward_api import jacfwd
from .forward_over import forward_over
from .pytree import is_node, tree_flatten

__all__ = ["vjp", "jacrev", "jacobian", "hessian", "hvp"]


def vjp(fn, *primals, backend="python"):
    """``(fn(*primals), vjp_fn)``; ``vjp_fn(cotangent)`` is the tuple of the
    cotangent's pullbacks, one per primal.  Each call of ``vjp_fn`` runs
    the one compiled gradient of ``fn`` with ``seed=cotangent``."""
    g = grad(fn, wrt=tuple(range(len(primals))), backend=backend)
    value = fn(*primals)

    def vjp_fn(cotangent):
        return tuple(g(*primals, seed=cotangent))

    vjp_fn.gradient = g
    return value, vjp_fn


def _basis(shape, dtype):
    """The unit cotangents of an output of this shape, in C order."""
    n = int(np.prod(shape))
    for i in range(n):
        e = np.zeros(n, dtype=dtype)
        e[i] = 1
        yield e.reshape(shape)


def _stack(rows, out_shape):
    """Rows (gradients, possibly pytrees) stacked leaf by leaf into arrays of
    shape ``out_shape + leaf.shape``."""
    first = rows[0]
    if is_node(first):
        if isinstance(first, dict):
            return type(first)((k, _stack([r[k] for r in rows], out_shape)) for k in first)
        items = [_stack([r[i] for r in rows], out_shape) for i in range(len(first))]
        if hasattr(first, "_fields"):
            return type(first)(*items)
        return type(first)(items)
    leaf = np.asarray(first)
    return np.stack([np.asarray(r, dtype=leaf.dtype) for r in rows]).reshape(
        tuple(out_shape) + leaf.shape)


def _zero(leaf):
    return np.zeros(np.shape(leaf), dtype=_out_dtype(leaf)) if np.ndim(leaf) else 0.0


def _out_dtype(out):
    dt = np.asarray(out).dtype
    return dt if dt.kind == "f" else np.float64


def jacrev(fn, wrt=0, *, backend="python"):
    """The Jacobian of ``fn`` with respect to ``wrt`` by reverse mode: one
    call of the compiled gradient per element of the output, with that
    element's unit cotangent as ``seed``.  Shape ``out.shape + x.shape``
    (a tuple of them for a tuple ``wrt``); a container output gives a
    container of Jacobians, one per leaf."""
    g = grad(fn, wrt=wrt, backend=backend)
    several = isinstance(wrt, (tuple, list))

    def jac(*args, **kwargs):
        out = fn(*args, **kwargs)
        if not is_node(out) and np.shape(out) == ():
            return g(*args, **kwargs)
        leaves, rebuild = tree_flatten(out)
        per_leaf = []
        for j, leaf in enumerate(leaves):       # the unit cotangents of one output leaf
            shape = np.shape(leaf)
            rows = []
            for e in _basis(shape, _out_dtype(leaf)):
                seed = [_zero(o) for o in leaves]
                seed[j] = e if shape else 1.0
                rows.append(g(*args, seed=rebuild(seed) if is_node(out) else seed[0], **kwargs))
            if several:
                per_leaf.append(tuple(_stack([r[i] for r in rows], shape)
                                      for i in range(len(rows[0]))))
            else:
                per_leaf.append(_stack(rows, shape))
        if not is_node(out):
            return per_leaf[0]
        if several:        # one Jacobian (with out's structure) per wrt
            return tuple(rebuild([p[i] for p in per_leaf]) for i in range(len(per_leaf[0])))
        return rebuild(per_leaf)

    jac.gradient = g
    jac.jacobian_of = ("rev", fn, wrt)
    jac.__name__ = f"jacrev_{getattr(fn, '__name__', 'f')}"
    return jac


def _size(x):
    if is_node(x):
        from .pytree import tree_leaves
        return sum(int(np.size(leaf)) for leaf in tree_leaves(x))
    return int(np.size(x))


def jacobian(fn, wrt=0, *, backend="python"):
    """The Jacobian of ``fn``, by forward mode where the input is smaller than
    the output (fewer tangents than cotangents), else by reverse mode."""
    rev = jacrev(fn, wrt, backend=backend)

    def jac(*args, **kwargs):
        if not isinstance(wrt, (tuple, list)):
            k = wrt if isinstance(wrt, int) else None
            if k is not None and k < len(args):
                out = fn(*args, **kwargs)
                if _size(args[k]) < _size(out):
                    return jacfwd(fn, wrt, backend=backend)(*args, **kwargs)
        return rev(*args, **kwargs)

    return jac


def hessian(fn, wrt=0, *, backend="python", mode="fwd"):
    """The Hessian of the scalar function ``fn`` with respect to argument
    ``wrt``: shape ``x.shape + x.shape``.

    ``mode="fwd"`` (the default): forward over reverse, ``jacfwd(grad(fn))``:
    one compiled function ``f_grad_jvp`` (forward mode over the gradient's
    generated graph, forward_over.py), called once per number of ``x``
    (``x.size`` calls, each a small constant times a gradient).  A container
    argument (dict, list) is differentiated by reverse over reverse, which
    handles pytrees.  ``mode="rev"``: reverse over reverse,
    ``jacrev(grad(fn))``: ``x.size`` calls of ``grad(grad(fn))`` with unit seeds."""
    if isinstance(wrt, (tuple, list)):
        raise TypeError("hessian takes one wrt (an index or a name); for mixed partials "
                        "nest jacfwd(grad(f, wrt=i), wrt=j)")
    if mode not in ("fwd", "rev"):
        raise ValueError(f"hessian: mode must be 'fwd' (forward over reverse) or 'rev' "
                         f"(reverse over reverse), not {mode!r}")
    g = grad(fn, wrt=wrt, backend="python" if mode == "fwd" else backend)
    rev = jacrev(g, wrt, backend=backend)
    if mode == "rev":
        return rev
    fwd = jacfwd(g, wrt, backend=backend)
    k = g._wrt_index(wrt)

    def hess(*args, **kwargs):
        x = args[k] if isinstance(k, int) and k < len(args) else None
        if is_node(x):
            return rev(*args, **kwargs)
        return fwd(*args, **kwargs)

    hess.gradient = g
    hess.__name__ = f"hessian_{getattr(fn, '__name__', 'f')}"
    return hess


def hvp(fn, wrt=0, *, backend="python", mode="fwd"):
    """``hvp(f)(*args, v)``: the Hessian of ``f`` with respect to ``wrt``
    times ``v`` (``v`` shaped like that argument), no Hessian formed.
    ``mode="fwd"`` (the default): the jvp of ``grad(f)`` in direction ``v``
    (forward over reverse: one call of ``f_grad_jvp``).  ``mode="rev"``:
    ``grad(grad(f))(x, seed=v)``, the gradient of ``<grad f(x), v>``."""
    if mode not in ("fwd", "rev"):
        raise ValueError(f"hvp: mode must be 'fwd' (forward over reverse) or 'rev' "
                         f"(reverse over reverse), not {mode!r}")
    if mode == "rev":
        d2 = grad(grad(fn, wrt=wrt, backend=backend), wrt=wrt, backend=backend)
    else:
        g = grad(fn, wrt=wrt)
        d2 = forward_over(g, wrt=g._wrt_index(wrt), backend=backend, tangent_only=True)

    def product(*args, **kwargs):
        if not args:
            raise TypeError("hvp(f)(*args, v): pass the vector v after f's arguments")
        *primals, v = args
        if mode == "rev":
            return d2(*primals, seed=v, **kwargs)
        return d2.call(tuple(primals), (v,), kwargs=kwargs)[1]

    product.second_derivative = d2
    return product
