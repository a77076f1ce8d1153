"""Structural checks of a Graph, run after every stage.

Example: a graph where ``t1`` is used in bb0 but defined nowhere fails with
    IRVerifyError: f: bb0: use of undefined value t1
Checks: unique labels; every Var defined once; every use dominated by its
definition along the region tree; jump arity matches block parameters; the
region tree names every block exactly once; each block has a terminator.
"""
from __future__ import annotations

from .nodes import Branch, Call, IfRegion, Jump, LoopRegion, Return, Var

__all__ = ["verify", "IRVerifyError"]


class IRVerifyError(AssertionError):
    pass


def _fail(g, msg):
    raise IRVerifyError(f"{g.name}: {msg}\n{g}")


def verify(g):
    blocks = g.block_map()
    if len(blocks) != len(g.blocks):
        _fail(g, "duplicate block labels")
    defined = {}
    objects = set()            # passes key rewrites by id(instruction): each one appears once
    for b in g.blocks:
        for v in b.params:
            if v in defined:
                _fail(g, f"{b.label}: {v} defined twice")
            defined[v] = b.label
        for ins in b.instrs:
            if not isinstance(ins, Call):
                _fail(g, f"{b.label}: not an instruction: {ins!r}")
            if id(ins) in objects:
                _fail(g, f"{b.label}: one instruction object appears twice: {ins}")
            objects.add(id(ins))
            if ins.out is None:
                continue
            if ins.out in defined:
                _fail(g, f"{b.label}: {ins.out} defined twice")
            defined[ins.out] = b.label
        if not isinstance(b.term, (Jump, Branch, Return)):
            _fail(g, f"{b.label}: missing terminator")
        targets = []
        if isinstance(b.term, Jump):
            targets = [(b.term.target, b.term.args)]
        elif isinstance(b.term, Branch):
            targets = [(b.term.then_target, ()), (b.term.else_target, b.term.else_args)]
        for label, args in targets:
            if label not in blocks:
                _fail(g, f"{b.label}: jump to unknown block {label}")
            if len(args) != len(blocks[label].params):
                _fail(g, f"{b.label}: jump to {label} passes {len(args)} values for "
                         f"{len(blocks[label].params)} parameters")
    seen = []
    _walk(g, g.structure, seen)
    if sorted(seen) != sorted(blocks):
        _fail(g, f"region tree names {sorted(seen)} but graph has {sorted(blocks)}")
    _check_scopes(g, blocks, g.structure, set(g.params))
    return g


def _walk(g, seq, seen):
    for item in seq.items:
        if isinstance(item, str):
            seen.append(item)
        elif isinstance(item, IfRegion):
            _walk(g, item.then, seen)
            _walk(g, item.orelse, seen)
        elif isinstance(item, LoopRegion):
            _walk(g, item.test, seen)
            _walk(g, item.body, seen)
        else:
            _fail(g, f"bad region item {item!r}")


def _uses_ok(g, label, operands, scope):
    for x in operands:
        if isinstance(x, Var) and x not in scope:
            _fail(g, f"{label}: use of undefined value {x}")


def _check_block(g, b, scope):
    scope.update(b.params)
    for ins in b.instrs:
        _uses_ok(g, b.label, ins.operands(), scope)
        if ins.out is not None:
            scope.add(ins.out)
    _uses_ok(g, b.label, b.term.operands(), scope)


def _check_scopes(g, blocks, seq, scope):
    """Values defined in an arm or a loop body are visible only inside it;
    they leave it through block arguments."""
    for item in seq.items:
        if isinstance(item, str):
            _check_block(g, blocks[item], scope)
        elif isinstance(item, IfRegion):
            _check_scopes(g, blocks, item.then, set(scope))
            _check_scopes(g, blocks, item.orelse, set(scope))
        else:
            inner = set(scope)
            _check_scopes(g, blocks, item.test, inner)
            _check_scopes(g, blocks, item.body, inner)
