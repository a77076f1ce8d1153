"""Loops over parameters whose kind is known: ``iteration_keys`` dropped.

Example::

    for row in A: ...          # graph: t = iteration_keys A; n = len t; row = t[i]
                               # called with an ndarray A: t is A itself

``ir.build`` routes a loop over a value that might be a dict through
``rules.containers.iteration_keys`` (a dict's keys, the value itself
otherwise).  Each compiled variant knows its parameters' kinds
(``api._kind``); where a parameter is a NumPy array or a number the call is
the identity and is replaced by the parameter, so array loops compile as
before (and under Numba).  Dicts, sequences and other objects keep the
run-time decision.
"""
from __future__ import annotations

from ..rules.containers import iteration_keys
from .simplify import substitute

__all__ = ["resolve_iteration"]


def _never_dict(kind):
    return kind in ("s", "b") or (kind[:1] == "a" and kind[1:].isdigit())


def resolve_iteration(g, kinds):
    """``g`` without the ``iteration_keys`` calls on parameters whose kind
    (``kinds``, one per entry parameter) is an ndarray or a number."""
    plain = {p for p, k in zip(g.entry.params, kinds) if _never_dict(k)}
    m = {}
    for ins in g.instructions():
        if ins.fn is iteration_keys and len(ins.args) == 1 and ins.args[0] in plain:
            m[ins.out] = ins.args[0]
    if not m:
        return g
    g = substitute(g, m)
    from dataclasses import replace
    blocks = tuple(replace(b, instrs=tuple(i for i in b.instrs if i.out not in m))
                   for b in g.blocks)
    return replace(g, blocks=blocks)
