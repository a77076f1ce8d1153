"""Mutable construction of a Graph: blocks, an environment of SSA values,
and structured regions whose joins become block arguments.

Example (what ``ir.build`` does for ``if c: y = a`` / ``else: y = b``)::

    b.if_(c, then=lambda: b.env.update(y=a), orelse=lambda: b.env.update(y=b_))
    b.env["y"]   # -> Var("y_3"), a parameter of the join block: bb3(y_3)

Both the AST builder and the reverse transform build through this class,
so their SSA invariants (one definition per value, joins by block
arguments, trivial loop parameters removed) are the same.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .nodes import (Block, Branch, Call, Graph, IfRegion, Jump, LoopRegion, Return, Seq, Var,
                    block_label, next_label_number)

__all__ = ["IRBuilder", "Namer"]


class Namer:
    """Deterministic unique names: a source name is used as is the first
    time, then suffixed with a running counter (``y``, ``y_4``); temporaries
    are ``t5``."""

    def __init__(self, reserved=()):
        self.used = set(reserved)
        self.counter = 0

    def fresh(self, base="t"):
        base = base or "t"
        if base != "t" and base not in self.used:
            self.used.add(base)
            return base
        while True:
            self.counter += 1
            name = f"{base}{self.counter}" if base == "t" else f"{base}_{self.counter}"
            if name not in self.used:
                self.used.add(name)
                return name


@dataclass
class _MBlock:
    label: str
    params: list = field(default_factory=list)
    instrs: list = field(default_factory=list)
    term: object = None


@dataclass
class _Arm:
    """One arm of an ``if_`` once built: its first and last blocks, its
    region and the environment it ends with."""
    first: _MBlock
    seq: Seq
    last: _MBlock
    env: dict


def _sub(x, m):
    return m.get(x, x) if isinstance(x, Var) else x


def _touches(operands, m):
    for a in operands:
        if isinstance(a, Var) and a in m:
            return True
    return False


def _sub_call(ins, m):
    """``ins`` with its operands renamed by ``m`` (``ins`` itself when none
    is: most instructions of a rewrite keep theirs, and a new node per
    instruction per pass was a large share of a cold compile)."""
    if not _touches(ins.args, m) and not (ins.kwargs and _touches((v for _, v in ins.kwargs), m)):
        return ins
    return Call(ins.out, ins.fn, tuple(_sub(a, m) for a in ins.args),
                tuple((k, _sub(v, m)) for k, v in ins.kwargs), ins.loc)


def _sub_term(t, m):
    if not isinstance(t, (Jump, Branch, Return)) or not _touches(t.operands(), m):
        return t
    if isinstance(t, Jump):
        return Jump(t.target, tuple(_sub(a, m) for a in t.args))
    if isinstance(t, Branch):
        return Branch(_sub(t.cond, m), t.then_target, t.else_target,
                      tuple(_sub(a, m) for a in t.else_args))
    if isinstance(t, Return):
        return Return(_sub(t.value, m))
    return t


class IRBuilder:
    """Blocks under construction, the environment (key -> operand: a source
    name, an ``ir.slots`` key, or, in the reverse pass, the primal Var whose
    adjoint it holds) and the region tree being recorded."""

    __slots__ = ("name", "namer", "blocks", "env", "_seqs", "_nblocks", "cur", "entry_params",
                 "stored", "join_hook", "hooks", "bindings", "aliases", "def_defaults",
                 "free_params", "outside_lists", "dicts", "outer_envs", "builder_chain")

    def __init__(self, name, namer=None):
        self.name = name
        self.namer = namer or Namer()
        self.blocks = []
        self.env = {}
        self._seqs = [[]]
        self._nblocks = 0
        self.cur = None
        self.entry_params = frozenset()
        self.stored = set()          # values put into a list or tuple
        self.join_hook = None        # envs -> None: completes the arms of every if_ (ir.build)
        self.hooks = None            # alias analysis told of joins and loops (ir.aliasing)
        # what building Python source into this builder keeps (ir.build; the
        # reverse pass builds its inlined rules through it too):
        self.bindings = None         # frontend.bindings.Bindings of the free names, or None
        self.aliases = None          # ir.aliasing.Aliases, made by the first function builder
        self.def_defaults = {}       # nested FunctionDef -> {param: default operand}
        self.free_params = {}        # entry parameter -> the global or closure name it reads
        self.outside_lists = set()   # list versions the caller (or a global) also holds
        self.dicts = set()           # values known to be dicts made in the function
        self.outer_envs = []         # the environments of the callers being inlined into
        self.builder_chain = []      # their function builders, in the same order

    def copy_graph(self, g):
        """Copy ``g``'s blocks and region tree into this empty builder, to
        add to them (new blocks get labels after ``g``'s); returns label ->
        the copied block."""
        assert not self.blocks, "copy_graph needs an empty builder"
        for blk in g.blocks:
            self.blocks.append(_MBlock(blk.label, list(blk.params), list(blk.instrs), blk.term))
        self._nblocks = next_label_number(blk.label for blk in g.blocks)
        self._seqs[0].extend(g.structure.items)
        return self.block_map()

    def block_map(self):
        """label -> the block under construction."""
        return {blk.label: blk for blk in self.blocks}

    # -- blocks and instructions ----------------------------------------------------
    def new_block(self, params=()):
        blk = _MBlock(block_label(self._nblocks), list(params))
        self._nblocks += 1
        self.blocks.append(blk)
        return blk

    def start(self, blk):
        self.cur = blk
        self._seqs[-1].append(blk.label)

    def fresh(self, base="t"):
        return Var(self.namer.fresh(base))

    def emit(self, fn, args=(), kwargs=(), loc=None, hint=None):
        out = self.fresh(hint or "t")
        self.cur.instrs.append(Call(out, fn, tuple(args), tuple(kwargs), loc))
        return out

    def effect(self, fn, args=(), loc=None):
        self.cur.instrs.append(Call(None, fn, tuple(args), (), loc))

    def terminate(self, term):
        self.cur.term = term
        self.cur = None

    # -- regions -------------------------------------------------------------------
    def _region(self, build):
        self._seqs.append([])
        build()
        return Seq(tuple(self._seqs.pop()))

    def if_(self, cond, then, orelse, fill=None, hint_of=None):
        """Build ``if cond: then() else: orelse()``; environment entries that
        differ between the arms become parameters of the join block.  An entry
        set in only one arm is dropped, unless ``fill(key)`` builds a value
        for the other arm (the reverse pass builds zeros), or ``join_hook``
        (called with both arms' environments) adds it."""
        head = self.cur
        env0 = dict(self.env)
        arms = []
        for build in (then, orelse):
            blk = self.new_block()
            self.env = dict(env0)

            def body(blk=blk, build=build):
                self.start(blk)
                build()
            seq = self._region(body)
            arms.append(_Arm(blk, seq, self.cur, self.env))
        if self.join_hook is not None:
            self.join_hook([arms[0].env, arms[1].env])
        join = self.new_block()
        keys = [k for k in arms[0].env if k in arms[1].env or fill is not None]
        keys += [k for k in arms[1].env if k not in arms[0].env and fill is not None]
        merged, args = {}, ([], [])
        for k in keys:
            vals = []
            for arm in arms:
                if k not in arm.env:
                    self.cur = arm.last
                    arm.env[k] = fill(k)
                vals.append(arm.env[k])
            if vals[0] == vals[1]:
                merged[k] = vals[0]
                continue
            p = self.fresh(hint_of(k) if hint_of else "t")
            join.params.append(p)
            merged[k] = p
            args[0].append(vals[0])
            args[1].append(vals[1])
        for i, arm in enumerate(arms):
            arm.last.term = Jump(join.label, tuple(args[i]))
        head.term = Branch(cond, arms[0].first.label, arms[1].first.label)
        self._seqs[-1].append(IfRegion(head.label, arms[0].seq, arms[1].seq, join.label))
        self.env = merged
        if self.hooks is not None:
            self.hooks.join([arms[0].env, arms[1].env], merged)
        self.start(join)

    def loop(self, carried, test, body, hint_of=None):
        """Build ``while test(): body()``.  ``carried`` are the environment
        keys the loop may change; each becomes a parameter of the header and
        of the exit block.  ``test()`` returns the condition operand.
        Parameters that the loop never changes are removed afterwards."""
        pre = self.cur
        first = len(self.blocks)
        params = [self.fresh(hint_of(k) if hint_of else "t") for k in carried]
        header = self.new_block(params)
        pre.term = Jump(header.label, tuple(self.env[k] for k in carried))
        init = dict(zip(params, (self.env[k] for k in carried)))
        outer_env = dict(self.env)
        self.env.update(zip(carried, params))
        if self.hooks is not None:
            self.hooks.loop_enter(outer_env, self.env)
        cond = [None]

        def build_test():
            self.start(header)
            cond[0] = test()
        test_seq = self._region(build_test)
        test_end, test_env = self.cur, dict(self.env)
        body_blk = self.new_block()

        def build_body():
            self.start(body_blk)
            body()
        body_seq = self._region(build_body)
        latch = self.cur
        if self.hooks is not None:
            self.hooks.loop_latch(self.env)
        latch.term = Jump(header.label, tuple(self.env[k] for k in carried))
        exit_params = [self.fresh(hint_of(k) if hint_of else "t") for k in carried]
        exit_blk = self.new_block(exit_params)
        test_end.term = Branch(cond[0], body_blk.label, exit_blk.label,
                               tuple(test_env[k] for k in carried))
        self._seqs[-1].append(LoopRegion(header.label, test_seq, body_seq, exit_blk.label))
        self.env = {k: v for k, v in outer_env.items()}
        self.env.update(zip(carried, exit_params))
        if self.hooks is not None:
            self.hooks.loop_exit(test_env, self.env)
        m = self._prune_loop(header, latch, init, self.blocks[first:])
        self._prune_exit(test_end, exit_blk, [test_env[k] for k in carried], m)
        self.start(exit_blk)

    def _prune_exit(self, test_end, exit_blk, incoming, m):
        """Exit parameters of variables the loop does not change are their
        values before the loop."""
        if not m:
            return
        keep, sub = [], {}
        for i, q in enumerate(exit_blk.params):
            if isinstance(incoming[i], Var) and incoming[i] in m:
                sub[q] = m[incoming[i]]
            else:
                keep.append(i)
        if not sub:
            return
        t = test_end.term
        test_end.term = Branch(t.cond, t.then_target, t.else_target,
                               tuple(t.else_args[i] for i in keep))
        exit_blk.params = [exit_blk.params[i] for i in keep]
        self.env = {k: _sub(v, sub) for k, v in self.env.items()}
        if self.hooks is not None:
            self.hooks.substitute(sub)

    def _prune_loop(self, header, latch, init, blocks):
        """Remove header parameters that only ever receive themselves or
        their initial value (variables the loop does not change)."""
        keep, m = [], {}
        for i, p in enumerate(header.params):
            arg = latch.term.args[i]
            if arg == p or arg == init[p]:
                m[p] = init[p]
            else:
                keep.append(i)
        if not m:
            return m
        for blk in blocks:
            blk.instrs = [_sub_call(ins, m) for ins in blk.instrs]
            blk.term = _sub_term(blk.term, m)
        for blk in self.blocks:
            if isinstance(blk.term, Jump) and blk.term.target == header.label:
                blk.term = Jump(header.label, tuple(blk.term.args[i] for i in keep))
        header.params = [header.params[i] for i in keep]
        self.env = {k: _sub(v, m) for k, v in self.env.items()}
        if self.hooks is not None:
            self.hooks.substitute(m)
        return m

    # -- result ----------------------------------------------------------------------
    def finish(self, **graph_fields):
        blocks = tuple(Block(b.label, tuple(b.params), tuple(b.instrs), b.term)
                       for b in self.blocks)
        return Graph(name=self.name, blocks=blocks, structure=Seq(tuple(self._seqs[0])),
                     **graph_fields)
