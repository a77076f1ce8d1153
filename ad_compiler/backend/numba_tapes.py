"""Typing the loop tapes for Numba: a preallocated NumPy array per tape of
numbers, a growable array per stack of numbers (numba_stacks.py), a
growable list otherwise.

Example: the gradient of ``for i in range(n): if s < 1.0: ...`` stores the
branch taken on each trip::

    t1_tape = [None] * n_trips        (python backend: a list of n entries)
    t1_tape[i] = t1                   t1 = s < 1.0: a bool on every trip

Numba cannot type ``[None] * n``; here the kind of every stored value is
inferred (``s < 1.0`` is a bool; ``x * i`` is a float when ``x`` is one, and
unknown when ``x`` is a parameter of unknown type), and the tape becomes

    t1_tape = new_bool_tape(n_trips)  (np.empty(n, np.bool_), nopython mode)

A tape whose values are not all numbers of one known kind (arrays,
tuples, a parameter's value) goes back to a growable stack
(``t1_stack.append(t1)`` ... ``t1_stack.pop()``): the loads of a tape
happen in the reverse order of its stores, so the stack reads the same
values.  Numba's lists grow by amortised doubling already; with
``GROWABLE_ARRAYS`` set, a stack (a ``while`` loop's, or one made here)
whose values are numbers of one kind becomes an array that doubles when
full instead (``t1_stack = new_bool_stack()``, numba_stacks.py).  That is
off: measured, Numba's list is as fast as a preallocated array and the
array twin (a jitclass) about twice as slow end to end (``python
benchmarks/bench_numba.py --nested``).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..ir import ops
from ..ir.nodes import Block, Call, Const
from ..rules.registry import props
from ..transforms.ranks import infer_ranks
from .numba_stacks import STACK_MAKERS

__all__ = ["typed_tapes", "value_kinds", "scalar_kinds", "TYPED_MAKERS", "new_bool_tape",
           "new_int_tape", "new_float_tape"]


def new_bool_tape(n):
    return np.empty(n, np.bool_)


def new_int_tape(n):
    return np.empty(n, np.int64)


def new_float_tape(n):
    return np.empty(n, np.float64)


_MAKERS = {"b": new_bool_tape, "i": new_int_tape, "f": new_float_tape}
GROWABLE_ARRAYS = False         # stacks of numbers as numba_stacks arrays, not Numba lists
TYPED_MAKERS = tuple(_MAKERS.values()) + tuple(STACK_MAKERS.values())   # what allocates
_PENDING = "?"


def _const_kind(v):
    if isinstance(v, bool):
        return "b"
    if isinstance(v, int):
        return "i"
    if isinstance(v, float):
        return "f"
    return None


def _join(kinds):
    """The kind Numba gives a value that is one of ``kinds`` (it unifies a
    bool with an int as an int, an int with a float as a float)."""
    ks = {k for k in kinds if k != _PENDING}
    if None in ks:
        return None
    if not ks:
        return _PENDING
    if len(ks) == 1:
        return ks.pop()
    return "f" if "f" in ks else "i"


def _kind_of_call(ins, kind):
    """From the table's ``number_kind`` (rules/number_kinds.py)."""
    if ins.fn in ops.TAPE_LOAD:
        return kind(ins.args[0])
    nk = props(ins.fn).number_kind
    if ins.kwargs or nk is None:
        return None
    if nk in ("bool", "int"):
        return nk[0]
    j = _join([kind(a) for a in ins.args])
    if j in (None, _PENDING):           # a float function of a value of unknown type
        return j
    return "f" if nk in ("float", "divide") else "i" if j == "b" else j


def scalar_kinds(args):
    """The kinds of the arguments that are numbers Numba types as a bool,
    an int64 or a float64 ("b", "i", "f"; None for anything else)."""
    out = []
    for a in args:
        t = type(a)
        out.append("b" if t in (bool, np.bool_) else "i" if t in (int, np.int64) else
                   "f" if t in (float, np.float64) else None)
    return tuple(out)


def value_kinds(g, ranks, param_kinds=None):
    """Var -> "b", "i", "f" (a bool, int or float number) or None (unknown)
    for the values of rank 0 (``ranks``: Var -> rank; ``param_kinds``: those
    of the parameters); a tape's kind is that of what is stored in it."""
    defs = {i.out: i for i in g.instructions() if i.out is not None}
    stored = {}
    for ins in g.instructions():
        if ins.fn in ops.TAPE_STORE:
            stored.setdefault(ins.args[0], []).append(ins.args[-1])
    incoming = {p: args for p, args in g.incoming().items() if p not in g.entry.params}
    kinds = {p: (param_kinds or {}).get(p) for p in g.entry.params}
    for v in list(incoming) + list(defs):
        kinds[v] = _PENDING

    def kind(a):
        if isinstance(a, Const):
            return _const_kind(a.value)
        return kinds.get(a)

    for _ in range(64):
        changed = False
        for v in list(kinds):
            if v in g.entry.params:
                continue
            if v in stored:
                k = _join([kind(a) for a in stored[v]])
            elif v in defs:
                k = _kind_of_call(defs[v], kind) if ranks.get(v) == 0 else None
            else:
                k = _join([kind(a) for a in incoming[v]]) if ranks.get(v) == 0 else None
            if k != kinds[v]:
                kinds[v] = k
                changed = True
        if not changed:
            break
    return {v: (None if k == _PENDING else k) for v, k in kinds.items()}


def typed_tapes(g, param_ranks, param_kinds=None):
    """``g`` with every ``new_tape`` made a typed NumPy array (its values are
    numbers of one kind) or turned back into a growable stack, and every
    stack of numbers of one kind a growable array (``param_ranks``,
    ``param_kinds``: what the arguments are)."""
    tapes = [i.out for i in g.instructions() if i.fn is ops.new_tape]
    stacks = [i.out for i in g.instructions() if i.fn is ops.new_stack]
    if not tapes and not stacks:
        return g
    ranks = infer_ranks(g, param_ranks).known
    kinds = value_kinds(g, ranks, param_kinds)
    made = {t: _MAKERS.get(kinds.get(t)) for t in tapes}
    grown = {s: STACK_MAKERS.get(kinds.get(s)) for s in tapes + stacks} if GROWABLE_ARRAYS else {}
    blocks = []
    early = []                  # tapes turned back into lists: made first, as stacks are
    for b in g.blocks:
        instrs = []
        for ins in b.instrs:
            tape = ins.out if ins.fn is ops.new_tape else \
                ins.args[0] if ins.fn in (ops.tape_store, ops.tape_load) else None
            if ins.fn is ops.new_stack and grown.get(ins.out) is not None:
                instrs.append(Call(ins.out, grown[ins.out], (), (), ins.loc))
            elif tape not in made:
                instrs.append(ins)
            elif made[tape] is not None:
                instrs.append(Call(ins.out, made[tape], ins.args, ins.kwargs, ins.loc)
                              if ins.fn is ops.new_tape else ins)
            elif ins.fn is ops.new_tape:       # (kind unknown: a list, made at entry:
                early.append(Call(ins.out, ops.new_stack, (), (), ins.loc))   # Numba 0.68 on
                #              3.13 left an empty list the loops fill untyped when a list
                #              was made after the count of a loop nest)
            elif ins.fn is ops.tape_store:
                instrs.append(Call(None, ops.push, (tape, ins.args[-1]), (), ins.loc))
            else:
                instrs.append(Call(ins.out, ops.pop, (tape,), (), ins.loc))
        blocks.append(Block(b.label, b.params, tuple(instrs), b.term))
    if early:
        entry = blocks[0]
        blocks[0] = Block(entry.label, entry.params, tuple(early) + entry.instrs, entry.term)
    return replace(g, blocks=tuple(blocks))

