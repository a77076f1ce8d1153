"""Simplification: constant folding, branch folding, CSE and DCE.

Example::

    t1 = mul 2.0 3.0     ->   (folded: uses of t1 read 6.0)
    t2 = np.sin x
    t3 = np.sin x        ->   (CSE: uses of t3 read t2)
    t4 = np.cos x        ->   (DCE: never used, removed)

DCE also removes block parameters nobody reads (with the arguments passed
to them) and loop stacks whose popped values are never used, so a loop
keeps a stack only for what the adjoint really reads.
"""
from __future__ import annotations

import operator

import numpy as np

from ..ir import ops
from ..ir.builder import _sub, _sub_call, _sub_term
from ..ir.nodes import (Block, Branch, Const, IfRegion, Jump, LoopRegion, Seq, Var,
                        region_labels)
from ..rules.registry import props
from ..ir.walk import definitions, loops, predecessors, stack_pops
from .licm import hoist_invariants

__all__ = ["simplify", "is_pure", "substitute"]

def is_pure(fn):
    """No effects and a result that may be shared (CSE) or dropped (DCE)."""
    return props(fn).pure


def _foldable(ins):
    if not all(isinstance(a, Const) for a in ins.operands()):
        return False
    fold = props(ins.fn).fold
    if fold == "numbers":                # operators and math: only on Python numbers
        vals = [a.value for a in ins.operands()]
        return all(isinstance(v, (int, float, bool)) and not isinstance(v, np.generic) for v in vals)
    return fold is True


def substitute(g, m):
    if not m:
        return g
    # resolve chains a -> b -> c
    for k in list(m):
        v = m[k]
        while isinstance(v, Var) and v in m:
            v = m[v]
        m[k] = v
    return _replace(g, blocks=tuple(_sub_block(b, m) for b in g.blocks))


def _sub_block(b, m):
    """``b`` with its operands renamed by ``m``; ``b`` itself if none is."""
    instrs = tuple(_sub_call(i, m) for i in b.instrs)
    term = _sub_term(b.term, m)
    if term is b.term and all(new is old for new, old in zip(instrs, b.instrs)):
        return b
    return Block(b.label, b.params, instrs, term)


def _replace(g, **kw):
    from dataclasses import replace
    return replace(g, **kw)


def fold_constants(g):
    """Evaluate calls on constants; ``make_tuple(a, b)[1]`` is ``b``."""
    m = {}
    blocks = []
    tuples = {i.out: i.args for i in g.instructions() if i.fn is ops.make_tuple}
    for b in g.blocks:
        keep = []
        for ins in b.instrs:
            ins = _sub_call(ins, m)
            if ins.fn is operator.getitem and ins.args[0] in tuples and isinstance(
                    ins.args[1], Const) and type(ins.args[1].value) is int:
                items = tuples[ins.args[0]]
                k = ins.args[1].value
                if -len(items) <= k < len(items):
                    m[ins.out] = items[k]
                    continue
            if ins.fn in (operator.pow, np.power) and len(ins.args) == 2 and \
                    isinstance(ins.args[1], Const) and type(ins.args[1].value) in (int, float) \
                    and ins.args[1].value == 1 and not ins.kwargs:
                m[ins.out] = ins.args[0]            # x ** 1 is x
                continue
            if ins.out is not None and _foldable(ins):
                try:
                    m[ins.out] = Const(ins.fn(*[a.value for a in ins.args],
                                              **{k: v.value for k, v in ins.kwargs}))
                    continue
                except Exception:        # leave it to fail at run time, with its own message
                    pass
            keep.append(ins)
        blocks.append(Block(b.label, b.params, tuple(keep), _sub_term(b.term, m)))
    return substitute(_replace(g, blocks=tuple(blocks)), m)


def fold_branches(g):
    """``if True:`` keeps only the taken arm."""
    bm = g.block_map()
    dead = set()
    changed = {}

    def walk(seq):
        out = []
        for item in seq.items:
            if isinstance(item, IfRegion):
                br = changed.get(item.head, bm[item.head]).term
                if isinstance(br.cond, Const):
                    taken, other = (item.then, item.orelse) if br.cond.value else (item.orelse, item.then)
                    target = br.then_target if br.cond.value else br.else_target
                    head = changed.get(item.head, bm[item.head])
                    changed[item.head] = Block(head.label, head.params, head.instrs, Jump(target, ()))
                    dead.update(region_labels(other))
                    out.extend(walk(taken).items)
                    continue
                out.append(IfRegion(item.head, walk(item.then), walk(item.orelse), item.join))
            elif isinstance(item, LoopRegion):
                out.append(LoopRegion(item.header, walk(item.test), walk(item.body), item.exit))
            else:
                out.append(item)
        return Seq(tuple(out))

    structure = walk(g.structure)
    if not dead and not changed:
        return g
    blocks = tuple(changed.get(b.label, b) for b in g.blocks if b.label not in dead)
    # a join reached from one arm only: its parameters are that arm's values
    g = _replace(g, blocks=blocks, structure=structure)
    return _single_pred_params(g)


def _single_pred_params(g):
    """Replace parameters of joins that only one jump reaches by its arguments."""
    preds = predecessors(g)
    headers = {r.header for r in loops(g.structure)}
    m, cleared = {}, set()
    for b in g.blocks:
        p = preds[b.label]
        if b.params and len(p) == 1 and b.label not in headers and \
                isinstance(g.block(p[0][0]).term, Jump):
            m.update(zip(b.params, p[0][1]))
            cleared.add(b.label)
    if not m:
        return g
    blocks = []
    for b in g.blocks:
        t = b.term
        if isinstance(t, Jump) and t.target in cleared:
            t = Jump(t.target, ())
        blocks.append(Block(b.label, () if b.label in cleared else b.params, b.instrs, t))
    return substitute(_replace(g, blocks=tuple(blocks)), m)


def cse(g):
    bm = g.block_map()
    m = {}

    def key(ins):
        try:
            return (ins.fn, tuple(_sub(a, m) for a in ins.args),
                    tuple((k, _sub(v, m)) for k, v in ins.kwargs))
        except TypeError:
            return None

    def walk(seq, table):
        for item in seq.items:
            if isinstance(item, str):
                for ins in bm[item].instrs:
                    if ins.out is None or not is_pure(ins.fn):
                        continue
                    k = key(ins)
                    if k is None:
                        continue
                    try:
                        hash(k)
                    except TypeError:
                        continue
                    if k in table:
                        m[ins.out] = table[k]
                    else:
                        table[k] = ins.out
            elif isinstance(item, IfRegion):
                walk(item.then, dict(table))
                walk(item.orelse, dict(table))
            else:
                inner = dict(table)
                walk(item.test, inner)
                walk(item.body, inner)
    walk(g.structure, {})
    if not m:
        return g
    blocks = tuple(Block(b.label, b.params,
                         tuple(i for i in b.instrs if i.out not in m), b.term) for b in g.blocks)
    return substitute(_replace(g, blocks=blocks), m)


_TAPE_ACCESS = ops.TAPE_STORE + ops.TAPE_LOAD


def dce(g):
    """Remove unused pure instructions, unread block parameters, and stacks
    whose pops are all unused (an append to a list from outside the
    function, a global or a parameter, is kept: Python's caller sees it)."""
    outside = set(g.entry.params)         # lists the caller or a global can see
    for ins in g.instructions():
        if ins.fn is ops.list_append and (isinstance(ins.args[0], Const) or ins.args[0] in outside):
            outside.add(ins.out)
    # Liveness to a fixpoint, in one round: the roots are the effects (the
    # stores and loads of a loop tape only once a loaded value is read: then
    # all of them run, a growable stack's pops must balance its pushes), and
    # a used value makes its definition's operands and the arguments passed
    # to it (a block parameter) used.
    defs = definitions(g)
    param_args = g.incoming()
    stores, popped_from = {}, {}
    used = set()
    for b in g.blocks:
        for ins in b.instrs:
            if ins.fn in ops.TAPE_STORE or ins.fn in ops.TAPE_LOAD:
                stores.setdefault(ins.args[0], []).append(ins)
                if ins.fn in ops.TAPE_LOAD:
                    popped_from[ins.out] = ins.args[0]
            elif ins.out is None or not is_pure(ins.fn) or ins.out in outside:
                used.update(a for a in ins.operands() if isinstance(a, Var))
        t = b.term
        used.update(a for a in ([t.cond] if isinstance(t, Branch) else
                                [t.value] if hasattr(t, "value") else []) if isinstance(a, Var))
    popped = set(popped_from.values())
    for s, ins_list in stores.items():      # a tape nothing here loads: its stores stay
        if s not in popped:
            used.update(a for ins in ins_list for a in ins.operands() if isinstance(a, Var))
    live_stacks = set()
    work = list(used)
    while work:
        v = work.pop()
        srcs = []
        if v in defs:
            srcs = [a for a in defs[v].operands() if isinstance(a, Var)]
        srcs += [a for a in param_args.get(v, ()) if isinstance(a, Var)]
        s = popped_from.get(v)
        if s is not None and s not in live_stacks:    # a loaded value is read: the tape runs
            live_stacks.add(s)
            srcs += [a for ins in stores.get(s, ()) for a in ins.operands() if isinstance(a, Var)]
        for a in srcs:
            if a not in used:
                used.add(a)
                work.append(a)
    # stacks whose pops are all dead go, with their pushes
    dead_stacks = popped - live_stacks
    blocks = []
    for b in g.blocks:
        keep = []
        for ins in b.instrs:
            if ins.fn in _TAPE_ACCESS and ins.args[0] in dead_stacks:
                continue
            if ins.fn in ops.TAPE_NEW and ins.out in dead_stacks:
                continue
            if ins.out is not None and ins.out not in used and ins.out not in outside and (
                    is_pure(ins.fn) or ins.fn in ops.TAPE_NEW):
                continue
            keep.append(ins)
        blocks.append([b, keep])
    # unread block parameters (not of the entry block: those are the signature)
    drop = {}
    for b, _ in blocks[1:]:
        idx = [i for i, p in enumerate(b.params) if p not in used]
        if idx:
            drop[b.label] = set(idx)
    new = []
    for b, keep in blocks:
        params = tuple(p for i, p in enumerate(b.params) if i not in drop.get(b.label, ()))
        t = b.term
        if isinstance(t, Jump) and t.target in drop:
            t = Jump(t.target, tuple(a for i, a in enumerate(t.args) if i not in drop[t.target]))
        elif isinstance(t, Branch) and t.else_target in drop:
            t = Branch(t.cond, t.then_target, t.else_target,
                       tuple(a for i, a in enumerate(t.else_args) if i not in drop[t.else_target]))
        new.append(Block(b.label, params, tuple(keep), t))
    return _replace(g, blocks=tuple(new))


def simplify(g):
    g = fold_constants(g)
    g = fold_branches(g)
    g = cse(g)
    g = dce(g)                        # DCE first: an unused exit value hides a counted loop
    hoisted = hoist_invariants(g)
    return g if hoisted is g else dce(hoisted)     # (DCE is idempotent: nothing moved, done)
