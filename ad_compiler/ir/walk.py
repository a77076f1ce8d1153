"""Walks over a Graph that passes share: definitions, uses, edges, regions.

Example, for ``def f(x, n): for i in range(n): x = x * 2.0; return x``::

    bb0(x, n):                     definitions(g)  {t1: <lt i n>, x_2: <mul ..>, i_3: ...}
      jump bb1(0, x)               uses(g)[x_1]    [<mul x_1 2.0>, <br t1 ... bb3(x_1)>]
    bb1(i, x_1):                   predecessors(g)["bb1"]
      t1 = lt i n                      [("bb0", (0, x)), ("bb2", (i_3, x_2))]
      br t1 ? bb2() : bb3(x_1)     loops(g.structure)   [LoopRegion(header="bb1", ...)]
    bb2():                         loop_blocks(<that loop>)  ["bb1", "bb2"]
      x_2 = mul x_1 2.0            loop_entries(g, <that loop>)  ["bb0"]
      i_3 = add i 1
      jump bb1(i_3, x_2)
    bb3(x_3):
      return x_3

Every helper reads the graph only; a pass that rewrites builds new frozen
blocks (or copies the graph into an ``IRBuilder``: ``IRBuilder.copy_graph``).
"""
from __future__ import annotations

from . import ops
from dataclasses import replace

from .nodes import (Block, Branch, IfRegion, Jump, LoopRegion, Var, next_label_number,
                    region_labels)

__all__ = ["fresh_namer", "with_rewrites", "definitions", "uses", "use_counts", "used_values", "instructions_with_blocks",
           "positions", "predecessors", "successors", "regions", "loops", "find_loop",
           "loop_blocks", "loop_entries", "value_names", "stack_pushes", "stack_pops",
           "next_label_number"]


def _users(b):
    """A block's instructions, then its terminator."""
    return (*b.instrs, b.term) if b.term is not None else b.instrs


def definitions(g):
    """Var -> the Call that defines it (block parameters are not in it)."""
    return {ins.out: ins for ins in g.instructions() if ins.out is not None}


def uses(g):
    """Var -> the instructions and terminators that read it, in block
    order (one entry per operand position, so a Var read twice by one
    instruction is listed twice)."""
    out = {}
    for b in g.blocks:
        for user in _users(b):
            for a in user.operands():
                if isinstance(a, Var):
                    out.setdefault(a, []).append(user)
    return out


def use_counts(g_or_blocks):
    """Var -> how many operand positions read it (over a Graph or an
    iterable of blocks)."""
    blocks = g_or_blocks.blocks if hasattr(g_or_blocks, "blocks") else g_or_blocks
    counts = {}
    for b in blocks:
        for user in _users(b):
            for a in user.operands():
                if isinstance(a, Var):
                    counts[a] = counts.get(a, 0) + 1
    return counts


def used_values(g):
    """The Vars some instruction or terminator reads."""
    return {a for b in g.blocks for user in _users(b) for a in user.operands()
            if isinstance(a, Var)}


def instructions_with_blocks(g):
    """``(block, index, instruction)`` for every instruction, in block order."""
    for b in g.blocks:
        for k, ins in enumerate(b.instrs):
            yield b, k, ins


def positions(g):
    """``id(instruction) -> (label, index)``."""
    return {id(ins): (b.label, k) for b, k, ins in instructions_with_blocks(g)}


def successors(term):
    """The labels a terminator may continue at."""
    if isinstance(term, Jump):
        return (term.target,)
    if isinstance(term, Branch):
        return (term.then_target, term.else_target)
    return ()


def predecessors(g):
    """label -> ``[(predecessor label, arguments passed to the label's
    parameters)]``, for every block (a branch passes nothing to its ``then``
    block)."""
    out = {b.label: [] for b in g.blocks}
    for b in g.blocks:
        t = b.term
        if isinstance(t, Jump):
            out[t.target].append((b.label, t.args))
        elif isinstance(t, Branch):
            out[t.then_target].append((b.label, ()))
            out[t.else_target].append((b.label, t.else_args))
    return out


def regions(seq):
    """Every IfRegion and LoopRegion of a region tree, outer before inner."""
    for item in seq.items:
        if not isinstance(item, str):
            yield item
            if isinstance(item, IfRegion):
                yield from regions(item.then)
                yield from regions(item.orelse)
            else:
                yield from regions(item.test)
                yield from regions(item.body)


def loops(seq):
    """Every LoopRegion of a region tree, inner loops before the loop around them."""
    for item in seq.items:
        if isinstance(item, LoopRegion):
            yield from loops(item.test)
            yield from loops(item.body)
            yield item
        elif isinstance(item, IfRegion):
            yield from loops(item.then)
            yield from loops(item.orelse)


def find_loop(seq, header):
    """The LoopRegion whose header is ``header``; KeyError if none."""
    for r in loops(seq):
        if r.header == header:
            return r
    raise KeyError(header)


def loop_blocks(r):
    """The labels of the blocks a loop runs (its test, then its body), in
    program order; for an IfRegion, those of its two arms."""
    if isinstance(r, IfRegion):
        return region_labels(r.then) + region_labels(r.orelse)
    return region_labels(r.test) + region_labels(r.body)


def loop_entries(g, r):
    """The labels of the blocks that jump into the loop ``r`` from outside it."""
    inside = set(loop_blocks(r))
    return [b.label for b in g.blocks
            if isinstance(b.term, Jump) and b.term.target == r.header and b.label not in inside]


def stack_pushes(g):
    """stack -> the values pushed on it, in block order."""
    out = {}
    for ins in g.instructions():
        if ins.fn in ops.TAPE_STORE:
            out.setdefault(ins.args[0], []).append(ins.args[-1])
    return out


def stack_pops(g):
    """stack -> the values popped from it, in block order."""
    out = {}
    for ins in g.instructions():
        if ins.fn in ops.TAPE_LOAD:
            out.setdefault(ins.args[0], []).append(ins.out)
    return out


def value_names(g):
    """The names of every value of ``g`` (block parameters and results)."""
    return {v.name for b in g.blocks for v in b.params} | {
        ins.out.name for ins in g.instructions() if ins.out is not None}


def fresh_namer(names):
    """``fresh(base)``: a new Var ``base_1``, ``base_2``... whose name is not in
    ``names`` (a set of the names in use, to which it adds), for a pass that
    makes values after the builder's numbering is gone."""
    def fresh(base):
        k = 1
        while f"{base}_{k}" in names:
            k += 1
        names.add(f"{base}_{k}")
        return Var(f"{base}_{k}")
    return fresh


def with_rewrites(g, rewrite, drop=()):
    """``g`` with each instruction whose ``id`` is in ``rewrite`` replaced by
    its new instruction and those whose ``id`` is in ``drop`` left out (the
    rest, the same objects); ``g`` itself when there is nothing to do."""
    if not rewrite and not drop:
        return g
    blocks = tuple(Block(b.label, b.params, tuple(rewrite.get(id(i), i) for i in b.instrs
                                                  if id(i) not in drop), b.term)
                   for b in g.blocks)
    return replace(g, blocks=blocks)
