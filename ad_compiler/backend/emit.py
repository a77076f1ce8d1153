"""Graph → Python source: gast nodes, printed by astor.

Example: the block ``bb0(x): t1 = mul x x; return t1`` with a rule call
``x_bar = mul_a(t1_bar, t1, x, x)`` is emitted as::

    def f(x):
        t1 = x * x
        x_bar = unbroadcast(t1_bar * x, x)
        return t1

Operators print as operators, NumPy and math functions as ``np.sin`` /
``math.sin``, rule calls whose body is a single ``return EXPR`` are
inlined with their parameters renamed, and the region tree becomes
``if``/``while`` statements; block arguments become assignments on the
edges that pass them.
"""
from __future__ import annotations

import operator
import re
import types

import astor
import gast
import numpy as np

from ..ir import ops
from ..ir.loops import counted_loop, use_counts
from ..ir.nodes import Attr, Const, IfRegion, Jump, LoopRegion, Method, Var
from ..transforms.inplace import plan_setitems
from .namespace import Namespace

__all__ = ["emit_function"]

_BIN = {operator.add: gast.Add, operator.sub: gast.Sub, operator.mul: gast.Mult,
        operator.truediv: gast.Div, operator.pow: gast.Pow, operator.matmul: gast.MatMult,
        operator.floordiv: gast.FloorDiv, operator.mod: gast.Mod, operator.and_: gast.BitAnd,
        operator.or_: gast.BitOr, operator.xor: gast.BitXor, operator.lshift: gast.LShift,
        operator.rshift: gast.RShift}
_UN = {operator.neg: gast.USub, operator.pos: gast.UAdd, operator.not_: gast.Not,
       operator.invert: gast.Invert}
_CMP = {operator.lt: gast.Lt, operator.le: gast.LtE, operator.gt: gast.Gt, operator.ge: gast.GtE,
        operator.eq: gast.Eq, operator.ne: gast.NotEq, operator.is_: gast.Is,
        operator.is_not: gast.IsNot}
_COMMENT = "__ad_comment__:"


def _name(id_, store=False):
    return gast.Name(id=id_, ctx=gast.Store() if store else gast.Load(), annotation=None,
                     type_comment=None)


def _const(v):
    return gast.Constant(value=v, kind=None)


def _attr(base, attr):
    return gast.Attribute(value=base, attr=attr, ctx=gast.Load())


def _call(func, args, keywords=()):
    return gast.Call(func=func, args=list(args),
                     keywords=[gast.keyword(arg=k, value=v) for k, v in keywords])


def _assign(target, value):
    return gast.Assign(targets=[target], value=value, type_comment=None)


class _Emitter:
    def __init__(self, graph, ns, inplace=frozenset(), omit_unset=False):
        self.inplace = inplace
        self.omit_unset = omit_unset
        self.skip, self.skip_edge = set(), set()
        self.use_count = use_counts(graph.blocks)
        self.g = graph
        self.blocks = graph.block_map()
        self.ns = ns
        self.coalesce = self._coalescable(graph)
        self.comments = []           # texts of the comment placeholders, by number

    def _coalescable(self, graph):
        """Values an ``if`` arm computes only to pass them to the join: the
        instruction assigns the join's parameter directly (no ``y_3 = y``)."""
        joins = set()

        def walk(seq):
            for item in seq.items:
                if isinstance(item, IfRegion):
                    joins.add(item.join)
                    walk(item.then)
                    walk(item.orelse)
                elif isinstance(item, LoopRegion):
                    walk(item.test)
                    walk(item.body)
        walk(graph.structure)
        out = {}
        for b in graph.blocks:
            if not (isinstance(b.term, Jump) and b.term.target in joins):
                continue
            defined = {i.out for i in b.instrs if i.out is not None
                       and i.fn not in (ops.setitem, ops.list_append)}
            for p, a in zip(self.blocks[b.term.target].params, b.term.args):
                if isinstance(a, Var) and a in defined and self.use_count.get(a) == 1 \
                        and a not in out:
                    out[a] = p
        return out

    def target(self, var):
        return _name(self.coalesce.get(var, var).name, store=True)

    # -- operands ---------------------------------------------------------------------
    def operand(self, x):
        if isinstance(x, Var):
            return _name(x.name)
        return self.constant(x.value)

    def constant(self, v):
        if v is ops.UNSET:
            return _const(None)
        if v is None or isinstance(v, (bool, str)) or v is Ellipsis:
            return _const(v)
        if type(v) in (int, float):
            if v != v or v in (float("inf"), float("-inf")):
                return _name(self.ns.bind(v, "inf" if v == v else "nan"))
            return _const(v) if v >= 0 else gast.UnaryOp(op=gast.USub(), operand=_const(-v))
        if isinstance(v, slice):
            return _call(_name("slice"), [self.constant(p) for p in (v.start, v.stop, v.step)])
        if isinstance(v, tuple):
            return gast.Tuple(elts=[self.constant(e) for e in v], ctx=gast.Load())
        if isinstance(v, types.ModuleType):
            return _name(self.ns.bind(v))
        path = self.ns.path_of(v) if callable(v) else None
        if path:
            node = _name(path[0])
            for p in path[1:]:
                node = _attr(node, p)
            return node
        if isinstance(v, (np.dtype, type)) and getattr(np, getattr(v, "__name__", ""), None) is v:
            return _attr(_name(self.ns.bind(np)), v.__name__)
        return _name(self.ns.bind(v))

    def index(self, x):
        """An index operand printed as subscript syntax (``a[1:3, i]``)."""
        if isinstance(x, Const) and isinstance(x.value, slice):
            s = x.value
            return gast.Slice(*(None if p is None else self.constant(p) for p in (s.start, s.stop, s.step)))
        if isinstance(x, Const) and isinstance(x.value, tuple):
            return gast.Tuple(elts=[self.index(Const(e)) for e in x.value], ctx=gast.Load())
        return self.operand(x)

    # -- instructions ---------------------------------------------------------------------
    def call_expr(self, ins):
        fn, args = ins.fn, [self.operand(a) for a in ins.args]
        kw = [(k, self.operand(v)) for k, v in ins.kwargs]
        if fn in _BIN and len(args) == 2 and not kw:
            return gast.BinOp(left=args[0], op=_BIN[fn](), right=args[1])
        if fn in _UN and len(args) == 1:
            return gast.UnaryOp(op=_UN[fn](), operand=args[0])
        if fn in _CMP and len(args) == 2:
            return gast.Compare(left=args[0], ops=[_CMP[fn]()], comparators=[args[1]])
        if fn is operator.contains:
            return gast.Compare(left=args[1], ops=[gast.In()], comparators=[args[0]])
        if fn is operator.getitem:
            return gast.Subscript(value=args[0], slice=self.index(ins.args[1]), ctx=gast.Load())
        if fn is ops.make_tuple:
            return gast.Tuple(elts=args, ctx=gast.Load())
        if fn is ops.make_list:
            return gast.List(elts=args, ctx=gast.Load())
        if fn is ops.make_dict:
            return gast.Dict(keys=args[::2], values=args[1::2])
        if fn is ops.make_slice:
            return _call(_name("slice"), args)
        if fn is ops.format_string:
            return _call(_attr(args[0], "format"), args[1:])
        if fn is ops.new_stack:
            return gast.List(elts=[], ctx=gast.Load())
        if fn is ops.push:
            return _call(_attr(args[0], "append"), args[1:])
        if fn is ops.pop:
            return _call(_attr(args[0], "pop"), [])
        if isinstance(fn, Attr):
            return _attr(args[0], fn.name)
        if isinstance(fn, Method) or (type(fn).__name__ == "method_descriptor"
                                      and getattr(fn, "__objclass__", None) is np.ndarray):
            return _call(_attr(args[0], fn.name if isinstance(fn, Method) else fn.__name__),
                         args[1:], kw)
        return _call(self.constant(fn), args, kw)

    def setitem(self, ins):
        """``out = a`` (in place) or ``out = a.copy()``, then ``out[idx] = v``."""
        a, idx, v = ins.args
        src = self.operand(a)
        if ins.out not in self.inplace:
            src = _call(_attr(src, "copy"), [])
        target = gast.Subscript(value=_name(ins.out.name), slice=self.index(idx), ctx=gast.Store())
        return [_assign(_name(ins.out.name, store=True), src), _assign(target, self.operand(v))]

    def instr(self, ins):
        if ins.fn is ops.comment:
            self.comments.append(" ".join(str(ins.args[0].value).splitlines()))
            return gast.Expr(value=_const(f"{_COMMENT}{len(self.comments) - 1}"))
        if ins.fn is ops.escape:
            return []
        if ins.fn is ops.setitem:
            return self.setitem(ins)
        if ins.fn is ops.raise_:
            exc, cause = ins.args
            return gast.Raise(exc=self.operand(exc),
                              cause=None if isinstance(cause, Const) and cause.value is None
                              else self.operand(cause))
        if ins.fn is ops.require:               # if not ok: raise exc_type(message)
            ok, exc, msg = ins.args
            return gast.If(test=gast.UnaryOp(op=gast.Not(), operand=self.operand(ok)),
                           body=[gast.Raise(exc=_call(self.operand(exc), [self.operand(msg)]),
                                            cause=None)], orelse=[])
        if ins.fn is ops.list_append:
            lst, v = ins.args
            return [gast.Expr(value=_call(_attr(self.operand(lst), "append"), [self.operand(v)])),
                    _assign(_name(ins.out.name, store=True), self.operand(lst))]
        value = self.call_expr(ins)
        if ins.out is None:
            return gast.Expr(value=value)
        return _assign(self.target(ins.out), value)

    # -- edges and structure ---------------------------------------------------------------
    def edge(self, target, args):
        params = self.blocks[target].params
        pairs = [(p, a) for p, a in zip(params, args) if not (isinstance(a, Var) and a == p)
                 and p not in self.skip_edge and self.coalesce.get(a) != p
                 and not (self.omit_unset and isinstance(a, Const) and a.value is ops.UNSET)]
        if not pairs:
            return []
        if len(pairs) == 1:
            return [_assign(_name(pairs[0][0].name, store=True), self.operand(pairs[0][1]))]
        return [_assign(gast.Tuple(elts=[_name(p.name, store=True) for p, _ in pairs], ctx=gast.Store()),
                        gast.Tuple(elts=[self.operand(a) for _, a in pairs], ctx=gast.Load()))]

    def block(self, label, out):
        b = self.blocks[label]
        for k, i in enumerate(b.instrs):
            if id(i) in self.skip:
                continue
            if i.fn is ops.comment and not any(
                    j.fn is not ops.comment and id(j) not in self.skip for j in b.instrs[k + 1:]):
                continue                 # a comment with nothing left to describe
            st = self.instr(i)
            out.extend(st if isinstance(st, list) else [st])
        if isinstance(b.term, Jump):
            out.extend(self.edge(b.term.target, b.term.args))

    def seq(self, seq):
        out = []
        for item in seq.items:
            if isinstance(item, str):
                self.block(item, out)
                t = self.blocks[item].term
                if t.__class__.__name__ == "Return":
                    out.append(gast.Return(value=self.operand(t.value)))
            elif isinstance(item, IfRegion):
                cond = self.blocks[item.head].term.cond
                out.append(gast.If(test=self.operand(cond), body=self.seq(item.then) or [gast.Pass()],
                                   orelse=self.seq(item.orelse)))
            else:
                st = self.loop(item)
                out.extend(st if isinstance(st, list) else [st])
        return out

    def loop(self, r):
        c = counted_loop(self.blocks, r, self.use_count)
        if c is not None:
            return self.for_range(r, c.var, c.stop, c.step, c.increment)
        body = self.seq(r.test)
        test_end = self.blocks[_last_block(r.test)]
        br = test_end.term
        exit_stmts = self.edge(br.else_target, br.else_args) + [gast.Break()]
        body.append(gast.If(test=gast.UnaryOp(op=gast.Not(), operand=self.operand(br.cond)),
                            body=exit_stmts, orelse=[]))
        body.extend(self.seq(r.body))
        return gast.While(test=_const(True), body=body, orelse=[])

    def for_range(self, r, i, stop, step, inc):
        """``for i in range(i, stop, step):`` — the loop test and the increment
        of ``i`` disappear; the exit assignments follow the loop."""
        tb = self.blocks[r.test.items[0]]
        if self.use_count.get(inc.out, 0) == 1:      # only the back edge reads i + step
            self.skip.add(id(inc))
        self.skip_edge.add(i)
        body = self.seq(r.body)
        self.skip_edge.discard(i)
        it = _call(_name("range"), [_name(i.name), self.operand(stop)] +
                   ([self.operand(step)] if step.value != 1 else []))
        loop = gast.For(target=_name(i.name, store=True), iter=it, body=body or [gast.Pass()],
                        orelse=[], type_comment=None)
        return [loop] + self.edge(tb.term.else_target, tb.term.else_args)


def _last_block(seq):
    item = seq.items[-1]
    if isinstance(item, str):
        return item
    raise ValueError("a loop test must end with a block")


def emit_function(graph, name, arg_names, ns=None, omit_unset=False):
    """Source text and globals of a Python function for ``graph``;
    ``omit_unset``: leave a join parameter unassigned on an edge that
    passes ``ops.UNSET`` (for Numba), rather than assigning None."""
    graph, inplace = plan_setitems(graph)
    reserved = {v.name for b in graph.blocks for v in b.params}
    reserved |= {i.out.name for i in graph.instructions() if i.out is not None}
    ns = ns or Namespace(reserved | {name})
    em = _Emitter(graph, ns, inplace, omit_unset)
    body = em.seq(graph.structure)
    params = list(graph.entry.params)
    args = gast.arguments(args=[gast.Name(id=p.name, ctx=gast.Param(), annotation=None,
                                          type_comment=None) for p in params],
                          posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                          defaults=[])
    fdef = gast.FunctionDef(name=name, args=args, body=body or [gast.Pass()], decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    mod = gast.Module(body=[fdef], type_ignores=[])
    source = astor.to_source(gast.gast_to_ast(mod))     # astor needs no line numbers
    return _comments(source, em.comments), ns.globals


def _comments(source, texts):
    """Turn the numbered placeholder strings into ``# text`` comments: the
    text never goes through a string literal, so any character survives."""
    pat = re.compile(r"^(\s*)(?:'''|\"\"\"|'|\")" + re.escape(_COMMENT) + r"(\d+)(?:'''|\"\"\"|'|\")\s*$")
    lines = []
    for line in source.splitlines():
        m = pat.match(line)
        lines.append(f"{m.group(1)}# {texts[int(m.group(2))]}" if m else line)
    return "\n".join(lines) + "\n"
