"""Forward mode on the SSA graph: one function that carries a tangent
``x_dot`` beside every active primal value ``x``.

Example::

    def f(x):                      def f_jvp(x, x_dot):
        y = np.sin(x)      ->          # line 2: y = np.sin(x)
        return y * x                   y = np.sin(x)
                                       y_dot = safe_mul(x_dot, np.cos(x))
                                       # line 3: return y * x
                                       t = y * x
                                       t_dot = y_dot * x + y * x_dot
                                       return t, t_dot

The primal graph is copied block by block; each instruction whose result
is active (transforms/activity.py: it depends on the differentiated inputs
and reaches the output) is followed by its tangent, built from the rule
table (``defjvp`` rules, inlined like reverse rules; a ``linear`` primal is
applied to the tangents).  Every active block parameter gets a tangent
parameter, and every edge passes the tangents of its values: branches and
loops need nothing else, so there are no stacks and no mirrored control
flow.  A value that is not active has no tangent and produces no code.
"""
from __future__ import annotations

import operator

import numpy as np

from ..errors import NoRuleError
from ..frontend.bindings import reads_user_globals
from ..ir import ops
from ..ir.builder import IRBuilder, Namer, _MBlock
from ..ir.nodes import Attr, Branch, Call, Const, IfRegion, Jump, Loc, Return, Var
from ..rules.registry import props
from ..rules.tangents import (add_tangents, broadcast_like, float_tangent,
                              fresh_tangent_zero, no_tangent, tangent_zero)
from .rule_inline import arity_error, bind_operands, inline_rule, rule_expression

__all__ = ["forward", "drop_scalar_helpers"]

_CONTAINERS = (ops.make_tuple, ops.make_list)


class _Forward:
    def __init__(self, g, active, where, sequences):
        self.g, self.active, self.where, self.sequences = g, active, where, sequences
        reserved = {v.name for b in g.blocks for v in b.params}
        reserved |= {i.out.name for i in g.instructions() if i.out is not None}
        self.b = IRBuilder(g.name, Namer(reserved))
        self.b._nblocks = max(int(b.label[2:]) for b in g.blocks) + 1
        self.bm = g.block_map()
        self.dot = {}               # primal Var -> its tangent (an operand)
        self.last = {}              # primal label -> the label its terminator ended in
        self._line = None
        self._zeros = {}            # zeros taken before an in-place primal changed the value

    # -- tangents ---------------------------------------------------------------------
    def tangent(self, a):
        return self.dot.get(a) if isinstance(a, Var) else None

    def tangent_or_zero(self, a):
        t = self.tangent(a)
        if t is not None:
            return t
        if a in self._zeros:
            return self._zeros[a]
        if isinstance(a, Const):
            v = a.value
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return Const(0.0)
            return Const(tangent_zero(v)) if v is None or isinstance(v, (tuple, float)) else \
                self.b.emit(tangent_zero, (a,), hint="zero")
        return self.b.emit(self._zero_fn(a), (a,), hint=f"{a.name}_dot")

    def _zero_fn(self, v):
        """A list or dict's zero tangent is mutated like the list: a fresh one each time."""
        return fresh_tangent_zero if v in self.sequences else tangent_zero

    def dot_name(self, v):
        return f"{v.name}_dot"

    def _name(self, t, v):
        """Give the instruction that just computed ``t`` the name ``v_dot``."""
        instrs = self.b.cur.instrs
        if isinstance(t, Var) and instrs and instrs[-1].out == t and not t.name.endswith("_dot") \
                and t not in self.dot.values():
            new = self.b.fresh(self.dot_name(v))
            last = instrs[-1]
            instrs[-1] = Call(new, last.fn, last.args, last.kwargs, last.loc)
            return new
        return t

    # -- rules ------------------------------------------------------------------------
    def apply_rule(self, fn, args, kwargs, loc, primal, primal_args, primal_kwargs):
        """``fn(*args, **kwargs)``: inlined when the rule is a single
        expression (rule_inline.py), else called."""
        try:
            bind_operands(fn, args, kwargs)
        except TypeError as e:
            from ..rules.registry import primal_name
            raise arity_error(primal, primal_args, primal_kwargs, fn, e, name=primal_name(primal),
                              where=self.where, loc=loc) from None
        if rule_expression(fn) is not None and not reads_user_globals(fn):
            from ..ir.build import _FunctionBuilder
            fb = _FunctionBuilder(rule_expression(fn)[0], self.b, stack=(fn,))
            out = inline_rule(fb, fn, tuple(args), tuple(kwargs), loc)
            if out is not None:
                return out
        return self.b.emit(fn, args, kwargs, loc)

    def instr(self, ins):
        if ins.loc is not None and ins.fn is not ops.comment:
            text = f"line {ins.loc.lineno}: {ins.loc.source}"
            if self._line != (id(self.b.cur), text):
                self.b.effect(ops.comment, (Const(text),))
                self._line = (id(self.b.cur), text)
        out = ins.out
        if ins.fn in ops.TAPE_STORE and self.tangent(ins.args[0]) is not None:
            # a stack (tape) of a reverse pass that carries tangents: its tangent
            # stack takes the stored value's tangent (zero for a value without one)
            self.b.cur.instrs.append(ins)
            self.b.effect(ins.fn, (self.tangent(ins.args[0]),) + ins.args[1:-1]
                          + (self.tangent_or_zero(ins.args[-1]),), ins.loc)
            return
        if ins.fn is ops.list_append and out in self.active:
            # the zero tangent of a list that append is about to change: taken before
            self._zeros = {a: self.tangent_or_zero(a) for a in ins.args if self.tangent(a) is None}
        self.b.cur.instrs.append(ins)
        if out is None or out not in self.active:
            return
        t = self.tangent_of(ins)
        self._zeros = {}
        if t is not None:
            self.dot[out] = self._name(t, out)

    def tangent_of(self, ins):
        fn, out, loc = ins.fn, ins.out, ins.loc
        if fn in ops.TAPE_NEW:                     # forward over reverse: stacks in pairs
            return self.b.emit(fn, ins.args, loc=loc)
        if fn in ops.TAPE_LOAD:
            return self.b.emit(fn, (self.tangent(ins.args[0]),) + ins.args[1:], loc=loc)
        if fn in _CONTAINERS:
            return self.b.emit(fn, [self.tangent_or_zero(a) for a in ins.args], loc=loc)
        if fn is ops.make_dict:
            items = []
            for k, v in zip(ins.args[::2], ins.args[1::2]):
                items += [k, self.tangent_or_zero(v)]
            return self.b.emit(fn, items, loc=loc)
        if isinstance(fn, Attr):              # a namedtuple field, .T, .real: linear
            return self.b.emit(fn, (self.tangent(ins.args[0]),), loc=loc)
        if fn in (operator.add, operator.mul) and out in self.sequences and not ins.kwargs:
            return self._sequence_join(ins)
        rule = props(fn)          # (forward rules only: a run-time helper's entry)
        if rule.nondiff or not (rule.has_rules or rule.jvps):
            raise self._no_rule(ins)
        index = {n: k for k, n in enumerate(rule.params)}
        index.update(rule.keywords)
        targets = [(k, a) for k, a in enumerate(ins.args)]
        targets += [(index[n], a) for n, a in ins.kwargs if n in index]
        for n, a in ins.kwargs:
            if n not in index and self.tangent(a) is not None:
                raise self._no_rule(ins, n)
        active = [(k, a) for k, a in targets if self.tangent(a) is not None]
        for k, a in active:
            if rule.vjp(k) is None and rule.jvp(k) is None:
                raise self._no_rule(ins, k)
        if rule.jvps:
            return self._explicit(ins, rule, active)
        if rule.linear:
            return self._linear(ins, rule, index)
        raise self._no_rule(ins, forward_rule=True)

    def _explicit(self, ins, rule, active):
        """The sum of the rules' contributions, one per active argument."""
        args = [None, ins.out] + list(ins.args)
        total, multi = None, rule.multiple_results
        for k, a in active:
            jvp = rule.jvp(k)
            if jvp is None:
                raise self._no_rule(ins, k, forward_rule=True)
            if jvp is no_tangent:            # a shape or a structure only
                continue
            args[0] = self.tangent(a)
            c = self.apply_rule(jvp, args, ins.kwargs, ins.loc, ins.fn, ins.args, ins.kwargs)
            total = c if total is None else self.b.emit(
                add_tangents if multi else operator.add, (total, c), loc=ins.loc)
        return total if total is not None else self.tangent_or_zero_of_result(ins)

    def tangent_or_zero_of_result(self, ins):
        return self.b.emit(self._zero_fn(ins.out), (ins.out,), hint=self.dot_name(ins.out),
                           loc=ins.loc)

    def _linear(self, ins, rule, index):
        """A linear primal is its own JVP: the primal applied to the tangents
        of its differentiable arguments (zeros for inactive ones), its
        other arguments as they are (an argument marked ``no_cotangent``, a
        shape or a mask the result does not depend on smoothly, included)."""
        diff = {k for k in rule.diff_argnums()
                if not getattr(rule.vjps[k], "zero_cotangent", False)}
        args = [self.tangent_or_zero(a) if k in diff else a for k, a in enumerate(ins.args)]
        kwargs = [(n, self.tangent_or_zero(a) if index.get(n) in diff else a)
                  for n, a in ins.kwargs]
        t = self.b.emit(ins.fn, args, kwargs, ins.loc)
        dtype = dict(ins.kwargs).get("dtype")
        if dtype is None and "dtype" in rule.params and rule.params.index("dtype") < len(ins.args):
            dtype = ins.args[rule.params.index("dtype")]
        if dtype is not None and not _float_dtype(dtype):
            # np.array(x, dtype=int): the cast of the tangent is not its derivative
            t = self.b.emit(float_tangent, (t, ins.out), loc=ins.loc)
        return t

    def _sequence_join(self, ins):
        """``a + b`` of lists/tuples concatenates their tangents; ``s * n``
        repeats the tangent of ``s``."""
        a, b = ins.args
        if ins.fn is operator.add:
            return self.b.emit(operator.add, (self.tangent_or_zero(a), self.tangent_or_zero(b)),
                               loc=ins.loc)
        s, n = (a, b) if self.tangent(a) is not None else (b, a)
        return self.b.emit(operator.mul, (self.tangent(s), n), loc=ins.loc)

    def _no_rule(self, ins, k=None, forward_rule=False):
        from ..ir.nodes import callee_name
        from .reverse import _Reverse
        if not forward_rule:            # the words of reverse mode, naming defjvp
            e = _Reverse._no_rule(self, ins, k)
            e.message = e.message.replace("ad_compiler.defvjp(", "ad_compiler.defjvp(").replace(
                "vjp_arg0", "jvp_arg0")
            e.args = (e._format(),)
            return e
        name = callee_name(ins.fn)
        loc = ins.loc or Loc(self.g.filename, self.g.lineno)
        what = name if k is None else (f"keyword argument '{k}' of {name}" if isinstance(k, str)
                                       else f"argument {k} of {name}")
        return NoRuleError(
            f"no forward-mode (jvp) rule for {what}, which lies on the path from the "
            f"differentiated arguments to the output; register one with "
            f"ad_compiler.defjvp({name}, jvp_arg0, ...), use reverse mode, or wrap the value "
            f"in ad_compiler.stop_gradient()",
            fn_name=self.where, filename=loc.filename, lineno=loc.lineno, source_line=loc.source)

    # -- blocks, edges and regions ---------------------------------------------------------
    def edge(self, target, args):
        params = self.bm[target].params
        return tuple(args) + tuple(self.tangent_or_zero(a) for p, a in zip(params, args)
                                   if p in self.dot)

    def term(self, t):
        if isinstance(t, Jump):
            return Jump(t.target, self.edge(t.target, t.args))
        if isinstance(t, Branch):
            return Branch(t.cond, t.then_target, t.else_target,
                          self.edge(t.else_target, t.else_args))
        if isinstance(t, Return):
            tan = self.tangent_or_zero(t.value)
            return Return(self.b.emit(ops.make_tuple, (t.value, tan), hint="result"))
        raise AssertionError(f"unknown terminator {t!r}")

    def block(self, label):
        blk = self.bm[label]
        mb = _MBlock(label, list(blk.params) + [self.dot[p] for p in blk.params if p in self.dot])
        self.b.blocks.append(mb)
        self.b.start(mb)
        for ins in blk.instrs:
            self.instr(ins)
        self.last[label] = self.b.cur.label
        self.b.cur.term = self.term(blk.term)

    def seq(self, seq):
        for item in seq.items:
            if isinstance(item, str):
                self.block(item)
            elif isinstance(item, IfRegion):
                head = self.last[item.head]
                then = self.b._region(lambda: self.seq(item.then))
                orelse = self.b._region(lambda: self.seq(item.orelse))
                self.b._seqs[-1].append(IfRegion(head, then, orelse, item.join))
            else:
                from ..ir.nodes import LoopRegion
                test = self.b._region(lambda: self.seq(item.test))
                body = self.b._region(lambda: self.seq(item.body))
                self.b._seqs[-1].append(LoopRegion(item.header, test, body, item.exit))


def forward(g, wrt, active, where, sequence_params=()):
    """The forward-mode graph of ``g``: parameters ``(*g.params, *tangents)``
    (one tangent per parameter in ``wrt``); returns ``(output, output_dot)``."""
    from .reverse import _Reverse
    sequences = _Reverse(g, wrt, active, where, sequence_params=sequence_params).sequences
    fw = _Forward(g, active, where, sequences)
    params = g.entry.params
    for k in wrt:
        fw.dot[params[k]] = fw.b.fresh(fw.dot_name(params[k]))
    for blk in g.blocks[1:]:
        for p in blk.params:
            if p in active:
                fw.dot[p] = fw.b.fresh(fw.dot_name(p))
    tangent_params = [fw.dot[params[k]] for k in wrt]
    fw.seq(g.structure)
    entry = fw.b.blocks[0]
    entry.params = list(params) + tangent_params
    graph = fw.b.finish(arg_names=g.arg_names + tuple(p.name for p in tangent_params),
                        defaults=g.defaults, filename=g.filename, lineno=g.lineno)
    return graph


def _float_dtype(op):
    """Whether a ``dtype`` operand is a known floating dtype (then a linear
    primal's cast of the tangent is right as it is)."""
    if not isinstance(op, Const):
        return False
    try:
        return np.dtype(op.value).kind == "f" and op.value is not None
    except TypeError:
        return False


def drop_scalar_helpers(g, scalars):
    """``broadcast_like(t, ans)`` and ``tangent_zero(x)`` where the values
    are known scalars (transforms/specialize.py's ``known_scalars``): ``t``
    and ``0.0``, so scalar loops carry plain floats."""
    from dataclasses import replace
    from .simplify import substitute
    m, blocks = {}, []
    for b in g.blocks:
        keep = []
        for ins in b.instrs:
            a = ins.args
            if ins.fn is broadcast_like and len(a) == 2 and all(
                    isinstance(x, Const) or x in scalars for x in a):
                m[ins.out] = a[0]
                continue
            if ins.fn is tangent_zero and len(a) == 1 and a[0] in scalars:
                m[ins.out] = Const(0.0)
                continue
            keep.append(ins)
        blocks.append(replace(b, instrs=tuple(keep)))
    for v in list(m):                    # broadcast_like(broadcast_like(t, a), b)
        while isinstance(m[v], Var) and m[v] in m:
            m[v] = m[m[v]]
    return substitute(replace(g, blocks=tuple(blocks)), m) if m else g


def drop_primal_output(g):
    """The forward graph returning ``(None, output_dot)`` instead of
    ``(output, output_dot)``: when only the tangent is wanted (``hvp``: the
    tangent of a gradient), DCE then drops what only the output needed."""
    from dataclasses import replace
    blocks = []
    for b in g.blocks:
        instrs = b.instrs
        if isinstance(b.term, Return):
            instrs = tuple(replace(i, args=(Const(None), i.args[1]))
                           if i.out == b.term.value and i.fn is ops.make_tuple else i
                           for i in b.instrs)
        blocks.append(replace(b, instrs=instrs))
    return replace(g, blocks=tuple(blocks))
