"""Which ``setitem`` instructions may write into their array in place.

Example::

    out = np.zeros(n)
    for i in range(n):
        out[i] = x[i] * 2      # out_2 = setitem(out_1, i, t): in place, since
                               # nothing reads out_1 (or a view of it) afterwards
    ...
    y = out * x                # if the adjoint read `out` before a later
    out[0] = 1.0               # assignment, that assignment copies instead

An assignment is done in place when nothing reads the array's old contents
after it: not the array itself, nor a value it was bound from along a jump
(``v = np.sqrt(t); for i in ...: v[i] += 1`` writes, on the first trip, into
the array ``v`` the adjoint of ``sqrt`` reads), nor a view of it or the
array it views, nor anything sharing its memory through an alias (see
ir.aliasing), nor a value bound to any of those, before the write or
after it.  "After" is in execution order: later in program order, or
anywhere inside a loop that repeats the assignment but not the definition
of that value.  A stack push of such a value also forbids it.  Otherwise
the assignment copies, which keeps the SSA meaning exact.
"""
from __future__ import annotations

from .. import runtime
from ..ir import ops
from ..ir.nodes import Block, Call, Branch, IfRegion, Jump, LoopRegion, Return, Var
from ..ir.walk import find_loop, loop_blocks, value_names
from ..rules.registry import props
from .simplify import _replace

__all__ = ["inplace_setitems", "plan_setitems"]


def _layout(g):
    """Program-order position of every instruction and terminator, and the
    loops (as frozensets of labels) around every block, innermost last."""
    bm = g.block_map()
    pos, loops, order = {}, {}, [0]

    def walk(seq, around):
        for item in seq.items:
            if isinstance(item, str):
                b = bm[item]
                loops[item] = around
                pos[(item, -1)] = order[0]          # its parameters are bound here
                for i, ins in enumerate(b.instrs):
                    pos[(item, i)] = order[0]
                    order[0] += 1
                pos[(item, "term")] = order[0]
                order[0] += 1
            elif isinstance(item, IfRegion):
                walk(item.then, around)
                walk(item.orelse, around)
            else:
                inner = around + (frozenset(loop_blocks(item)),)
                walk(item.test, inner)
                walk(item.body, inner)
    walk(g.structure, ())
    return pos, loops


def _shared(ins):
    """The positions of the arguments whose memory the result of ``ins``
    may share (a view and its base)."""
    if ins.out is None:
        return ()
    return props(ins.fn).views


def inplace_setitems(g):
    """The ``out`` Vars of setitem instructions that may run in place."""
    pos, loops = _layout(g)
    uses, site, bwd = {}, {}, {}     # bwd: value -> what it may have been bound from
    bm = g.block_map()
    for b in g.blocks:
        for p in b.params:
            site[p] = (b.label, -1)
        for i, ins in enumerate(b.instrs):
            if ins.out is not None:
                site[ins.out] = (b.label, i)
            shared = _shared(ins)
            for k, a in enumerate(ins.operands()):
                if isinstance(a, Var):
                    kind = "push" if ins.fn in ops.TAPE_STORE else "view" if k in shared else "read"
                    uses.setdefault(a, []).append(((b.label, i), kind, ins))
                    if k in shared:
                        bwd.setdefault(ins.out, set()).add(a)
                        if props(ins.fn).view_reads:     # these read their operands too
                            uses[a].append(((b.label, i), "read", ins))
        t = b.term
        edges = ()
        if isinstance(t, Jump):
            edges = ((t.target, p, a) for p, a in zip(bm[t.target].params, t.args))
        elif isinstance(t, Branch):
            edges = ((t.else_target, p, a) for p, a in zip(bm[t.else_target].params, t.else_args))
        for a in ([t.cond] if isinstance(t, Branch) else [t.value] if isinstance(t, Return) else []):
            if isinstance(a, Var):
                uses.setdefault(a, []).append(((b.label, "term"), "read", t))
        for target, p, a in edges:          # passing a value on binds, it does not read
            if isinstance(a, Var):
                uses.setdefault(a, []).append(((b.label, "term"), "edge", (target, p)))
                bwd.setdefault(p, set()).add(a)
    ok = set()
    for b in g.blocks:
        for i, ins in enumerate(b.instrs):
            if ins.fn is ops.setitem and isinstance(ins.args[0], Var) and \
                    _safe(ins, (b.label, i), pos, loops, uses, bwd, site):
                ok.add(ins.out)
    return ok


def _closure(start, links):
    seen, todo = set(), list(start)
    while todo:
        v = todo.pop()
        if v not in seen:
            seen.add(v)
            todo.extend(links.get(v, ()))
    return seen


def _safe(ins, where, pos, loops, uses, bwd, site):
    """Whether no value holding the array's old contents is read after the
    write at ``where``.  ``holders``: what may hold the written array when
    the write runs (the array, what it was bound from, views of it and
    values bound to it before the write); ``stale``: values bound after the
    write to one of those, so still to the old contents.  A read counts
    when it runs after the write with the same instance of the value:
    later in program order, or anywhere in a loop that re-runs the write
    but not the value's definition.  A stack push of either kind forbids
    the write too (the stack keeps the instance)."""
    here = pos[where]
    around = loops[where[0]]
    holders = _closure([ins.args[0]], bwd)
    stale, todo = set(), list(holders)
    while todo:
        v = todo.pop()
        if v == ins.out:                    # the new contents (or last trip's: pushes matter)
            if any(kind == "push" for _, kind, _ in uses.get(v, ())):
                return False
            continue
        d = site.get(v)
        if d is None:
            continue
        repeated = [lp for lp in around if d[0] not in lp]
        for at, kind, user in uses.get(v, ()):
            if kind == "push":
                return False
            if v in stale:
                later = True
            elif user is ins and v == ins.args[0] and not repeated:
                continue
            else:
                later = pos[at] > here or any(at[0] in lp for lp in repeated)
            if kind == "read":
                if later:
                    return False
                continue
            to = user.out if kind == "view" else user[1]
            if kind == "edge" and not later and any(
                    at[0] in lp and user[0] not in lp for lp in around):
                continue                    # leaves the loop after its last write
            if later and to not in stale:
                stale.add(to)
                todo.append(to)
            elif not later and to not in holders:
                holders.add(to)
                todo.append(to)
    return True


def plan_setitems(g):
    """``(graph, in-place setitems)``: like :func:`inplace_setitems`, but a
    loop that updates an array item by item while the array it started from
    is still read elsewhere (``v = np.sqrt(t); for i ...: v[i] += 1``, whose
    adjoint reads ``v``) gets one private copy on entry (``runtime.own``) instead
    of a copy on every trip, when that makes its updates safe in place."""
    ok = inplace_setitems(g)
    for header, param in _entry_candidates(g, ok):
        g2 = _copy_on_entry(g, header, param)
        ok2 = inplace_setitems(g2)
        if len(ok2) > len(ok) and ok <= ok2:
            g, ok = g2, ok2
    return g, ok


def _entry_candidates(g, ok):
    """(loop header, parameter) for the loop-carried arrays written by a
    setitem that copies, outermost loop first."""
    bwd = {}
    bm = g.block_map()
    for p, a in g.edges():
        if isinstance(a, Var):
            bwd.setdefault(p, set()).add(a)
    for ins in g.instructions():
        for k in _shared(ins):
            if k < len(ins.args) and isinstance(ins.args[k], Var):
                bwd.setdefault(ins.out, set()).add(ins.args[k])
    headers = []

    def walk(seq):
        for item in seq.items:
            if isinstance(item, IfRegion):
                walk(item.then)
                walk(item.orelse)
            elif isinstance(item, LoopRegion):
                headers.append(item.header)
                walk(item.test)
                walk(item.body)
    walk(g.structure)
    params = {p: h for h in headers for p in bm[h].params}
    out = []
    for ins in g.instructions():
        if ins.fn is ops.setitem and ins.out not in ok and isinstance(ins.args[0], Var):
            for v in sorted(_closure([ins.args[0]], bwd) & set(params),
                            key=lambda v: headers.index(params[v])):
                if (params[v], v) not in out:
                    out.append((params[v], v))
    return out


def _copy_on_entry(g, header, param):
    """``g`` with the value the loop at ``header`` starts ``param`` with
    passed through ``own`` (a private copy) on the entry edge."""
    bm = g.block_map()
    k = bm[header].params.index(param)
    jumpers = [b for b in g.blocks if isinstance(b.term, Jump) and b.term.target == header]
    names = value_names(g)
    n = 0
    while f"{param.name}_own{n or ''}" in names:
        n += 1
    blocks = []
    for b in g.blocks:
        t = b.term
        if b in jumpers and _is_entry(g, b, header):
            a = t.args[k]
            if isinstance(a, Var):
                c = Var(f"{param.name}_own{n or ''}")
                loc = next((i.loc for i in b.instrs if i.loc is not None), None)
                b = Block(b.label, b.params, b.instrs + (Call(c, runtime.own, (a,), (), loc),),
                          Jump(t.target, t.args[:k] + (c,) + t.args[k + 1:]))
        blocks.append(b)
    return _replace(g, blocks=tuple(blocks))


def _is_entry(g, blk, header):
    """Whether ``blk``'s jump to ``header`` enters the loop (is not its latch)."""
    try:
        inside = loop_blocks(find_loop(g.structure, header))
    except KeyError:
        inside = ()
    return blk.label not in inside
