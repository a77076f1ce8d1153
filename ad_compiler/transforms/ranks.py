"""Rank inference: how many dimensions each value of a graph has, where
that follows from the ranks of the parameters.  One inference serves every
consumer: scalar specialisation (``specialize.known_scalars``: which values
are numbers) and the Numba backend (``np.ndim(v)`` folded to a constant).

Example, for ``f(x, w)`` called with a 2-D ``x`` and a number ``w``::

    t1 = getattr.shape x        rank 1 (a tuple of ints)
    t2 = getitem t1 0           rank 0 (an item of it)
    t3 = mul x w                rank 2 (elementwise: the largest)
    t4 = np.sum t3              rank 0 (a reduction over every axis)
    t5 = getitem x (t2, t2)     rank 0 (as many scalar indices as x has axes)

How a primitive's result rank follows from its operands' is its ``rank``
(with ``elementwise`` and ``scalar_preserving``) in the rule table
(``rules/registry.py``); here only the IR's structure is handled: stacks
(a ``pop`` has the rank of every value pushed), block parameters (the rank
all incoming values agree on; ``None`` and ``UNSET`` passed on a path
that never reads the value do not count) and the index tuples of
``getitem``.  The inference is optimistic (values inside a loop start as
"not known yet" and are lowered until nothing changes), so a loop-carried
accumulator keeps the rank of its initial value when the body does.
"""
from __future__ import annotations

import numbers
from collections import deque
from dataclasses import dataclass

import numpy as np

from ..ir import ops
from ..ir.nodes import Const, Var
from ..rules.registry import PENDING, broadcast_rank, props

__all__ = ["Ranks", "infer_ranks"]


@dataclass(frozen=True)
class Ranks:
    """The result: ``known`` maps values to their rank; ``sequences`` holds
    the values that may be tuples (of ints, ``x.shape``) rather than arrays:
    their rank is that of ``np.asarray(v)``, but they are no ``np.ndarray``;
    ``zero_d`` those of rank 0 that may be 0-d arrays rather than numbers
    (``np.where`` of numbers, and what is computed from one)."""

    known: dict
    sequences: frozenset
    zero_d: frozenset = frozenset()

    def scalars(self):
        """The values known to be numbers."""
        return {v for v, r in self.known.items() if r == 0 and v not in self.zero_d}


def _const_rank(value):
    if type(value) in (int, float, bool) or isinstance(value, (numbers.Number, np.generic)):
        return 0
    if isinstance(value, np.ndarray):
        return value.ndim
    return None


def _lower(old, new):
    """The lattice step: PENDING, then one rank, then None (unknown) for good."""
    if old is PENDING:
        return new
    if old is None or new is PENDING or old == new:
        return old
    return None


def _agree(ranks):
    """The rank values passed to a block parameter agree on."""
    known = [r for r in ranks if r is not PENDING]
    if any(r is None for r in known):
        return None
    if not known:
        return PENDING
    return known[0] if all(r == known[0] for r in known) else None


def infer_ranks(g, param_ranks):
    """The ranks of ``g``'s values, given ``param_ranks`` (``{param: rank}``
    for the entry parameters whose rank is known)."""
    pushed, tuples = {}, {}
    for ins in g.instructions():
        if ins.fn in ops.TAPE_STORE:
            pushed.setdefault(ins.args[0], []).append(ins.args[-1])
        elif ins.fn is ops.make_tuple and ins.out is not None:
            tuples[ins.out] = ins.args
    edges = {p: args for p, args in g.incoming().items() if p not in g.entry.params}
    rank = {p: r for p, r in param_ranks.items() if r is not None}
    instrs = [i for i in g.instructions() if i.out is not None]
    for v in list(edges) + [i.out for i in instrs]:
        rank[v] = PENDING

    def r(x):
        return _const_rank(x.value) if isinstance(x, Const) else rank.get(x)

    def index_count(idx):
        """How many scalar positions an index has (None: not all scalars;
        ``x[True]`` adds an axis)."""
        if isinstance(idx, Const) and type(idx.value) is bool:
            return None
        ri = r(idx)
        if ri is PENDING:
            return PENDING
        if ri == 0:
            return 1
        if isinstance(idx, Const) and isinstance(idx.value, tuple) and all(
                type(e) is int for e in idx.value):
            return len(idx.value)
        items = tuples.get(idx)
        if items is not None and any(r(e) is PENDING for e in items):
            return PENDING
        if items is not None and all(r(e) == 0 and not (isinstance(e, Const) and
                                                        type(e.value) is bool) for e in items):
            return len(items)
        return None

    def basic_rank(base, idx):
        """The rank of ``x[idx]`` for a basic index of slices, ``None``s
        (new axes) and scalar positions (``x[:, None, 0]``: rank of x - 1 + 1),
        or None (an array, a bool, ``...`` or anything not known)."""
        if type(base) is not int:
            return None
        if isinstance(idx, Const) and isinstance(idx.value, tuple):
            items = [Const(e) for e in idx.value]
        elif isinstance(idx, Const) or idx not in tuples:
            items = [idx]
        else:
            items = list(tuples[idx])
        used = added = dropped = 0
        for e in items:
            if isinstance(e, Const) and isinstance(e.value, slice):
                used += 1
            elif isinstance(e, Const) and e.value is None:
                added += 1
            elif isinstance(e, Const) and type(e.value) is bool:
                return None
            elif r(e) == 0 and not (isinstance(e, Const) and not isinstance(
                    e.value, (int, np.integer))):
                used += 1
                dropped += 1
            else:
                return None
        return base - dropped + added if used <= base else None

    def shape_rank(shape):
        rs = r(shape)
        if rs is PENDING:
            return PENDING
        if rs == 0:
            return 1
        if isinstance(shape, Const) and isinstance(shape.value, tuple):
            return len(shape.value)
        return len(tuples[shape]) if shape in tuples else None

    def infer(ins):
        fn, a, kw = ins.fn, ins.args, ins.kwargs
        if fn in ops.TAPE_LOAD:
            return _agree([r(x) for x in pushed.get(a[0], [None])])
        p = props(fn)
        rule = p.rank
        if rule == "scalar":
            return 0
        if rule == "reduction":
            return 0 if len(a) == 1 and not kw else None
        if rule == "shape":
            return 1
        if rule == "sized":
            return shape_rank(a[0]) if a else None
        if rule == "index":
            if len(a) < 2:
                return None
            base, count = r(a[0]), index_count(a[1])
            if base is PENDING or count is PENDING:
                return PENDING
            if type(base) is int and base > 0 and count == base:
                return 0
            return basic_rank(base, a[1])
        if type(rule) is int:
            return r(a[rule]) if len(a) > rule else None
        if callable(rule):                 # called once every operand's rank is settled
            ranks = [r(x) for x in a]
            return PENDING if PENDING in ranks else rule(ranks, tuple(k for k, _ in kw))
        if (p.elementwise or p.scalar_preserving) and a and not kw:
            ranks = [r(x) for x in a]
            if p.elementwise:
                return broadcast_rank(ranks)
            if all(x == 0 for x in ranks):
                return 0
            return PENDING if all(x is PENDING or x == 0 for x in ranks) else None
        return None

    def unused_path(x):
        return isinstance(x, Const) and (x.value is None or x.value is ops.UNSET)

    if SWEEPS:
        _sweep(instrs, edges, rank, infer, r, unused_path)
    else:
        _worklist(instrs, edges, rank, infer, r, unused_path, pushed, tuples)
    known = {v: k for v, k in rank.items() if type(k) is int}
    sequences = _made_from(g, {i.out for i in instrs if props(i.fn).rank == "shape"}, edges,
                           lambda ins: ins.operands())
    zero_d = _made_from(g, {i.out for i in instrs if props(i.fn).zero_d and known.get(i.out) == 0},
                        edges, _array_sources, keep=lambda v: known.get(v) == 0)
    return Ranks(known, frozenset(sequences), frozenset(zero_d))


# False: the fixpoint by a worklist (a value's readers are evaluated again when
# its rank changes); True: by sweeps over the whole graph until nothing changes,
# the reference the worklist is checked against (tests/compiler/test_ranks.py).
# Both reach the same fixpoint: every step only lowers a rank (_lower), and a
# rank computed from lower operand ranks is never higher.
SWEEPS = False


def _sweep(instrs, edges, rank, infer, r, unused_path):
    changed = True
    while changed:
        changed = False
        for ins in instrs:
            new = _lower(rank[ins.out], infer(ins))
            if new != rank[ins.out]:
                rank[ins.out] = new
                changed = True
        for p, args in edges.items():
            new = _lower(rank[p], _agree([PENDING if unused_path(x) else r(x) for x in args]))
            if new != rank[p]:
                rank[p] = new
                changed = True


def _worklist(instrs, edges, rank, infer, r, unused_path, pushed, tuples):
    """The sweeps' fixpoint, evaluating an instruction (or a block
    parameter) again only when a rank it reads has changed: what it reads
    are its operands, the values pushed on a tape it loads from, and the
    items of a tuple operand (an index or a shape)."""
    readers = {}

    def reads(v, item):
        if isinstance(v, Var):
            readers.setdefault(v, []).append(item)
    for ins in instrs:
        for x in ins.operands():
            reads(x, ins)
            for e in tuples.get(x, ()):
                reads(e, ins)
        if ins.fn in ops.TAPE_LOAD:
            for x in pushed.get(ins.args[0], ()):
                reads(x, ins)
    for p, args in edges.items():
        for x in args:
            reads(x, p)
    work = deque(instrs)
    work.extend(edges)
    waiting = {id(item) for item in work}
    while work:
        item = work.popleft()
        waiting.discard(id(item))
        if type(item) is Var:
            v = item
            new = _lower(rank[v], _agree([PENDING if unused_path(x) else r(x)
                                          for x in edges[v]]))
        else:
            v = item.out
            new = _lower(rank[v], infer(item))
        if new != rank[v]:
            rank[v] = new
            for u in readers.get(v, ()):
                if id(u) not in waiting:
                    waiting.add(id(u))
                    work.append(u)


def _array_sources(ins):
    """The operands whose being a 0-d array may make the result one: none for
    a result that is a number (``len``, ``np.sum(x)``), argument k for a
    result shaped like it, else any."""
    rule = props(ins.fn).rank
    if rule in ("scalar", "reduction", "shape"):
        return ()
    if type(rule) is int:
        return ins.args[rule:rule + 1]
    return ins.operands()


def _made_from(g, seeds, edges, sources, keep=lambda v: True):
    """``seeds`` and every value made from one (that ``keep`` accepts): by an
    instruction (from the operands ``sources(ins)`` names), a block parameter
    it is passed to, or a stack it is pushed on (and so what is popped from it)."""
    made = set(seeds)
    changed = bool(made)
    while changed:
        changed = False
        for ins in g.instructions():
            if ins.fn in ops.TAPE_STORE and isinstance(ins.args[-1], Var) and ins.args[-1] in made \
                    and ins.args[0] not in made:
                made.add(ins.args[0])
                changed = True
            elif ins.out is not None and ins.out not in made and keep(ins.out) and any(
                    isinstance(a, Var) and a in made for a in sources(ins)):
                made.add(ins.out)
                changed = True
        for p, args in edges.items():
            if p not in made and keep(p) and any(isinstance(a, Var) and a in made for a in args):
                made.add(p)
                changed = True
    return made
