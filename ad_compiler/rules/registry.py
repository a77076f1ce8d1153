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

The same entry says what every pass needs to know about the primitive
(see :data:`PROPERTIES`), given as keywords where it is registered::

    defvjp(operator.mul, mul_x, mul_y, elementwise=True, hoist=True, remat="cheap", ...)
    declare(runtime.unbroadcast, rank=1, shape_only=(1,))    # no rule, properties only
    props(np.sin).elementwise -> True      # passes ask props(fn), never a set of their own

A property not given is derived from the kind of callable (a ufunc is
elementwise and pure, a ``math`` function returns a number...), see
:func:`_kind_defaults`.  Attribute reads (``x.shape``: ``Attr("shape")``)
have entries too.
"""
from __future__ import annotations

import inspect
import types
import weakref
from dataclasses import dataclass, replace

import numpy as np

__all__ = ["Rule", "defvjp", "defjvp", "nondifferentiable", "declare", "props", "lookup", "all_rules",
           "all_entries", "rule_key", "primal_name", "DYNAMIC", "static_argument", "PROPERTIES",
           "RANK_RULES", "PENDING", "broadcast_rank", "like", "record_twin", "check_properties",
           "rules_on_demand"]


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
    # -- properties of the primitive (PROPERTIES; passes read them through props(fn)) --
    has_rules: bool = True       # False: declared for its properties only (declare());
                                 # lookup() and all_rules() do not return it
    pure: bool = False           # no effect: CSE may share its result, DCE drop it
    raises: object = True        # may raise (so an unused call still runs); False: never;
                                 # "on_sequences": only a TypeError for a tuple/list operand
    hoist: bool = False          # loop-invariant code motion may move it out of a loop
    remat: object = None         # the reverse pass recomputes it instead of stacking it:
                                 # "cheap" always, "pure" only in device code (remat="pure")
    cost: object = None          # what recomputing one call costs, in additions of two
                                 # floats (transforms/remat_cost.py weighs it against a
                                 # tape entry); None: "cheap" counts 1, else not recomputed
    number_kind: object = None   # on numbers, the kind of number it returns: "bool", "int",
                                 # "float", "promote" (its operands' widest of bool < int <
                                 # float; an int for two bools) or "divide" (a float); None:
                                 # unknown (backend/numba_tapes.py types tapes by it)
    elementwise: bool = False    # its positional operands broadcast: rank is the largest
    scalar_preserving: bool = False  # numbers in, a number out (max(a, b), pow)
    rank: object = None          # how its result's rank follows (RANK_RULES, an int k: the
                                 # rank of argument k, or fn(ranks, kwargs) -> rank, called
                                 # with each operand's rank, an int or None (unknown), and
                                 # the keyword names)
    zero_d: bool = False         # at rank 0 its result is a 0-d array, not a number
    fresh: bool = False          # returns a new array that accumulation may update in place
    views: tuple = ()            # arguments whose memory the result may share
    view_steps: bool = False     # the builder models writes through the result as writes
                                 # into argument 0 (ir/aliasing.py)
    view_reads: bool = False     # reads the arguments it may share (as well as sharing them)
    mutates: bool = False        # changes an argument in place (not modelled: refused)
    shape_only: tuple = ()       # arguments read only for their shape
    shape_of: object = None      # the result has argument k's shape (np.shape), called
                                 # without keywords: x.copy(), zero_like(x), unbroadcast(g, x)
    never_dict: bool = False     # its result is never a dict
    fold: object = False         # evaluated at compile time on constant arguments:
                                 # True, or "numbers" (only Python int/float/bool ones);
                                 # "build": by the builder, constant arguments required
                                 # (adc.grad(f) in a compiled function is a constant callee)
    numba_twin: object = None    # its @overload for Numba (backend/numba_twins.py)
    numba_function: object = None    # what Numba is given instead when called with keywords

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
           keywords=None, **properties):
    """Register reverse-mode rules for ``primal``: one per positional argument
    (``None`` for an argument that has no derivative).  ``keywords`` maps a
    keyword-only alias to the positional argument whose rule it shares
    (``np.clip``'s ``min`` is ``a_min``); ``properties`` are PROPERTIES of
    the primitive (``pure=False``, ``elementwise=True``...).  Returns the Rule."""
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
                jvps=getattr(_RULES.get(rule_key(primal)), "jvps", ()),   # (defjvp kept)
                **_properties(primal, True, properties))
    _store(rule)
    return rule


def defjvp(primal, *jvps):
    """Register forward-mode rules for ``primal`` next to its reverse ones:
    one per positional argument (``None`` for none), each
    ``jvp(t, ans, *args, **kwargs)`` with the vjp's parameters, returning
    the tangent of ``ans`` (its shape) that the tangent ``t`` of that
    argument causes.  A primal registered ``linear`` needs none (it is its
    own JVP: transforms/forward.py applies it to the tangents).  A primal
    without reverse rules keeps none (its entry carries properties and
    forward rules only: reverse mode still reports the missing rule)."""
    rule = _RULES.get(rule_key(primal))
    if rule is None:
        rule = Rule(primal=primal, name=primal_name(primal), vjps=(), params=_param_names(jvps),
                    has_rules=False, **_properties(primal, False, {}))
    elif not rule.params:
        rule = replace(rule, params=_param_names(jvps))
    _store(replace(rule, jvps=tuple(jvps)))
    return rule


def nondifferentiable(*primals, doc="", **properties):
    """Declare callables whose output carries no gradient (shape queries,
    comparisons, integer ops, random draws...).  Gradient through them is
    zero.  ``properties``: PROPERTIES they all share."""
    for p in primals:
        _store(Rule(primal=p, name=primal_name(p), vjps=(), nondiff=True, doc=doc,
                    **_properties(p, True, properties)))


def declare(*primals, name=None, nondiff=None, **properties):
    """Give ``primals`` PROPERTIES: on their entry if they have one (their
    rules stay), else on a new entry that carries properties only (the
    IR's own primitives, run-time helpers, attribute reads ``Attr("T")``).
    ``nondiff=True``: no gradient flows through the result (without making
    it a rule: a missing rule is still reported where one is needed)."""
    for p in primals:
        old = _RULES.get(rule_key(p))
        if old is not None:
            _DECLARED.setdefault(rule_key(p), {}).update(check_properties(properties))
            fields = dict(properties, **({} if nondiff is None else {"nondiff": nondiff}))
            _store(replace(old, **fields))
            continue
        label = name or (f"getattr.{p.name}" if type(p).__name__ == "Attr" else primal_name(p))
        _store(Rule(primal=p, name=label, vjps=(), has_rules=False, nondiff=bool(nondiff),
                    **_properties(p, False, properties)))


def record_twin(fn, twin):
    """Note ``twin`` as the Numba implementation of ``fn`` (numba_twins's
    ``@overload``s call this when they are registered)."""
    declare(fn, numba_twin=twin)


# -- properties --------------------------------------------------------------------------
PENDING = type("Pending", (), {"__repr__": lambda self: "PENDING"})()
"""A rank not known yet while ranks are inferred (transforms/ranks.py)."""

RANK_RULES = {
    "scalar": "always a number (len, float, math.sin, x.ndim)",
    "reduction": "a number when called with one argument and no keywords (np.sum(x))",
    "shape": "a tuple of ints: rank 1, its items numbers (x.shape)",
    "sized": "an array with as many dimensions as argument 0 has entries (np.zeros(shape))",
    "index": "argument 0 indexed by argument 1 (x[i, j])",
}


def broadcast_rank(ranks):
    """The rank of operands broadcast together (PENDING or None where one is)."""
    if any(r is None for r in ranks):
        return None
    if any(r is PENDING for r in ranks):
        return PENDING
    return max(ranks) if ranks else None


def like(k, shape_at=None):
    """A rank rule: the rank of argument ``k`` (``np.zeros_like(x)``), unless a
    ``shape`` argument (keyword, or positional argument ``shape_at``) gives
    the result another."""
    def rank(ranks, kwargs):
        if len(ranks) <= k or "shape" in kwargs or (shape_at is not None and len(ranks) > shape_at):
            return None
        return ranks[k]
    rank.__qualname__ = f"like({k})"
    return rank


PROPERTIES = {       # name -> (type(s) allowed, what it says); see the fields of Rule
    "pure": (bool, "no effect: CSE may share the result, DCE drop it"),
    "raises": ((bool, str), "may raise: True, False, or 'on_sequences'"),
    "hoist": (bool, "loop-invariant code motion may move it out of a loop"),
    "remat": ((type(None), str), "recomputed by the reverse pass: None, 'cheap' or 'pure'"),
    "cost": ((type(None), int, float), "cost of recomputing one call (float additions)"),
    "number_kind": ((type(None), str), "kind of number returned on numbers: None, 'bool', "
                                       "'int', 'float', 'promote' or 'divide'"),
    "elementwise": (bool, "broadcasts its positional operands"),
    "scalar_preserving": (bool, "numbers in, a number out"),
    "rank": ((type(None), str, int, object), "rank rule (RANK_RULES, an argument, a function)"),
    "zero_d": (bool, "at rank 0 its result is a 0-d array, not a number (np.where)"),
    "fresh": (bool, "returns a new array accumulation may update in place"),
    "views": (tuple, "arguments whose memory the result may share"),
    "view_steps": (bool, "writes through the result are modelled as writes into argument 0"),
    "view_reads": (bool, "reads the arguments it may share"),
    "mutates": (bool, "changes an argument in place"),
    "shape_only": (tuple, "arguments read only for their shape"),
    "shape_of": ((type(None), int), "without keywords, the result has argument k's shape"),
    "never_dict": (bool, "its result is never a dict"),
    "fold": ((bool, str), "evaluated at compile time on constants: False, True, 'numbers', "
                          "or 'build' (by the builder, which refuses other arguments: "
                          "adc.grad(f, wrt=1) inside a compiled function)"),
    "numba_twin": (object, "its Numba @overload"),
    "numba_function": (object, "the callable Numba is given instead when called with keywords"),
}
_CHOICES = {"raises": (True, False, "on_sequences"), "remat": (None, "cheap", "pure"),
            "number_kind": (None, "bool", "int", "float", "promote", "divide"),
            "fold": (False, True, "numbers", "build")}


def check_properties(properties):
    """``properties`` after checking names and types (a TypeError otherwise)."""
    for key, value in properties.items():
        if key not in PROPERTIES:
            raise TypeError(f"unknown property {key!r} of a primitive; known: "
                            f"{', '.join(PROPERTIES)}")
        kinds = PROPERTIES[key][0]
        if not isinstance(value, kinds) or (key in _CHOICES and value not in _CHOICES[key]):
            raise TypeError(f"property {key}={value!r}: {PROPERTIES[key][1]}")
        if key == "rank" and not (value is None or isinstance(value, int) or callable(value)
                                  or value in RANK_RULES):
            raise TypeError(f"rank={value!r}: one of {', '.join(RANK_RULES)}, an argument "
                            "position or a function of the arguments' ranks")
        if key in ("views", "shape_only") and not all(type(k) is int for k in value):
            raise TypeError(f"{key}={value!r}: a tuple of argument positions")
    return dict(properties)


_NOT_SCALAR_MATH = {"frexp", "modf"}          # math functions that return tuples
# recomputing a math function (scalars only): a libm call is about 20 additions
# (sin, exp, log ...); these few are a handful of instructions
_MATH_KIND = {"isnan": "bool", "isinf": "bool", "isfinite": "bool", "isclose": "bool",
              "floor": None, "ceil": None, "trunc": None, "factorial": None, "gcd": None,
              "lcm": None, "isqrt": None, "comb": None, "perm": None, "frexp": None, "modf": None}
_MATH_COST = {"fabs": 1, "copysign": 1, "sqrt": 6, "floor": 2, "ceil": 2, "trunc": 2,
              "isnan": 1, "isinf": 1, "isfinite": 1}


def _draws(fn):
    """A random draw: it changes its generator's state."""
    mod = getattr(fn, "__module__", None) or ""
    return mod.startswith("numpy.random") or "random" in (getattr(fn, "__qualname__", "") or "")


def _kind_defaults(fn):
    """The properties that follow from what kind of callable ``fn`` is."""
    import operator
    mod = getattr(fn, "__module__", None) or ""
    if type(fn).__name__ == "Attr":                # reading an attribute has no effect
        return {"pure": True}
    if type(fn).__name__ == "Method":              # a method of an unknown object
        return {}
    if isinstance(fn, np.ufunc):
        return {"pure": True, "elementwise": True, "hoist": fn.nout == 1, "never_dict": True,
                "raises": not (fn.nin == 1 and fn.nout == 1)}
    if mod == "math":
        name = getattr(fn, "__name__", "")
        return {"pure": True, "remat": "pure", "fold": "numbers", "cost": _MATH_COST.get(name, 20),
                "number_kind": _MATH_KIND.get(name, "float"),
                "rank": None if getattr(fn, "__name__", "") in _NOT_SCALAR_MATH else "scalar"}
    if mod == "_operator":
        return {"pure": True, "fold": "numbers",
                "never_dict": fn not in (operator.getitem, operator.or_)}
    out = {}
    if mod == "numpy" or mod.startswith("numpy."):
        out["never_dict"] = True
    if _draws(fn):
        out["pure"] = False
    elif mod.startswith("ad_compiler."):           # the compiler's own helpers
        out["raises"] = False
        if mod.startswith(("ad_compiler.runtime", "ad_compiler.rules")):
            out["pure"] = True
    return out


_DECLARED: dict = {}        # key -> the properties given for it so far (later ones win)


def _properties(fn, has_rules, given):
    """The property fields of a new entry: a primitive with rules computes its
    result from its arguments only (pure) unless it is a random draw; then
    what its kind says, then what was declared for it, in any order of the
    modules that register it (a rule registered after its properties keeps them)."""
    out = {"pure": False}
    out.update(_kind_defaults(fn))
    if has_rules and not _draws(fn):
        out["pure"] = True
    key = rule_key(fn)
    if given:
        _DECLARED.setdefault(key, {}).update(check_properties(given))
    out.update(_DECLARED.get(key, {}))
    return out


_DEFAULTS: dict = {}        # props of callables without an entry, by key (cleared on change)


# props by the callable itself, for those that are their own key (np.sin, ops.*,
# operator.mul): a compile asks ~3000 times, and rule_key's attribute reads were
# most of the cost of each answer (cleared on change, as _DEFAULTS)
_BY_CALLABLE: dict = {}


def _store(rule):
    _RULES[rule_key(rule.primal)] = rule
    _DEFAULTS.clear()
    _BY_CALLABLE.clear()


# Callable objects whose rules are made when a graph first calls one (a
# compiled gradient called inside a differentiated function:
# ad_compiler/callee_rules.py registers its maker): maker(obj) -> Rule or None.
# The rules live as long as the object and stay out of all_rules().
_MAKERS: list = []
_MADE = weakref.WeakKeyDictionary()
_PLAIN = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, np.ufunc, type,
          types.ModuleType)


def rules_on_demand(maker):
    """Register ``maker(obj) -> Rule or None``, asked for a callable object that
    has no entry of its own."""
    _MAKERS.append(maker)
    return maker


def _made(fn):
    if not _MAKERS or isinstance(fn, _PLAIN):
        return None
    try:
        rule = _MADE.get(fn)
    except TypeError:                      # not weakly referable: never one of these
        return None
    if rule is None:
        for maker in _MAKERS:
            rule = maker(fn)
            if rule is not None:
                _MADE[fn] = rule
                break
    return rule


def props(fn):
    """The entry for ``fn`` with all its properties (an entry built from the
    kind of callable where nothing was registered): never None."""
    try:
        return _BY_CALLABLE[fn]
    except (KeyError, TypeError):
        pass
    try:
        key = rule_key(fn)
        entry = _RULES.get(key)
    except TypeError:
        key, entry = None, None
    if entry is not None:
        if key is fn:
            _BY_CALLABLE[fn] = entry
        return entry
    if type(key) is int:                 # unhashable: keyed by id, which may be reused
        key = None
    entry = _DEFAULTS.get(key) if key is not None else None
    if entry is None:
        made = _made(fn)
        if made is not None:
            return made
        name = f"getattr.{fn.name}" if type(fn).__name__ == "Attr" else primal_name(fn)
        entry = Rule(primal=fn, name=name, vjps=(), has_rules=False,
                     **_properties(fn, False, {}))
        if key is not None:
            _DEFAULTS[key] = entry
    if key is fn:
        _BY_CALLABLE[fn] = entry
    return entry


def lookup(fn):
    """The Rule for ``fn`` (its derivative rules), or None."""
    try:
        rule = _RULES.get(rule_key(fn))
    except TypeError:
        return None
    if rule is None:
        rule = _made(fn)
    return rule if rule is not None and rule.has_rules else None


def all_rules():
    """All registered rules, sorted by name (deterministic)."""
    return sorted((r for r in _RULES.values() if r.has_rules), key=lambda r: r.name)


def all_entries():
    """Every entry, rules and declared properties alike, sorted by name."""
    return sorted(_RULES.values(), key=lambda r: r.name)
