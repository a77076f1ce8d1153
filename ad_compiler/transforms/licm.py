"""Loop-invariant code motion.

Example::

    for e in range(epochs):              t11 = np.transpose(X)     # hoisted
        g = lr * X.T @ (p - y)    ->      t12 = lr * t11           # hoisted
                                          for e in range(epochs):
                                              g = t12 @ (p - y)

An instruction moves out of a loop when its operands are all defined
outside it, it sits in a block every trip runs (not in an ``if`` arm), and
it is arithmetic, a ufunc, a transpose or a shape query (pure, no effect).
Such an operation may still raise (``x * y`` of shapes that do not
broadcast), so it must not run where Python would not run it:

* from the loop's test (which runs at least once whenever the loop is
  reached) it moves to the block that enters the loop;
* from the body of a counted loop with constant bounds that makes a trip
  (``range(3)``) it moves there too (none of one that makes none); from
  the body of another counted loop into a guard that runs only when the
  loop makes at least one trip, the loop itself inside it (a guard with a
  constant test would leave Numba a stack nothing is pushed on)::

      for i in range(n):                  if 0 < n:
          s = s + x * y          ->           t = x * y
                                              for i in range(n): s = s + t
                                          (else: s keeps its initial value)

  bodies of other loops (``while``, ``break``) keep their instructions.

Values that are later assigned into (``t[i] = v``) stay where they are.
Besides the work saved, the reverse pass then reads a hoisted value directly
instead of stacking a copy per trip.
"""
from __future__ import annotations

import operator
from dataclasses import replace

from ..ir import ops
from ..ir.loops import counted_loop
from ..ir.nodes import (Block, Branch, Call, Const, IfRegion, Jump, LoopRegion, Seq, Var,
                        block_label, next_label_number, region_labels)
from ..ir.walk import find_loop as _find_loop, fresh_namer, loop_blocks, loops as _loops, use_counts
from ..rules.registry import props

__all__ = ["hoist_invariants"]

def _hoistable(ins):
    """Arithmetic, one-result ufuncs, transposes and shape queries: the
    table's ``hoist``."""
    return ins.out is not None and props(ins.fn).hoist


def hoist_invariants(g):
    mutated = {i.args[0] for i in g.instructions()
               if i.fn in (ops.setitem, ops.list_append) and isinstance(i.args[0], Var)}
    blocks = {b.label: [b.params, list(b.instrs), b.term] for b in g.blocks}
    order = [b.label for b in g.blocks]
    structure = g.structure
    changed = False
    bm = {b.label: b for b in g.blocks}      # Blocks of ``blocks``, remade where they change
    uses = use_counts(g.blocks)              # moving instructions keeps every count
    for header in [r.header for r in _loops(g.structure)]:   # inner loops first
        r = _find_loop(structure, header)
        labels = loop_blocks(r)
        inside = set()
        for lb in labels:
            inside.update(blocks[lb][0])
            inside.update(i.out for i in blocks[lb][1] if i.out is not None)
        latch = r.body.items[-1] if r.body.items and isinstance(r.body.items[-1], str) else None
        pre = [lb for lb, (_, _, t) in blocks.items() if isinstance(t, Jump)
               and t.target == r.header and lb not in labels]
        if len(pre) != 1 or latch is None:
            continue
        pre = pre[0]

        def take(items):
            """The invariant instructions of the blocks ``items`` runs on every trip."""
            out, moved = [], True
            while moved:
                moved = False
                for lb in [it for it in items if isinstance(it, str)]:
                    keep = []
                    for ins in blocks[lb][1]:
                        if _hoistable(ins) and ins.out not in mutated and all(
                                not (isinstance(a, Var) and a in inside) for a in ins.operands()):
                            out.append(ins)
                            inside.discard(ins.out)
                            moved = True
                        else:
                            keep.append(ins)
                    blocks[lb][1] = keep
            return out

        from_test = take(r.test.items)
        blocks[pre][1].extend(from_test)
        changed |= bool(from_test)
        for lb in [it for it in r.test.items if isinstance(it, str)] + [pre]:
            bm[lb] = Block(lb, *blocks[lb])
        cl = counted_loop(bm, r, uses)
        if cl is None or cl.init is None:
            continue
        trips = _known_trips(cl)
        if trips == 0:
            continue                        # never runs: nothing to save
        from_body = take(r.body.items)
        if from_body and trips is not None:     # runs: no guard needed
            blocks[pre][1].extend(from_body)
            changed = True
        elif from_body:
            structure = _guard(blocks, order, structure, r, pre, cl, from_body)
            changed = True
            bm = {lb: Block(lb, *v) for lb, v in blocks.items()}     # new blocks and uses
            uses = use_counts(bm.values())
            continue
        for lb in [it for it in r.body.items if isinstance(it, str)] + [pre]:
            bm[lb] = Block(lb, *blocks[lb])
    if not changed:
        return g
    return replace(g, blocks=tuple(Block(lb, *blocks[lb]) for lb in order), structure=structure)


def _known_trips(cl):
    """The trip count of a counted loop whose bounds are constants, else None."""
    if isinstance(cl.init, Const) and isinstance(cl.stop, Const) and \
            type(cl.init.value) is int and type(cl.stop.value) is int:
        return len(range(cl.init.value, cl.stop.value, cl.step.value))
    return None


def _guard(blocks, order, structure, r, pre, cl, hoisted):
    """Wrap loop ``r`` in ``if <it makes a trip>:``, the ``hoisted``
    instructions first in that arm; the other arm passes the loop's
    initial values to its exit.  Returns the new region tree."""
    n = next_label_number(blocks)
    then_lb, else_lb, out_lb = block_label(n), block_label(n + 1), block_label(n + 2)
    names = {v.name for ps, ins, _ in blocks.values() for v in ps}
    names |= {i.out.name for _, ins, _ in blocks.values() for i in ins if i.out is not None}
    fresh = fresh_namer(names)

    hp = blocks[r.header][0]
    entry = blocks[pre][2]
    init = dict(zip(hp, entry.args))
    test_end = region_labels(r.test)[-1]
    br = blocks[test_end][2]
    exit_params = blocks[r.exit][0]
    loc = next((i.loc for i in blocks[test_end][1] if i.loc is not None), None)
    trips = fresh("runs")
    cmp = operator.lt if cl.step.value > 0 else operator.gt
    blocks[pre][1].append(Call(trips, cmp, (cl.init, cl.stop), (), loc))
    blocks[pre][2] = Branch(trips, then_lb, else_lb)
    blocks[then_lb] = [(), list(hoisted), entry]
    zero_trip = tuple(init.get(a, a) if isinstance(a, Var) else a for a in br.else_args)
    blocks[else_lb] = [(), [], Jump(r.exit, zero_trip)]
    out_params = tuple(fresh(p.name) for p in exit_params)
    blocks[out_lb] = [out_params, [], Jump(r.exit, out_params)]
    blocks[test_end][2] = Branch(br.cond, br.then_target, out_lb, br.else_args)
    order.insert(order.index(pre) + 1, then_lb)     # in program order (the entry block
    at = order.index(region_labels(r.body)[-1]) + 1 # stays first, the return block last)
    order[at:at] = [out_lb, else_lb]
    new_loop = LoopRegion(r.header, r.test, r.body, out_lb)
    region = IfRegion(pre, Seq((then_lb, new_loop, out_lb)), Seq((else_lb,)), r.exit)
    return _swap(structure, r.header, region)


def _swap(seq, header, region):
    """``seq`` with the loop at ``header`` replaced by ``region``."""
    items = []
    for item in seq.items:
        if isinstance(item, LoopRegion):
            item = region if item.header == header else LoopRegion(
                item.header, _swap(item.test, header, region), _swap(item.body, header, region),
                item.exit)
        elif isinstance(item, IfRegion):
            item = IfRegion(item.head, _swap(item.then, header, region),
                            _swap(item.orelse, header, region), item.join)
        items.append(item)
    return Seq(tuple(items))
