"""``has_aux=True``: the function returns a pair ``(value, aux)``.

With one ``return (v, a)`` the returned operand is a ``make_tuple``; with
several it is a join of pairs (``bb9(out_8)``).  ``split_aux`` makes the
returned operand a ``make_tuple`` again in every case, reading its two items
from the join, so the reverse pass differentiates ``value`` and passes
``aux`` through::

    bb9(out_8):                     bb9(out_8):
      return out_8          ->        value = getitem out_8 0
                                      aux = getitem out_8 1
                                      t = make_tuple value aux
                                      return t

Where some returned operand is not visibly a pair, the compiled function
checks at run time that it is one, as ``has_aux`` requires.
"""
from __future__ import annotations

import operator
from dataclasses import replace

import numpy as np

from ..errors import NoRuleError
from ..ir import ops
from ..ir.nodes import Block, Call, Const, Return, Var
from ..ir.walk import definitions, value_names

__all__ = ["split_aux"]

_MESSAGE = "has_aux=True needs the function to return a pair (value, aux)"


def is_pair(v):
    """The run-time test where a returned operand may not be a pair."""
    return isinstance(v, (tuple, list)) and len(v) == 2


def _sources(g, out):
    """The operands that can reach the return, through block parameters
    (None: the placeholder of a return flag that was not set, never returned)."""
    incoming = g.incoming()
    seen, todo, found = set(), [out], []
    while todo:
        v = todo.pop()
        if isinstance(v, Var) and v in incoming:
            if v not in seen:
                seen.add(v)
                todo.extend(incoming[v])
        elif not (isinstance(v, Const) and v.value is None):
            found.append(v)
    return found


def split_aux(g, where):
    ret = next(b for b in g.blocks if isinstance(b.term, Return))
    out = ret.term.value
    defs = definitions(g)

    def arity(v):
        if isinstance(v, Const):
            return len(v.value) if isinstance(v.value, (tuple, list)) else -1
        d = defs.get(v)
        if d is not None and d.fn in (ops.make_tuple, ops.make_list):
            return len(d.args)
        if d is not None and d.fn is not operator.getitem and (
                isinstance(d.fn, np.ufunc) or
                getattr(d.fn, "__module__", None) in ("_operator", "math")):
            return -1                    # arithmetic: a number or an array
        return None                      # not known here

    d = defs.get(out)
    if d is not None and d.fn is ops.make_tuple and len(d.args) == 2:
        return g
    sources = _sources(g, out)
    known = [arity(v) for v in sources]
    if any(k is not None and k != 2 for k in known) or not sources:
        raise NoRuleError(_MESSAGE, fn_name=where, filename=g.filename, lineno=g.lineno)
    names = value_names(g)

    def fresh(base):
        k, name = 0, base
        while name in names:
            k += 1
            name = f"{base}_{k}"
        names.add(name)
        return Var(name)

    instrs = list(ret.instrs)
    if any(k is None for k in known):
        ok = fresh("is_pair")
        instrs += [Call(ok, is_pair, (out,)),
                   Call(None, ops.require, (ok, Const(TypeError), Const(
                       f"{_MESSAGE} [{where} ({g.filename}:{g.lineno})]")))]
    value, aux, res = fresh("value"), fresh("aux"), fresh("result")
    instrs += [Call(value, operator.getitem, (out, Const(0))),
               Call(aux, operator.getitem, (out, Const(1))),
               Call(res, ops.make_tuple, (value, aux))]
    new = Block(ret.label, ret.params, tuple(instrs), Return(res))
    return replace(g, blocks=tuple(new if b is ret else b for b in g.blocks))
