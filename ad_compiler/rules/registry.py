"""The one table of derivative rules, keyed by the primal callable.

Example: ``defvjp(np.sin, sin_x)`` with ``def sin_x(g, ans, x): return g * np.cos(x)``

    lookup(np.sin)            -> Rule(primal=np.sin, vjps=(sin_x,), ...)
    compiler: inlines ``g * np.cos(x)`` with g, x renamed to SSA names
    tape:     calls ``sin_x(g, ans, x)`` on NumPy arrays

A vector-Jacobian rule for argument ``k`` is a plain function
``vjp(g, ans, *args, **kwargs)`` whose parameters after ``g`` and ``ans``
carry the *same names and defaults as the primal's parameters*: the compiler
binds a call's arguments to them by name.  It returns the contribution of
``g`` (the cotangent of ``ans``) to argument ``k``, with that argument's
shape (use :func:`ad_compiler.runtime.unbroadcast` after broadcasting ops).
A rule whose body is a single ``return EXPR`` is inlined into generated
code; longer rules are called.  A primal with ``*args`` (``np.einsum``) gets
rules with ``*args`` too, one per position.  Bound methods of NumPy objects
(``x.sum``, ``rng.normal``) find the rule of the unbound method.
A primal that returns a tuple for some arguments only (``np.linalg.svd``
with ``compute_uv=False`` returns one array) gives ``multiple_results`` a
predicate of the call's arguments instead of ``True``.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

__all__ = ["Rule", "defvjp", "defjvp", "nondifferentiable", "lookup", "all_rules", "rule_key", "primal_name",
           "DYNAMIC", "static_argument"]


@dataclass(frozen=True)
class Rule:
    """Everything about one primitive, in one place."""

    primal: object
    name: str                                # e.g. "np.sin", "operator.mul"
    vjps: tuple                              # per positional parameter: fn or None
    params: tuple = ()                       # primal parameter names (from the vjps)
    linear: bool = False                     # the primal is linear in its diff args
    nondiff: bool = False                    # zero gradient, never an error
    multiple_results: object = False         # returns a tuple; g is a tuple with
                                             # None for results that got no cotangent;
                                             # or a predicate of the call's arguments
    doc: str = ""
    keywords: tuple = ()                     # (name, k): a keyword-only parameter
                                             # that is positional argument k's alias
    jvps: tuple = ()                         # forward mode, per positional parameter:
                                             # jvp(t, ans, *args) -> tangent of ans (defjvp)

    def vjp(self, k):
        """The rule for positional argument ``k`` (None: not differentiable)."""
        return self.vjps[k] if k < len(self.vjps) else None

    def jvp(self, k):
        """The forward rule for positional argument ``k`` (None: none registered;
        a rule derived from a reverse one is built on first use)."""
        f = self.jvps[k] if k < len(self.jvps) else None
        return f.resolve() if hasattr(f, "resolve") else f

    def returns_tuple(self, *args, **kwargs):
        """Whether ``primal(*args, **kwargs)`` returns a tuple of results (then
        its ``g`` is a tuple).  A predicate reads its arguments through
        :func:`static_argument`, which refuses ``DYNAMIC`` (a value the
        compiler only knows at run time)."""
        m = self.multiple_results
        if not callable(m):
            return bool(m)
        r = m(*args, **kwargs)
        return None if r is None else bool(r)

    def diff_argnums(self):
        return tuple(k for k, f in enumerate(self.vjps) if f is not None)


_RULES: dict = {}


class _Dynamic:
    def __repr__(self):
        return "DYNAMIC"


DYNAMIC = _Dynamic()       # an argument whose value is only known when the code runs


def static_argument(value, name):
    """``value``, which decides the structure of a primal's result; a
    ``TypeError`` naming it if it is ``DYNAMIC``."""
    if value is DYNAMIC:
        raise TypeError(f"argument '{name}' decides whether the result is a tuple, so it must "
                        "be a constant (not a variable) where the result is differentiated")
    return value


_METHOD_OWNERS = (np.ndarray, np.random.Generator, np.random.RandomState)


def rule_key(fn):
    """Key used in the table: bound methods of numpy types map to the unbound one
    (``x.sum`` -> ``np.ndarray.sum``, ``rng.normal`` -> ``np.random.Generator.normal``,
    ``np.random.rand`` -> ``np.random.RandomState.rand``)."""
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, _METHOD_OWNERS):
        unbound = getattr(type(owner), getattr(fn, "__name__", ""), None)
        if unbound is not None:
            fn = unbound
    try:
        hash(fn)
    except TypeError:
        return id(fn)
    return fn


def primal_name(fn) -> str:
    """A short, stable display name: ``np.sin``, ``np.linalg.inv``,
    ``np.ndarray.sum``, ``operator.mul``, ``math.exp``, ``abs``."""
    qual = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    if type(fn).__name__ == "method_descriptor" and qual.startswith("ndarray."):
        return "np." + qual
    if getattr(fn, "__self__", None) is getattr(np.random, "mtrand")._rand:
        return "np.random." + fn.__name__              # np.random.rand, np.random.normal
    if qual.startswith(("Generator.", "RandomState.")):
        return "np.random." + qual
    mod = getattr(fn, "__module__", None) or ""
    if not mod and isinstance(fn, np.ufunc) and getattr(np, fn.__name__, None) is fn:
        mod = "numpy"                                  # NumPy < 2.2: ufuncs have no __module__
    if mod.startswith("numpy.random.") and getattr(np.random, qual, None) is fn:
        return "np.random." + qual                     # (NumPy < 2.2 names the private module)
    if mod == "numpy" or mod.startswith("numpy."):
        return "np" + mod[len("numpy"):] + "." + qual
    if mod == "_operator":
        mod = "operator"
    if mod == "builtins":
        return qual
    return f"{mod}.{qual}" if mod else qual


def _param_names(vjps):
    """The primal's positional parameter names (after ``g, ans``), up to a
    ``*args``: a keyword names positional argument ``params.index(name)``."""
    for f in vjps:
        if f is not None:
            params = list(inspect.signature(f).parameters.values())[2:]
            return tuple(p.name for p in params
                         if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    return ()


def defvjp(primal, *vjps, linear=False, multiple_results=False, name=None, doc="",
           keywords=None):
    """Register reverse-mode rules for ``primal``: one per positional argument
    (``None`` for an argument that has no derivative).  ``keywords`` maps a
    keyword-only alias to the positional argument whose rule it shares
    (``np.clip``'s ``min`` is ``a_min``).  Returns the Rule."""
    for f in vjps:
        params = inspect.signature(f).parameters.values() if f is not None else ()
        if any(p.kind is p.VAR_POSITIONAL for p in params):
            continue                          # (g, ans, *operands): einsum, atleast_1d...
        if f is not None and len(params) < 2 + len(vjps):
            raise TypeError(f"vjp rule {f.__name__} must take (g, ans, *args) with one "
                            f"parameter per argument of {primal_name(primal)}")
    rule = Rule(primal=primal, name=name or primal_name(primal), vjps=tuple(vjps),
                params=_param_names(vjps), linear=linear,
                multiple_results=multiple_results, doc=doc,
                keywords=tuple((keywords or {}).items()),
                jvps=getattr(_RULES.get(rule_key(primal)), "jvps", ()))   # (defjvp kept)
    _RULES[rule_key(primal)] = rule
    return rule


def defjvp(primal, *jvps):
    """Register forward-mode rules for ``primal`` next to its reverse ones:
    one per positional argument (``None`` for none), each
    ``jvp(t, ans, *args, **kwargs)`` with the vjp's parameters, returning
    the tangent of ``ans`` (its shape) that the tangent ``t`` of that
    argument causes.  A primal registered ``linear`` needs none (it is its
    own JVP: transforms/forward.py applies it to the tangents)."""
    rule = lookup(primal)
    if rule is None:
        rule = Rule(primal=primal, name=primal_name(primal), vjps=(None,) * len(jvps),
                    params=_param_names(jvps))
    from dataclasses import replace
    rule = replace(rule, jvps=tuple(jvps))
    _RULES[rule_key(primal)] = rule
    return rule


def nondifferentiable(*primals, doc=""):
    """Declare callables whose output carries no gradient (shape queries,
    comparisons, integer ops, random draws...).  Gradient through them is zero."""
    for p in primals:
        _RULES[rule_key(p)] = Rule(primal=p, name=primal_name(p), vjps=(), nondiff=True, doc=doc)


def lookup(fn):
    """The Rule for ``fn``, or None."""
    try:
        return _RULES.get(rule_key(fn))
    except TypeError:
        return None


def all_rules():
    """All registered rules, sorted by name (deterministic)."""
    return sorted(_RULES.values(), key=lambda r: r.name)
