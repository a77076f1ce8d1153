"""The operands of a call less those that pass the callee's defaults.

Example: ``unreduce(g, x, None, False, True)``, where ``unreduce``'s last three
parameters default to ``None, False, True``, prints as ``unreduce(g, x)``:
the same call, as a reader would write it.
"""
from __future__ import annotations

import inspect
from functools import lru_cache

from ..ir.nodes import Const

__all__ = ["without_defaults"]

_NO_DEFAULT = object()


@lru_cache(maxsize=None)
def _parameters(fn):
    """``(positional, by_name)`` of the Python function ``fn``: the default
    of each positional parameter in order, and of each parameter that can be
    passed by keyword (``_NO_DEFAULT``: none); None when it is not known.
    Read from the code object (``inspect.signature`` costs ~30 us a function
    and the emitter asks for every helper it names), except for a wrapper,
    whose signature is its ``__wrapped__``'s."""
    code = getattr(fn, "__code__", None)
    if code is None or hasattr(fn, "__wrapped__"):
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            return None
        positional = [_NO_DEFAULT if p.default is p.empty else p.default for p in params
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        by_name = {p.name: _NO_DEFAULT if p.default is p.empty else p.default for p in params
                   if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        return positional, by_name
    n, n_only, n_kw = code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount
    names = code.co_varnames[:n + n_kw]
    defaults = fn.__defaults__ or ()
    positional = [_NO_DEFAULT] * (n - len(defaults)) + list(defaults)
    kwdefaults = fn.__kwdefaults__ or {}
    by_name = {name: positional[k] for k, name in enumerate(names[:n]) if k >= n_only}
    by_name.update((name, kwdefaults.get(name, _NO_DEFAULT)) for name in names[n:])
    return positional, by_name


def _is_default(default, x):
    return default is not _NO_DEFAULT and isinstance(x, Const) and Const(default) == x


def without_defaults(fn, args, kwargs):
    """The operands of a call to the Python function ``fn`` less the
    trailing positional ones and the keywords that pass the parameter's
    default (``unreduce(g, x, None, False, True)`` -> ``unreduce(g, x)``):
    the same call, as a reader would write it.  Defaults compare by type
    and value (``False`` is not ``0``)."""
    found = _parameters(fn)
    if found is None:
        return args, kwargs
    positional, by_name = found
    args = list(args)
    while args and len(args) <= len(positional) and _is_default(positional[len(args) - 1], args[-1]):
        args.pop()
    kwargs = [(k, v) for k, v in kwargs if not (k in by_name and _is_default(by_name[k], v))]
    return tuple(args), tuple(kwargs)
