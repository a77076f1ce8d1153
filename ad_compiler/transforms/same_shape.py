"""Same-shape classes: ``unbroadcast(g, x)`` is ``g`` where ``g`` provably
has ``x``'s shape, so the adjoint of array code makes no shape checks.

Example, for ``f(x) = np.sum(np.sin(x) * np.cos(x) + x * x)`` (the joint
graph, each value's class after it)::

    t1 = np.sin x                    x   (an elementwise op of one operand)
    t3 = mul t1 t2                   x   (t1, t2 both of class x)
    out_bar = seed_cotangent seed out
    t5_bar = unreduce out_bar t5     x   (unreduce gives t5's shape: t5 is of class x)
    t3_bar = unbroadcast t5_bar t3   ->  dropped: t5_bar and t3 are both of class x

A class is named by its *root*, a value that dominates every member; a
member has, when it is defined, the shape the root has then (and so
wherever both are live: the root is not redefined while a member lives).
Anything the rules below do not cover is its own root, which is always
true, so the analysis only ever errs towards keeping a call:

* entry parameters are their own roots (two parameters are never assumed
  alike); every value of rank 0 (``transforms/ranks.py``) is in the class
  SCALAR (shape ``()``);
* an elementwise op (a ufunc of one result and no ``out``, ``operator.mul``,
  ``safe_mul``...; no keywords) whose operands are of one class or SCALAR
  is in that class; ``x.copy()``, ``x.astype(t)``, ``np.asarray(x)``... are
  in ``x``'s; ``unbroadcast``/``unreduce``/``zero_like``/``cast_like``/
  ``seed_cotangent`` of ``x`` are in ``x``'s (they return its shape);
* a block parameter is in the class of the values passed to it when they
  all are and its root dominates the block.  That is assumed first and
  checked after (a loop-carried value is of its initial value's class if
  the loop body keeps it there); a failed check drops the assumption and
  the classes are computed again.  A popped value is in the class of the
  values pushed when they all are and its root is defined in the entry
  block (defined once).

Arithmetic is trusted only on values known to be arrays or numbers (of
known rank and no tuple, ``Ranks.sequences``, or made by arithmetic from
such): ``(1, 2) * 2`` repeats, ``[x] + [x]`` concatenates.
"""
from __future__ import annotations

import operator
import re

import numpy as np

from .. import runtime
from ..ir import ops
from ..ir.nodes import Block, Call, Const, Var, region_labels
from ..ir.walk import successors
from ..rules.registry import props
from .ranks import infer_ranks
from .simplify import _replace, substitute

__all__ = ["SCALAR", "shape_classes", "drop_same_shape"]

SCALAR = type("Scalar", (), {"__repr__": lambda self: "SCALAR"})()
"""The class of the values of shape ``()`` (numbers, 0-d arrays)."""



def _broadcasts(ins):
    """Whether ``ins``'s result has its positional operands' broadcast shape."""
    fn = ins.fn
    if ins.kwargs or not ins.args or not props(fn).elementwise:
        return False
    if isinstance(fn, np.ufunc):       # no gufunc (matmul), no out= argument, one result
        return fn.signature is None and fn.nout == 1 and len(ins.args) == fn.nin
    return True                        # operator.mul, abs, safe_mul, pow_slope ...


def _shape_of(ins):
    """The argument whose shape ``ins``'s result has (``shape_of``), or None."""
    k = props(ins.fn).shape_of
    return k if k is not None and not ins.kwargs and len(ins.args) > k else None


def _dominators(g):
    """label -> the labels of the blocks that dominate it (itself included)."""
    labels = [b.label for b in g.blocks]
    preds = {lb: [] for lb in labels}
    for b in g.blocks:
        for s in successors(b.term):
            preds[s].append(b.label)
    dom = {lb: set(labels) for lb in labels}
    dom[labels[0]] = {labels[0]}
    changed = True
    while changed:
        changed = False
        for lb in labels[1:]:
            new = set.intersection(*(dom[p] for p in preds[lb])) if preds[lb] else set()
            new.add(lb)
            if new != dom[lb]:
                dom[lb], changed = new, True
    return dom


def _const_numeric(v):
    return type(v) in (int, float, bool) or type(v) is np.ndarray or \
        isinstance(v, (np.number, np.bool_))


_MATMUL = (operator.matmul, np.matmul, np.dot)


def _counts(g):
    """The values that are ``reduced_count``s without a ``where=`` mask: ints."""
    return {i.out for i in g.instructions() if i.fn is runtime.reduced_count and not i.kwargs
            and 1 <= len(i.args) <= 3 and (len(i.args) < 3 or i.args[2] == Const(True))}


def _numeric(g, ranks, incoming, pushed, counts):
    """The values known to be NumPy arrays or numbers (never tuples, lists or
    other objects, on which ``+`` and ``*`` do not broadcast): those of known
    rank, and what arithmetic, casts, copies and the adjoint's helpers make
    of them (``x @ W`` of arrays: its rank depends on theirs, its kind not)."""
    num = {v for v, r in ranks.known.items() if type(r) is int and v not in ranks.sequences}
    num |= counts

    def isnum(a):
        return _const_numeric(a.value) if isinstance(a, Const) else a in num

    def makes(ins):
        fn, args = ins.fn, ins.args
        if ins.kwargs:
            return False
        if fn in ops.TAPE_LOAD:
            return all(isnum(v) for v in pushed.get(args[0], [Const(None)]))
        if _broadcasts(ins) or (fn in _MATMUL and len(args) == 2):
            return all(isnum(a) for a in args)
        if fn is runtime.unreduce or fn is ops.alias_update:
            return len(args) >= 2 and isnum(args[0]) and isnum(args[1])
        k = _shape_of(ins)               # (unbroadcast returns g, or sums of it)
        return k is not None and isnum(args[k]) and (fn is not runtime.unbroadcast or
                                                    isnum(args[0]))

    instrs = [i for i in g.instructions() if i.out is not None]
    changed = True
    while changed:
        changed = False
        for ins in instrs:
            if ins.out not in num and makes(ins):
                num.add(ins.out)
                changed = True
        for p, args in incoming.items():
            if p not in num and args and all(isnum(a) for a in args):
                num.add(p)
                changed = True
    return num


def shape_classes(g, param_ranks, ranks=None):
    """value -> its class (a root Var, or SCALAR) for the values of ``g``,
    given ``param_ranks`` (``{param: rank}``, as ``infer_ranks`` takes;
    ``ranks``: its result, when the caller has it)."""
    ranks = infer_ranks(g, param_ranks) if ranks is None else ranks
    incoming = {p: [a for a in args if not (isinstance(a, Const) and a.value is ops.UNSET)]
                for p, args in g.incoming().items()}
    pushed = {}
    for ins in g.instructions():
        if ins.fn in ops.TAPE_STORE:
            pushed.setdefault(ins.args[0], []).append(ins.args[-1])
    counts = _counts(g)
    numeric = _numeric(g, ranks, incoming, pushed, counts)

    known = ranks.known
    scalars = counts | {v for v in numeric if known.get(v) == 0}

    def plain(a):
        return a in numeric if isinstance(a, Var) else _const_numeric(a.value)

    def scalar(a):
        if isinstance(a, Var):
            return a in scalars
        return _const_numeric(a.value) and np.ndim(a.value) == 0

    home = {p: b.label for b in g.blocks for p in b.params}
    home.update({i.out: b.label for b in g.blocks for i in b.instrs if i.out is not None})
    entry = g.blocks[0].label
    dom = _dominators(g)
    if any(entry in successors(b.term) for b in g.blocks):
        dom = {lb: {lb} for lb in dom}           # (never so: then nothing dominates)
    order = region_labels(g.structure)
    if sorted(order) != sorted(b.label for b in g.blocks):
        order = [b.label for b in g.blocks]
    blocks = g.block_map()

    def sweep(assumed):
        cls = {p: p for p in g.entry.params}

        def of(a):
            if scalar(a):
                return SCALAR
            return cls.get(a) if isinstance(a, Var) and plain(a) else None

        def classify(ins):
            if scalar(ins.out):
                return SCALAR
            fn, args = ins.fn, ins.args
            if fn in ops.TAPE_LOAD and len(args) >= 1:
                roots = {of(v) for v in pushed.get(args[0], [None])}
                r = roots.pop() if len(roots) == 1 else None
                return r if r is SCALAR or (r is not None and home.get(r) == entry) else ins.out
            if _broadcasts(ins):
                roots = {of(a) for a in args} - {SCALAR}
                r = roots.pop() if len(roots) == 1 else None
                return ins.out if r is None else r
            if fn is ops.alias_update and len(args) == 2 and not ins.kwargs:
                r = of(args[0])                  # ``old`` if a number, else ``new``
                return r if r is not None and r == of(args[1]) else ins.out
            if fn is runtime.unreduce and 2 <= len(args) <= 5 and not ins.kwargs and (
                    len(args) < 5 or args[4] == Const(True)):
                r = of(args[1])                  # np.broadcast_to(g, x's shape), or g if x
                nd = ranks.known.get(args[1])    # has shape ()
                ok = r is not None and (type(nd) is int and nd >= 1 or of(args[0]) is SCALAR)
                return r if ok else ins.out
            k = _shape_of(ins)
            if k is not None:
                r = of(args[k])
                return ins.out if r is None else r
            return ins.out

        for label in order:
            b = blocks[label]
            for p in b.params:
                if scalar(p):
                    cls[p] = SCALAR
                    continue
                cls[p] = p
                if p in assumed:
                    first = next((of(a) for a in incoming.get(p, ()) if of(a) is not None), None)
                    cls[p] = p if first is None or first is SCALAR else first
            for ins in b.instrs:
                if ins.out is not None:
                    cls[ins.out] = classify(ins)
        return cls, of

    def holds(p, cls, of):
        """The assumption on ``p`` is borne out: every incoming value is in
        its class, whose root is defined in a block dominating p's strictly."""
        r = cls[p]
        if r is p or r is SCALAR:
            return True
        where = home[p]
        return home.get(r) in dom[where] - {where} and all(of(a) is r for a in incoming[p])

    assumed = {p for b in g.blocks[1:] for p in b.params}
    while True:
        cls, of = sweep(assumed)
        wrong = {p for p in assumed if not holds(p, cls, of)}
        if not wrong:
            return {v: r for v, r in cls.items() if plain(v)}
        assumed -= wrong


def drop_same_shape(g, param_ranks, ranks=None):
    """``g`` with every ``unbroadcast(g, x)`` whose operands are of one
    class replaced by ``g`` (``param_ranks``, ``ranks``: see ``shape_classes``)."""
    if any(ins.fn is runtime.shape_proxy for ins in g.instructions()):
        return g                        # a shape stand-in: its class is not np.shape's
    cls = None
    dropped = {}
    for ins in g.instructions():
        if ins.fn is runtime.unbroadcast and len(ins.args) == 2 and not ins.kwargs and all(
                isinstance(a, Var) for a in ins.args):
            if cls is None:
                cls = shape_classes(g, param_ranks, ranks)
            r = cls.get(ins.args[0])            # (numbers: specialise; 0-d arrays stay,
            if r is not None and r is not SCALAR and r is cls.get(ins.args[1]):   # for Numba)
                dropped[ins.out] = ins.args[0]
    return bypass(g, dropped) if dropped else g


_TEMPORARY = re.compile(r"t\d+(_\d+)*")       # a name no source variable gave


def bypass(g, dropped):
    """``g`` without the instructions whose results ``dropped`` maps to their
    operand; the operand takes the dropped result's name where it is a
    temporary (``t6 = mul t4_bar x; x_bar = unbroadcast t6 x`` becomes
    ``x_bar = mul t4_bar x``), so the adjoint's names stay readable."""
    defined = {i.out for i in g.instructions() if i.out is not None}
    m, rename = {}, {}
    for out, src in dropped.items():
        while src in m:
            src = m[src]
        if src in defined and src not in rename and _TEMPORARY.fullmatch(src.name) \
                and src not in dropped:
            rename[src] = out
        else:
            m[out] = src
    blocks = []
    for b in g.blocks:
        keep = []
        for ins in b.instrs:
            if ins.out in dropped:
                continue
            if ins.out in rename:
                ins = Call(rename[ins.out], ins.fn, ins.args, ins.kwargs, ins.loc)
            keep.append(ins)
        blocks.append(Block(b.label, b.params, tuple(keep), b.term))
    m.update(rename)
    return substitute(_replace(g, blocks=tuple(blocks)), m)
