"""A compiled gradient called inside a differentiated function.

Example (Pearlmutter and Siskind's particle: a force field that is the
gradient of a potential, inside a simulation that is differentiated)::

    dpot = grad(potential, wrt=(0, 1))

    def simulate(w):
        ...
        f0, f1 = dpot(x0, x1, w)        # a call of a compiled function
        ...
    grad(simulate)(w)                   # d/dw through the inner gradient

The builder sees ``dpot`` as a callee it cannot inline (it has no source of
its own), so the call stays one instruction of the graph.  Its derivative
rules are made here, from the compiled functions of ``dpot`` itself: the
cotangent of argument ``k`` is ``grad(grad(potential, wrt=i), wrt=k)`` at the
call's arguments with the cotangent of result ``i`` as its seed (the second
derivative, nested.py), and the tangent is ``jvp`` over the gradient
(forward_over.py).  Each is compiled once per kind of arguments, when the
generated code first runs it; no finite differences, no tape.

Covered: ``grad`` and ``value_and_grad`` of a function (any ``wrt``), and a
gradient of a gradient with one ``wrt``, and the jvp function
``jvp(f, wrt=...)``.  Not covered (a ``NoRuleError`` naming the call):
``has_aux``, functions with ``*args``, ``**kwargs`` or bound arguments, and
derivatives of order three through such a call (its rules are called, not
differentiated); a call with ``seed=`` is a ``TypeError`` when it runs.
"""
from __future__ import annotations

import numpy as np

from . import api, forward_api
from .api import GradFunction
from .forward_over import TangentFunction
from .nested import NestedGrad
from .rules.registry import Rule, declare, rules_on_demand

__all__ = ["CalleeVjp", "CalleeJvp"]


def _plan(c):
    """``(base, parts, with_value)`` for a supported compiled function ``c``:
    its result is ``[value,] grad_0, grad_1...`` where grad_i is the
    gradient of ``base`` with respect to argument ``parts[i]``; None if
    ``c`` is not supported."""
    if getattr(c, "has_aux", False) or getattr(c, "_sig", None) is not None \
            or getattr(c, "_bound", ()):
        return None
    if type(c) is GradFunction:
        return c.fn, c.wrt, c.return_value
    if (type(c) is NestedGrad and c.single and not c.return_value) or type(c) is TangentFunction:
        return c, None, False          # one result: differentiated as a whole
    return None


def _positional(c, args, kwargs):
    """The call's arguments as one positional list (defaults filled in)."""
    if "seed" in kwargs:
        raise TypeError(f"{c.emit_name}(..., seed=...) inside a differentiated function is "
                        "not differentiated: call it without seed= and multiply its result")
    if not kwargs:
        return list(args)
    if not hasattr(c, "_bind"):
        raise TypeError(f"{c.emit_name} takes positional arguments only")
    return list(c._bind(list(args), dict(kwargs)))


def _tree_zeros(x):
    if isinstance(x, (tuple, list)):
        return type(x)(_tree_zeros(v) for v in x)
    if isinstance(x, dict):
        return {k: _tree_zeros(v) for k, v in x.items()}
    return np.zeros_like(x) if isinstance(x, np.ndarray) else 0.0 * x


def _add(a, b):
    if a is None:
        return b
    if isinstance(a, (tuple, list)):
        return type(a)(_add(x, y) for x, y in zip(a, b))
    return a + b


def _results(c, g, plan):
    """``[(function, wrt, cotangent)]``: each part of ``c``'s result as a
    gradient function, and the cotangent ``g`` gives it (None: no part)."""
    base, parts, with_value = plan
    if parts is None:                              # one result, the whole of c
        return [(None, None, g)]
    out = []
    grads = g
    if with_value:
        value_g, grads = g
        out.append((base, "value", value_g))
    single = not isinstance(c._wrt_spec, (tuple, list))
    pieces = (grads,) if single else tuple(grads)
    for p, u in zip(parts, pieces):
        out.append((base, p, u))
    return out


class _CalleeRule:
    """A rule of argument ``k`` of a call of the compiled ``c`` (picklable:
    ``c`` pickles by reference to its function)."""
    kind = ""

    def __init__(self, c, k):
        self.c, self.k = c, k
        self.__name__ = f"{c.emit_name}_{self.kind}_{k}"

    def __reduce__(self):
        return type(self), (self.c, self.k)


class CalleeVjp(_CalleeRule):
    """``rule(g, ans, *args, **kwargs)`` -> the cotangent of ``args[k]``."""
    kind = "vjp"

    def __call__(self, g, ans, *args, **kwargs):
        c, k = self.c, self.k
        plan = _plan(c)
        vals = _positional(c, args, kwargs)
        total = None
        for base, part, u in _results(c, g, plan):
            if u is None:
                continue
            if base is None:                        # c's whole result: grad of c
                term = api.grad(c, wrt=k)(*vals, seed=u)
            elif part == "value":                   # value_and_grad's value: a gradient
                term = api.grad(base, wrt=k, backend=c.backend)(*vals, seed=u)
            else:                                   # gradient part: a second derivative
                inner = api.grad(base, wrt=part, backend=c.backend)
                term = api.grad(inner, wrt=k)(*vals, seed=u)
            total = _add(total, term)
        return _tree_zeros(vals[k]) if total is None else total


class CalleeJvp(_CalleeRule):
    """``rule(t, ans, *args, **kwargs)`` -> the tangent of ``c``'s result
    that the tangent ``t`` of ``args[k]`` causes."""
    kind = "jvp"

    def __call__(self, t, ans, *args, **kwargs):
        jvp = forward_api.jvp
        c, k = self.c, self.k
        base, parts, with_value = _plan(c)
        vals = _positional(c, args, kwargs)
        tangents = tuple(t if j == k else None for j in range(len(vals)))
        if parts is None:
            return jvp(c, tuple(vals), tangents)[1]
        outs = []
        if with_value:
            outs.append(jvp(base, tuple(vals), tangents)[1])
        for p in parts:
            inner = api.grad(base, wrt=p, backend=c.backend)
            outs.append(jvp(inner, tuple(vals), tangents)[1])
        single = not isinstance(c._wrt_spec, (tuple, list))
        grads = outs[-1] if single else tuple(outs[int(with_value):])
        return (outs[0], grads) if with_value else grads


@rules_on_demand
def callee_rule(c):
    """The rule table entry of the compiled function ``c``, or None."""
    if not isinstance(c, (GradFunction, TangentFunction)):
        return None
    plan = _plan(c)
    n = len(c.arg_names)
    if plan is None:                         # the NoRuleError at the call says why
        return Rule(primal=c, name=c.emit_name, vjps=(None,) * n, params=tuple(c.arg_names),
                    doc="a compiled function called inside a differentiated one is "
                        "differentiated only if it is grad or value_and_grad of a function "
                        "without has_aux or *args, or grad of such a gradient with one wrt",
                    pure=True, raises=True)
    _, parts, with_value = plan
    tuple_result = with_value or (parts is not None and isinstance(c._wrt_spec, (tuple, list)))
    return Rule(primal=c, name=c.emit_name,
                vjps=tuple(CalleeVjp(c, k) for k in range(n)),
                params=tuple(c.arg_names), multiple_results=tuple_result,
                jvps=tuple(CalleeJvp(c, k) for k in range(n)),
                pure=True, raises=True)


# grad(f), value_and_grad(f, wrt=1), jvp(f, wrt=0) inside a compiled function are
# evaluated while its graph is built: their results are the callees above
declare(api.grad, api.value_and_grad, forward_api.jvp, fold="build")
