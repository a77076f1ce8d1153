"""The adjoint of a loop tape: differentiating code that pushes and pops.

Example: the gradient of a loop stores a value per trip and reads it back
in the reverse loop::

    for i in ...:  t_stack.append(t)       (forward loop:  push)
    for r in ...:  t_1 = t_stack.pop()     (reverse loop:  pop)

Differentiating that gradient again (``grad(grad(f))``) sends the cotangent
of each popped value back to the value that was pushed, through a
cotangent stack that runs the other way::

    adjoint of  t_1 = pop(t_stack)     ->  push(t_stack_bar, t_1_bar)
    adjoint of  push(t_stack, t)       ->  t_bar += pop(t_stack_bar)

The outer adjoint mirrors the reverse loop first (pushing cotangents in
the order the forward loop pushed values), then the forward loop (popping
them last-in first-out): each pop gets the cotangent of the value its push
stored.  Every pop of an active stack pushes exactly one cotangent (a zero
where the popped value got none), so the two stacks stay aligned.

A counted loop's tape (``t_tape[i] = t`` ... ``t_1 = t_tape[r]``) gets a
cotangent tape of the same length, allocated next to it, indexed by the
same trip numbers (which the outer adjoint recomputes or reads back)::

    adjoint of  t_1 = tape_load(t_tape, r)      ->  tape_store(t_tape_bar, r, t_1_bar)
    adjoint of  tape_store(t_tape, i, t)        ->  t_bar += tape_load(t_tape_bar, i)
"""
from __future__ import annotations

from .. import runtime
from ..ir import ops
from ..ir.nodes import Call, Var

__all__ = ["STRUCTURAL", "stack_adjoint", "cotangent_stack_inits"]


def _bar_stack(rv, stack):
    stacks = rv.__dict__.setdefault("cotangent_stacks", {})
    if stack not in stacks:
        bar = stacks[stack] = rv.b.fresh(f"{stack.name}_bar")
        made = rv.defs.get(stack)
        if made is not None and made.fn is ops.new_tape:     # as long, made right after it
            label, idx = rv.def_site[stack]
            rv.pushes.setdefault(label, []).append((idx, Call(bar, ops.new_tape, made.args)))
    return stacks[stack]


STRUCTURAL = (ops.push, ops.pop, ops.new_stack, ops.tape_store, ops.tape_load, ops.new_tape,
              runtime.own)


def stack_adjoint(rv, ins):
    """Emit the adjoint of a ``push``/``pop`` of the primal (``rv`` is the
    reverse transform's state); a ``new_stack`` has none, and ``own`` (a
    private copy of an accumulator) passes its cotangent on."""
    if ins.fn in ops.TAPE_NEW:
        rv.b.env.pop(ins.out, None)
        return
    if ins.fn is runtime.own:
        g = rv.b.env.pop(ins.out, None)
        if g is not None and ins.out in rv.active:
            rv.accumulate(ins.args[0], g)
        return
    stack = ins.args[0]
    if not isinstance(stack, Var) or stack not in rv.active:
        if ins.out is not None:
            rv.b.env.pop(ins.out, None)
        return
    bar = _bar_stack(rv, stack)
    at = ins.args[1:-1] if ins.fn is ops.tape_store else \
        ins.args[1:] if ins.fn is ops.tape_load else ()
    at = tuple(rv.read(k) for k in at)             # a tape's trip number (none: a stack)
    if ins.fn in ops.TAPE_LOAD:
        g = rv.b.env.pop(ins.out, None)
        if g is None:                     # no cotangent reached it: a zero keeps the order
            g = rv._zero(ins.out)
        rv.b.effect(ops.tape_store if at else ops.push, (bar,) + at + (g,))
        return
    value = ins.args[-1]
    c = rv.b.emit(ops.tape_load if at else ops.pop, (bar,) + at,
                  hint=f"{value.name}_bar" if isinstance(value, Var) else "bar")
    rv.accumulate(value, c)


def cotangent_stack_inits(rv):
    """``new_stack()`` calls for the cotangent stacks the adjoint used
    (cotangent tapes are made next to their tapes: ``_bar_stack``)."""
    stacks = rv.__dict__.get("cotangent_stacks", {})
    return [Call(s, ops.new_stack, ()) for p, s in sorted(stacks.items(), key=lambda t: t[1].name)
            if p not in rv.defs or rv.defs[p].fn is not ops.new_tape]
