"""Reverse mode on the SSA graph: one joint graph that runs the primal and
then the adjoint, mirroring the control flow (Innes, "Don't Unroll Adjoint").

Example::

    def f(x):                      def f_grad(x, seed):
        y = np.sin(x)      ->          y = np.sin(x)
        return y * x                   out = y * x
                                       # adjoint of line 3: return y * x
                                       y_bar = seed * x
                                       x_bar = seed * y
                                       # adjoint of line 2: y = np.sin(x)
                                       x_bar = x_bar + y_bar * np.cos(x)
                                       return out, x_bar

Values defined once are read by the adjoint directly.  A value defined in
a loop body (or in a branch inside one) that the adjoint reads is stored in
the forward pass and read back in the mirrored position of the reverse
pass: in a tape of one entry per trip, indexed by the trip number, for a
counted loop at the top level (``t_tape[i] = t`` ... ``t_tape[r]``) or
nested in one with a trip count the same on every outer trip (one tape for
the whole nest, at the flat trip number: ``reverse_tapes.py``), else
pushed on a growable stack and popped; unless the cost model
(``remat_cost.py``) finds it cheaper to recompute (``math.sin(x * i)``).
Each loop records its trip count once.  Rules whose body is a
single ``return EXPR`` are inlined as IR, so later passes (scalar
specialisation, CSE, DCE) see through them; DCE then drops every stack
whose values the final adjoint does not read.
"""
from __future__ import annotations

import operator

from ..errors import NoRuleError
from ..frontend.bindings import reads_user_globals
from .. import runtime
from ..ir import ops, views
from ..ir.build import _FunctionBuilder
from ..ir.builder import IRBuilder, Namer
from ..ir.loops import counted_loop, use_counts
from ..ir.slots import AdjointCounter
from ..ir.walk import definitions, loop_blocks, value_names
from ..ir.nodes import Attr, Branch, Call, Method, Const, IfRegion, Jump, Loc, LoopRegion, Return, Var
from ..ir.nodes import callee_name
from ..rules import lookup
from ..rules.registry import DYNAMIC, primal_name
from ..rules.containers import iteration_keys
from ..runtime import accumulate as accumulate_cotangents
from ..runtime import cast_like
from .. import pytree
from ..rules.runtime_helpers import TREE_VALUED, TREE_VALUED_LIKE, is_no_cotangent
from .remat_cost import MAX_DEPTH, Budget
from .reverse_stacks import STRUCTURAL, cotangent_stack_inits, stack_adjoint
from .reverse_tapes import (TapeLoop, guards, nest_count, nested_tape_loop, prepare_nest,
                            reverse_index, trip_index)
from .rule_inline import arity_error, bind_operands, inline_rule, rule_expression
from .trip_count import trip_count

__all__ = ["reverse"]


class _Frame:
    """Where the pops of values defined in one scope (loop body or branch
    arm inside a loop) go: the start of that scope's mirror in the adjoint."""

    def __init__(self, block, pos):
        self.block, self.pos, self.pops = block, pos, {}

    def insert(self, call):
        self.block.instrs.insert(self.pos, call)
        self.pos += 1


class _Reverse:
    def __init__(self, g, wrt, active, where, remat="cheap", sequence_params=()):
        self.g, self.wrt, self.active, self.where = g, wrt, active, where
        self.remat = remat
        self.sequence_params = set(sequence_params)
        self.b = IRBuilder(g.name, Namer(value_names(g)))
        self.bm = g.block_map()
        self.defs = definitions(g)
        self.block_params = frozenset(p for b in g.blocks for p in b.params)
        self.scope_of = {}          # Var -> id(Seq) of its innermost scope inside a loop
        self.def_site = {}          # Var -> (label, index) ; index -1: block parameter
        self.frames = {}            # id(Seq) -> _Frame while its mirror is being built
        self.stacks = {}            # Var -> stack Var (or tape Var)
        self.tapes = {}             # tape Var -> header label of the counted loop it serves
        self.tape_loops = {}        # header label -> TapeLoop (counted loops with tapes)
        self.loop_of = {}           # scope id -> header label of its innermost loop
        self.pushes = {}            # label -> [(index, Call)]
        self.counters = {}          # header label -> trip count Var
        self.counted = {}           # header label -> CountedLoop
        self.label_scope = {}       # label -> scope id (None outside loops)
        self.label_arm = {}         # label -> (IfRegion, arm index) for arms outside loops
        self.mblocks = {}           # label -> the joint builder's copy of the primal block
        self._last_comment = None
        self.exported = {}
        self.sequences = self._find_sequences()
        self._index(g.structure, None)

    # -- where values live -------------------------------------------------------------
    def _index(self, seq, scope, arm=None):
        for item in seq.items:
            if isinstance(item, str):
                blk = self.bm[item]
                self.label_scope[item] = scope
                self.label_arm[item] = arm
                for p in blk.params:
                    self.def_site[p] = (item, -1)
                    if scope is not None:
                        self.scope_of[p] = scope
                for i, ins in enumerate(blk.instrs):
                    if ins.out is not None:
                        self.def_site[ins.out] = (item, i)
                        if scope is not None:
                            self.scope_of[ins.out] = scope
            elif isinstance(item, IfRegion):
                inside = scope is not None
                if inside:
                    self.loop_of[id(item.then)] = self.loop_of[id(item.orelse)] = self.loop_of[scope]
                self._index(item.then, id(item.then) if inside else None,
                            None if inside else (item, 0))
                self._index(item.orelse, id(item.orelse) if inside else None,
                            None if inside else (item, 1))
            else:
                body_entry = _first_label(item.body)
                self.loop_of[id(item.test)] = self.loop_of[id(item.body)] = item.header
                self._index(item.test, id(item.test))
                self._index(item.body, id(item.body))
                # the header's parameters and what the test computes outside its
                # own branches are the same at the start of the body: pushed there,
                # once per trip (the test runs once more than the body)
                entry_values = list(self.bm[item.header].params)
                for lb in item.test.items:
                    if isinstance(lb, str):
                        blk = self.bm[lb]
                        entry_values += list(blk.params)
                        entry_values += [i.out for i in blk.instrs if i.out is not None]
                for v in entry_values:
                    self.scope_of[v] = id(item.body)
                    self.def_site[v] = (body_entry, -1)

    def read(self, v):
        """A primal value as the adjoint at the current point sees it."""
        if not isinstance(v, Var):
            return v
        if v not in self.scope_of:
            site = self.def_site.get(v)
            arm = self.label_arm.get(site[0]) if site else None
            return v if arm is None else self.read(self._export(v, *arm))
        frame = self.frames.get(self.scope_of[v])
        if frame is None:
            raise AssertionError(f"adjoint reads {v} outside its loop")
        if v not in frame.pops:
            remat = self._rematerialize(v, frame, tape=self.loop_of.get(self.scope_of[v])
                                        in self.tape_loops)
            if remat is not None:
                frame.pops[v] = remat
                return remat
            stack = self.stacks.get(v)
            d = self.defs.get(v)
            loop = self.loop_of.get(self.scope_of[v])
            if stack is None and loop in self.tape_loops:     # a counted loop: a tape
                stack = self.stacks[v] = self.b.fresh(f"{v.name}_tape")
                self.tapes[stack] = loop
                label, idx = self.def_site[v]
                self.pushes.setdefault(label, []).append(
                    (idx, Call(None, ops.tape_store, (stack, trip_index(self, loop), v), (),
                               d.loc if d else None)))
            elif stack is None:                               # a growable stack
                stack = self.stacks[v] = self.b.fresh(f"{v.name}_stack")
                label, idx = self.def_site[v]
                self.pushes.setdefault(label, []).append(
                    (idx, Call(None, ops.push, (stack, v), (), d.loc if d else None)))
            popped = self.b.fresh(v.name)
            if stack in self.tapes:
                frame.insert(Call(popped, ops.tape_load, (stack, self.tape_loops[loop].rev), (),
                                  d.loc if d else None))
            else:
                frame.insert(Call(popped, ops.pop, (stack,), (), d.loc if d else None))
            frame.pops[v] = popped
        return frame.pops[v]

    def _rematerialize(self, v, frame, depth=0, budget=None, tape=False):
        """Recompute a loop value instead of stacking it, when the cost model
        (remat_cost.py) finds its chain of definitions (``math.sin(x * i)``)
        cheaper than a tape entry, given values the adjoint has anyway:
        constants, values from outside the loop, the recomputed loop counter."""
        d = self.defs.get(v)
        if d is None or d.kwargs or depth > MAX_DEPTH:
            return None
        budget = budget or Budget(self.remat, tape)
        if not budget.take(d.fn):
            return None
        args = []
        for a in d.args:
            if isinstance(a, Const) or a not in self.scope_of:
                args.append(a if isinstance(a, Const) else self.read(a))
                continue
            f = self.frames.get(self.scope_of[a])
            if f is not None and a in f.pops:
                if a in self.stacks and self.remat == "cheap":
                    # not from a stacked value: ``2 * u[1:-1]`` recomputed from
                    # the stacked view would need the view's contents where
                    # its shape may be all the adjoint reads (shapes.py)
                    return None
                args.append(f.pops[a])
                continue
            if f is not frame:
                return None
            sub = self._rematerialize(a, frame, depth + 1, budget)
            if sub is None:
                return None
            f.pops[a] = sub
            args.append(sub)
        out = self.b.fresh(v.name)
        frame.insert(Call(out, d.fn, tuple(args), (), d.loc))
        return out

    def _export(self, v, region, k):
        """Pass a value defined in one arm of an ``if`` out through a new
        parameter of the join (``UNSET`` from the other arm), so the adjoint,
        which mirrors that arm, reads a value that dominates it."""
        key = ("export", v)
        if key not in self.exported:
            join = self.mblocks[region.join]
            p = self.b.fresh(v.name)
            join.params.append(p)
            for i, arm in enumerate((region.then, region.orelse)):
                last = self.mblocks[_last_label(arm)]
                last.term = Jump(last.term.target, last.term.args + (v if i == k else Const(ops.UNSET),))
            self.def_site[p] = (region.join, -1)
            self.exported[key] = p
        return self.exported[key]

    def _open(self, seq):
        self.frames[id(seq)] = _Frame(self.b.cur, len(self.b.cur.instrs))

    # -- cotangents ----------------------------------------------------------------------
    def bar_name(self, v):
        return f"{v.name}_bar"

    def accumulate(self, v, contrib, tuple_valued=False):
        if not isinstance(v, Var) or v not in self.active or contrib is None:
            return
        env = self.b.env
        if v in env:
            fn = accumulate_cotangents if tuple_valued or v in self.sequences else operator.add
            env[v] = self.b.emit(fn, (env[v], contrib), hint=self.bar_name(v))
        else:
            env[v] = self._rename_last(contrib, self.bar_name(v))

    def _rename_last(self, x, name):
        """Give the value just computed for a first contribution the name
        ``<primal>_bar`` (readability only)."""
        instrs = self.b.cur.instrs if self.b.cur is not None else []
        if isinstance(x, Var) and instrs and instrs[-1].out == x and not x.name.endswith("_bar") \
                and x not in self.defs and x not in self.block_params:
            new = self.b.fresh(name)
            last = instrs[-1]
            instrs[-1] = Call(new, last.fn, last.args, last.kwargs, last.loc)
            return new
        return x

    def apply_rule(self, fn, args, kwargs, loc, primal=None, primal_args=(), primal_kwargs=()):
        """Emit ``fn(*args, **kwargs)``, inlining a single-expression rule
        (``rule_inline``; not a user's rule that reads globals: a call reads
        them when it runs); a call the rule cannot bind is reported at the
        user's line (``primal`` and its operands tell whose mistake it is)."""
        try:
            bind_operands(fn, args, kwargs)
        except TypeError as e:
            raise arity_error(primal, primal_args, primal_kwargs, fn, e,
                              name=primal_name(primal) if primal is not None else fn.__name__,
                              where=self.where, loc=loc) from None
        if rule_expression(fn) is not None and not reads_user_globals(fn):
            fb = _FunctionBuilder(rule_expression(fn)[0], self.b, stack=(fn,))
            out = inline_rule(fb, fn, tuple(args), tuple(kwargs), loc)
            if out is not None:
                return out
        return self.b.emit(fn, args, kwargs, loc)

    # -- instructions ----------------------------------------------------------------------
    def instr(self, ins):
        if ins.fn in STRUCTURAL:          # a loop tape of generated code
            return stack_adjoint(self, ins)
        out = ins.out
        if out is None or out not in self.active or out not in self.b.env:
            self.b.env.pop(out, None)
            return
        g = self.b.env.pop(out)
        if ins.loc is not None:
            text = f"adjoint of line {ins.loc.lineno}: {ins.loc.source}"
            cur = self.b.cur
            if self._last_comment != (id(cur), text):
                self.b.effect(ops.comment, (Const(text),), ins.loc)
                self._last_comment = (id(cur), text)
        fn = ins.fn
        if fn is ops.make_tuple or fn is ops.make_list or fn is ops.make_dict:
            items = list(enumerate(ins.args)) if fn is not ops.make_dict else \
                [(self.read(k), v) for k, v in zip(ins.args[::2], ins.args[1::2])]
            for k, a in items:
                key = Const(k) if isinstance(k, int) else k
                get = pytree.tree_item if a in self.sequences else runtime.item_cotangent
                self.accumulate(a, self.b.emit(get, (g, key), loc=ins.loc))
            return
        if fn is operator.getitem and self._tuple_valued(ins.args[0]):
            base = ins.args[0]      # a container (or maybe an array: decided at run time)
            self.accumulate(base, self.b.emit(runtime.tree_cotangent,
                                              (self.read(base), self.read(ins.args[1]), g),
                                              loc=ins.loc), tuple_valued=True)
            return
        if fn in (operator.add, operator.mul) and out in self.sequences:
            parts = self._sequence_join(ins, self.sequences)
            if fn is operator.mul:      # repetition: item k sums the copies of item k
                s = parts[0]
                n = ins.args[1] if ins.args[0] is s else ins.args[0]
                self.accumulate(s, self.b.emit(runtime.repeat_cotangent,
                                               (g, self.read(s), self.read(n), self.read(out)),
                                               loc=ins.loc))
                return
            a, b = (self.read(v) for v in parts)   # concatenation: each gets its slice
            for k, v in enumerate(parts):
                self.accumulate(v, self.b.emit(runtime.concat_cotangent,
                                               (g, Const(k), a, b), loc=ins.loc))
            return
        if isinstance(fn, Attr) and self._tuple_valued(ins.args[0]):
            base = ins.args[0]      # a namedtuple field
            self.accumulate(base, self.b.emit(pytree.attr_cotangent,
                                              (self.read(base), Const(fn.name), g),
                                              loc=ins.loc), tuple_valued=True)
            return
        rule = lookup(fn)
        if rule is None:
            raise self._no_rule(ins)
        index = {n: k for k, n in enumerate(rule.params)}
        index.update(rule.keywords)     # keyword-only aliases: np.clip(x, min=lo)
        positional = list(ins.args)
        named = dict(ins.kwargs)
        targets = [(k, a) for k, a in enumerate(positional)]
        targets += [(index[n], a) for n, a in ins.kwargs if n in index]
        for n, a in ins.kwargs:         # an active keyword no positional rule covers
            if n not in index and isinstance(a, Var) and a in self.active:
                raise self._no_rule(ins, n)
        args = [g, self.read(out)] + [self.read(a) for a in positional]
        kwargs = [(n, self.read(a)) for n, a in named.items()]
        if fn is ops.setitem:       # read g[idx] for v before a's rule zeroes it
            targets = targets[::-1]
        for k, a in targets:
            if not (isinstance(a, Var) and a in self.active):
                continue
            vjp = rule.vjp(k)
            if vjp is None:
                raise self._no_rule(ins, k)
            if is_no_cotangent(vjp):        # a shape, mask or index: no contribution
                continue
            self.accumulate(a, self._rename_last(
                self.apply_rule(vjp, args, kwargs, ins.loc, fn, ins.args, ins.kwargs),
                self.bar_name(a)))

    def _tuple_valued(self, v):
        return v in self.sequences

    def _find_sequences(self):
        """Values that are Python tuples or lists (their cotangents are
        tuples, summed item by item): built by make_tuple/make_list/append,
        multi-result primitives (those whose result is a tuple for some
        arguments only are decided when the code runs: ``np.gradient(f)``),
        items of these, and block parameters that receive them."""
        seqs = set(self.sequence_params)      # containers passed in by the caller
        for ins in self.g.instructions():
            r = lookup(ins.fn)
            if ins.fn in (ops.make_tuple, ops.make_list, ops.make_dict, ops.list_append):
                seqs.add(ins.out)
            elif ins.fn in TREE_VALUED:         # a container's cotangent, in generated code
                seqs.add(ins.out)
            elif r is not None and r.multiple_results:
                is_tuple = self._returns_tuple(r, ins)
                if is_tuple is not False:        # None: a tuple or an array, known at run time
                    seqs.add(ins.out)
        edges = list(self.g.edges())
        items = [(i.out, i.args[0]) for i in self.g.instructions()
                 if (i.fn in (operator.getitem, ops.setitem, iteration_keys, views.entry_copy)
                     or isinstance(i.fn, Attr)) and i.args]      # (a dict's keys: a list)
        items += [(i.out, i.args[TREE_VALUED_LIKE[i.fn]]) for i in self.g.instructions()
                  if i.fn in TREE_VALUED_LIKE and len(i.args) > TREE_VALUED_LIKE[i.fn]]
        # the same object after an in-place update (ir.aliasing): a container stays one
        items += [(i.out, a) for i in self.g.instructions() if i.fn in (
            ops.alias_update, views.write_view, views.read_view, views.inplace_value)
            for a in i.args[:2]]
        joined = [i for i in self.g.instructions()
                  if i.fn in (operator.add, operator.mul) and len(i.args) == 2 and not i.kwargs]
        changed = True
        while changed:            # items of containers may be containers (nested pytrees)
            changed = False
            for p, a in edges + items:
                known = a in seqs or (isinstance(a, Const) and type(a.value) in (list, tuple))
                if known and p not in seqs and p is not None:   # t = () ... t = t + (v,)
                    seqs.add(p)
                    changed = True
            for ins in joined:    # list + list, tuple * n: a container too
                if ins.out not in seqs and self._sequence_join(ins, seqs) is not None:
                    seqs.add(ins.out)
                    changed = True
        return seqs

    def _sequence_join(self, ins, seqs):
        """For ``a + b`` or ``a * n`` whose result is a list or tuple
        (Python's concatenation and repetition, not arithmetic), the operands
        that are containers; None for arithmetic.  ``a * n`` counts only when
        ``n`` carries no gradient (``[1.0, 2.0] * x`` with an array ``x`` is
        arithmetic)."""
        def seq(a):
            return a in seqs if isinstance(a, Var) else isinstance(a.value, (list, tuple))
        a, b = ins.args
        if ins.fn is operator.add:
            return (a, b) if seq(a) and seq(b) else None
        for s, n in ((a, b), (b, a)):
            if seq(s) and not seq(n) and not (isinstance(n, Var) and n in self.active):
                return (s,)
        return None

    def _returns_tuple(self, rule, ins):
        """``rule.returns_tuple`` for the call ``ins`` (constants as values)."""
        val = lambda a: a.value if isinstance(a, Const) else DYNAMIC   # noqa: E731
        try:
            return rule.returns_tuple(*map(val, ins.args), **{n: val(a) for n, a in ins.kwargs})
        except TypeError as e:
            loc = ins.loc or Loc(self.g.filename, self.g.lineno)
            raise NoRuleError(f"{rule.name}: {e}", fn_name=self.where, filename=loc.filename,
                              lineno=loc.lineno, source_line=loc.source) from None

    def _no_rule(self, ins, k=None):
        name = callee_name(ins.fn)
        loc = ins.loc or Loc(self.g.filename, self.g.lineno)
        if isinstance(ins.fn, (Attr, Method)):
            kind = "attribute" if isinstance(ins.fn, Attr) else "method"
            return NoRuleError(
                f"no derivative rule for the {kind} '.{ins.fn.name}', which lies on the path from "
                f"the differentiated arguments to the output; write it with a NumPy function "
                f"that has a rule (see docs/RULES.md), or wrap the value in "
                f"ad_compiler.stop_gradient() if no gradient should flow through it",
                fn_name=self.where, filename=loc.filename, lineno=loc.lineno, source_line=loc.source)
        if ins.fn is ops.changed_in_place:
            return NoRuleError(
                f"'.{ins.args[2].value}()' changes a list or dict that carries a gradient in "
                f"place, which is not supported: use lst.append(v), d[k] = v, or build a new "
                f"list/dict", fn_name=self.where, filename=loc.filename, lineno=loc.lineno,
                source_line=loc.source)
        what = name if k is None else (f"keyword argument '{k}' of {name}" if isinstance(k, str)
                                       else f"argument {k} of {name}")
        rule = lookup(ins.fn)
        if rule is not None and rule.doc and not rule.diff_argnums():
            what += f" ({rule.doc})"                 # e.g. a draw: how to reparametrize
        return NoRuleError(
            f"no derivative rule for {what}, which lies on the path from the differentiated "
            f"arguments to the output; register one with "
            f"ad_compiler.defvjp({name}, vjp_arg0, ...) or wrap the value in "
            f"ad_compiler.stop_gradient() if no gradient should flow through it",
            fn_name=self.where, filename=loc.filename, lineno=loc.lineno, source_line=loc.source)

    # -- regions ------------------------------------------------------------------------------
    def block(self, label):
        for ins in reversed(self.bm[label].instrs):
            self.instr(ins)

    def seq(self, seq):
        for item in reversed(seq.items):
            if isinstance(item, str):
                self.block(item)
            elif isinstance(item, IfRegion):
                self.if_region(item)
            else:
                self.loop_region(item)

    def _edge_args(self, src_seq, target):
        term = self.bm[_last_label(src_seq)].term
        assert isinstance(term, Jump) and term.target == target
        return term.args

    def if_region(self, r):
        join = self.bm[r.join]
        incoming = {p: self.b.env.pop(p) for p in join.params if p in self.b.env}
        cond = self.read(self.bm[r.head].term.cond)

        def arm(seq):
            def build():
                self._open(seq)        # where pops of values scoped to this arm go
                for p, a in zip(join.params, self._edge_args(seq, r.join)):
                    if p in incoming:
                        self.accumulate(a, incoming[p])
                self.seq(seq)
            return build

        self.b.if_(cond, arm(r.then), arm(r.orelse), fill=self._zero,
                   hint_of=lambda k: self.bar_name(k))

    def _zero(self, v):
        return self.b.emit(runtime.zero_like, (self.read(v),), hint=self.bar_name(v))

    def loop_region(self, r):
        header = self.bm[r.header]
        test_end = self.bm[_last_label(r.test)]
        br = test_end.term
        exit_blk = self.bm[r.exit]
        hp = [p for p in header.params]
        # exit parameters take their cotangents from the values the test passed out
        for p, a in zip(exit_blk.params, br.else_args):
            if p in self.b.env:
                self.accumulate(a, self.b.env.pop(p))
        count = self.read(self.counters[r.header])
        labels = set(loop_blocks(r))
        inside = {v for v, s in self.def_site.items() if s[0] in labels}
        inside |= set(hp)
        outer = []
        for lb in sorted(labels):
            for ins in self.bm[lb].instrs:
                if ins.out in self.active:
                    outer += [a for a in ins.operands() if isinstance(a, Var) and a in self.active
                              and a not in inside]
            # a value from outside passed along an edge inside the loop (a join
            # or nested loop fed a bare parameter: ``t = x`` in one arm) gets
            # its cotangent inside the reverse loop too: carried like an operand
            for p, a in self._edges_of(self.bm[lb].term):
                if p in self.active and isinstance(a, Var) and a in self.active and a not in inside:
                    outer.append(a)
        latch_args = self._edge_args(r.body, r.header)
        indexed = {ins.args[0] for lb in labels for ins in self.bm[lb].instrs
                   if ins.fn is operator.getitem and ins.out in self.active}
        carried = [p for p in hp if p in self.active]
        carried += [v for v in dict.fromkeys(outer) if v not in carried]
        init_of = dict(zip(hp, self._init_args(r)))

        def zero(k, at_exit=False):
            """A zero cotangent for a carried value, shaped like the value
            itself where the loop is (a loop may change a value's shape: an
            array summed to a number, a None placeholder given a value)."""
            if k not in init_of:
                return self._zero(k)
            v = self._exit_value(r, k) if at_exit else k
            return self.b.emit(runtime.zero_like, (self.read(v),), hint=self.bar_name(k))

        for k in carried:
            if k not in self.b.env:
                self.b.env[k] = zero(k, at_exit=True)
            elif k not in hp and k in indexed and isinstance(self.b.env[k], Var):
                # accumulated item by item in the loop: one private copy, then in place
                self.b.env[k] = self.b.emit(runtime.own, (self.b.env[k],), hint=self.bar_name(k))
        rkey = AdjointCounter(r.header)
        tl = self.tape_loops.get(r.header)
        if tl is not None and tl.parent is None:
            prepare_nest(self, tl)          # the nest's invariant trip numbers, before it
        if tl is not None and tl.parent is not None:
            self.b.env[rkey] = tl.rev_last  # (made before the outermost loop: prepare_nest)
            tl.rev_base = self.b.emit(operator.mul, (tl.parent.rev, self.read(tl.trips)),
                                      hint="k")
        else:
            self.b.env[rkey] = self.b.emit(operator.sub, (count, Const(1)), hint="r")
        cl = self.counted.get(r.header)

        def body():
            i = self.b.env[rkey]
            reverse_index(self, r.header, i)    # where this trip's tapes are read
            iv = None
            if cl is not None:          # the forward induction variable, recomputed
                iv = i
                if cl.step.value != 1:
                    iv = self.b.emit(operator.mul, (iv, cl.step), hint=cl.var.name)
                if not (isinstance(cl.init, Const) and cl.init.value == 0):
                    iv = self.b.emit(operator.add, (self.read(cl.init), iv), hint=cl.var.name)
            self._open(r.body)
            if iv is not None:
                self.frames[id(r.body)].pops[cl.var] = iv
            incoming = {p: self.b.env.pop(p) for p in hp if p in self.b.env}
            for p, a in zip(hp, latch_args):
                if p in incoming:
                    self.accumulate(a, incoming[p])
            self.seq(r.body)
            self.seq(r.test)            # the test that let this trip run (CSE may share
            for p in carried:           # its values with the body: x*x - a in Newton)
                if p not in self.b.env:
                    self.b.env[p] = zero(p)
            self.frames.pop(id(r.body), None)
            self.b.env[rkey] = self.b.emit(operator.add, (i, Const(-1)), hint="r")
        test = lambda: self.b.emit(operator.gt, (self.b.env[rkey], Const(-1)))
        self.b.loop([rkey] + carried, test, body,
                    hint_of=lambda k: "r" if k == rkey else self.bar_name(k))
        self.b.env.pop(rkey)
        init_args = self._init_args(r)
        for p, a in zip(hp, init_args):
            if p in self.b.env:
                self.accumulate(a, self.b.env.pop(p))

    def _exit_value(self, r, p):
        """The value a loop parameter has when the loop exits (an exit
        parameter, added if the primal dropped it as unused)."""
        test_end = self.mblocks[_last_label(r.test)]
        exit_blk = self.mblocks[r.exit]
        for e, a in zip(exit_blk.params, test_end.term.else_args):
            if a == p:
                return e
        e = self.b.fresh(p.name)
        t = test_end.term
        test_end.term = Branch(t.cond, t.then_target, t.else_target, t.else_args + (p,))
        exit_blk.params.append(e)
        self.def_site[e] = (r.exit, -1)
        if self.label_scope.get(r.exit) is not None:
            self.scope_of[e] = self.label_scope[r.exit]
        return e

    def _edges_of(self, term):
        """(target parameter, value passed) for every edge of a terminator."""
        if isinstance(term, Jump):
            return zip(self.bm[term.target].params, term.args)
        if isinstance(term, Branch) and term.else_args:
            return zip(self.bm[term.else_target].params, term.else_args)
        return ()

    def _init_args(self, r):
        latch = _last_label(r.body)
        for b in self.g.blocks:
            if isinstance(b.term, Jump) and b.term.target == r.header and b.label != latch:
                return b.term.args
        raise AssertionError("loop without entry edge")


def _first_label(seq):
    item = seq.items[0]
    return item if isinstance(item, str) else (item.head if isinstance(item, IfRegion) else item.header)


def _last_label(seq):
    item = seq.items[-1]
    if isinstance(item, str):
        return item
    if isinstance(item, IfRegion):
        return item.join
    return item.exit


def _copy_primal(rv, g):
    """Copy the primal blocks into the joint builder, adding a trip counter
    to every loop; returns the block that ended in ``return``."""
    b = rv.b
    mblocks = b.copy_graph(g)

    uses = use_counts(g.blocks)

    def add_counters(seq, parent=None, guard=None):
        """``parent``: the tape loop whose body is ``seq``, or holds the ``if``
        (``guard``) whose arm ``seq`` is (reverse_tapes)."""
        for item in seq.items:
            if isinstance(item, IfRegion):
                add_counters(item.then, parent if guard is None else None, item)
                add_counters(item.orelse, parent if guard is None else None, item)
            elif isinstance(item, LoopRegion):
                c = counted_loop(rv.bm, item, uses)
                if c is not None and c.init is not None:
                    rv.counted[item.header] = c
                    pre = [mb for mb in mblocks.values() if isinstance(mb.term, Jump)
                           and mb.term.target == item.header
                           and mb.label != _last_label(item.body)][0]
                    guarded = guard is not None and guards(rv, guard, c)
                    top = parent is None and (seq is g.structure or guarded and any(
                        it is guard for it in g.structure.items))
                    count, n = trip_count(c.init, c.stop, c.step, b.fresh, rv.defs)
                    nested = nested_tape_loop(rv, parent, c, guard is None or guarded, count)
                    if nested:                  # counted once, before the outermost loop
                        pre = parent.pre
                        if count:               # (only if the loops around it make a trip)
                            n = b.fresh("n_trips")
                            count = [Call(n, ops.trips_within, (parent.count, c.init, c.stop,
                                                                c.step))]
                    elif top and guarded:       # before its guard
                        pre = mblocks[guard.head]
                    pre.instrs.extend(count)
                    rv.counters[item.header] = n
                    if count:
                        rv.def_site[n] = (pre.label, len(pre.instrs) - 1)
                    tl = None
                    entry = item.body.items[0]      # a block that runs once per trip
                    if not isinstance(entry, str):
                        pass
                    elif top:                   # allocated once, before the loop
                        tl = TapeLoop(item.header, c, n, n, pre, entry,
                                      region=guard if guarded else item)
                    elif nested:                # one tape for the nest
                        size, total = nest_count(parent, n, b.fresh)
                        pre.instrs.extend(size)
                        if size:
                            rv.def_site[total] = (pre.label, len(pre.instrs) - 1)
                        tl = TapeLoop(item.header, c, n, total, pre, entry, parent, parent.region)
                    if tl is not None:
                        rv.tape_loops[item.header] = tl
                    add_counters(item.test)
                    add_counters(item.body, tl)
                    continue
                add_counters(item.test)
                add_counters(item.body)
                h = mblocks[item.header]
                c = b.fresh("n_iter")
                h.params.append(c)
                latch = mblocks[_last_label(item.body)]
                nxt = b.fresh("n_iter")
                latch.instrs.append(Call(nxt, operator.add, (c, Const(1))))
                latch.term = Jump(latch.term.target, latch.term.args + (nxt,))
                for mb in mblocks.values():
                    if isinstance(mb.term, Jump) and mb.term.target == item.header and mb is not latch:
                        mb.term = Jump(mb.term.target, mb.term.args + (Const(0),))
                tend = mblocks[_last_label(item.test)]
                t = tend.term
                tend.term = Branch(t.cond, t.then_target, t.else_target, t.else_args + (c,))
                n = b.fresh("n_trips")
                mblocks[item.exit].params.append(n)
                rv.counters[item.header] = n
                rv.def_site[n] = (item.exit, -1)
    add_counters(g.structure)
    for n in rv.counters.values():          # trip counts live in their exit's scope
        if not isinstance(n, Var):
            continue
        scope = rv.label_scope[rv.def_site[n][0]]
        if scope is not None:
            rv.scope_of[n] = scope
    ret = [mb for mb in mblocks.values() if isinstance(mb.term, Return)]
    assert len(ret) == 1
    return ret[0], mblocks


def reverse(g, wrt, active, where, has_aux=False, remat="cheap", sequence_params=()):
    """The joint graph of ``g``: parameters ``(*g.params, seed)``; returns
    ``(output, aux?, grad_0, ..., grad_k)`` for the parameters ``wrt``.
    ``sequence_params``: parameters called with tuples or lists (their
    cotangents are tuples).  ``remat``: which loop values are recomputed in the adjoint rather than
    stacked — "cheap" arithmetic, or any "pure" scalar function (for device
    code, which has no stacks)."""
    rv = _Reverse(g, wrt, active, where, remat, sequence_params)
    b = rv.b
    ret_block, mblocks = _copy_primal(rv, g)
    rv.mblocks = mblocks
    out = ret_block.term.value
    aux = None
    if has_aux:
        d = rv.defs.get(out)
        if d is None or d.fn is not ops.make_tuple or len(d.args) != 2:
            raise NoRuleError("has_aux=True needs the function to return a pair (value, aux)",
                              fn_name=where, filename=g.filename, lineno=g.lineno)
        out, aux = d.args
    seed = b.fresh("seed")
    mblocks[g.entry.label].params.append(seed)
    b.cur = ret_block
    ret_block.term = None
    if isinstance(out, Var) and out in active:
        b.env[out] = b.emit(runtime.seed_cotangent, (seed, out), hint=f"{out.name}_bar")
    rv.seq(g.structure)
    params = g.entry.params
    grads = []
    for k in wrt:
        p = params[k]
        bar = b.env.get(p)
        if bar is None and p in rv.sequences:         # a container: zeros of its structure
            grads.append(b.emit(cast_like, (b.emit(runtime.zero_like, (p,), hint=f"{p.name}_bar"), p),
                                hint=f"{p.name}_grad"))
        elif bar is None:
            grads.append(b.emit(runtime.zero_like, (p,), hint=f"{p.name}_bar"))
        else:
            grads.append(b.emit(cast_like, (bar, p), hint=f"{p.name}_grad"))
    results = [out] + ([aux] if has_aux else []) + grads
    b.terminate(Return(b.emit(ops.make_tuple, results, hint="result")))
    # forward pass: a comment naming the source line before each line's
    # instructions, and the pushes right after the values they store
    for blk in g.blocks:
        mb = mblocks[blk.label]
        after = {}
        for idx, call in rv.pushes.get(blk.label, ()):
            after.setdefault(idx, []).append(call)
        out, last = list(after.get(-1, ())), None
        for k, ins in enumerate(mb.instrs):     # the primal's, then what was appended
            if k < len(blk.instrs) and ins.loc is not None and ins.loc.lineno != last:
                last = ins.loc.lineno
                out.append(Call(None, ops.comment, (Const(f"line {last}: {ins.loc.source}"),),
                                (), ins.loc))
            out.append(ins)
            out.extend(after.get(k, ()))
        mb.instrs = out
    for v, s in sorted(rv.stacks.items(), key=lambda t: t[1].name):
        if s in rv.tapes:               # after the trip count, before the loop
            tl = rv.tape_loops[rv.tapes[s]]
            tl.pre.instrs.append(Call(s, ops.new_tape, (tl.count,)))
    entry = mblocks[g.entry.label]
    for v, s in sorted(rv.stacks.items(), key=lambda t: t[1].name, reverse=True):
        if s not in rv.tapes:
            entry.instrs.insert(0, Call(s, ops.new_stack, ()))
    entry.instrs[0:0] = cotangent_stack_inits(rv)
    return b.finish(arg_names=g.arg_names + (seed.name,), defaults=g.defaults,
                    filename=g.filename, lineno=g.lineno)
