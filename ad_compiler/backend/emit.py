"""Graph → Python source: gast statements, printed by ``source_printer``.

Example: the block ``bb0(x): t5 = mul x x; return t5`` with a rule call
``x_bar_3 = unbroadcast(t5_bar, x)`` is emitted as::

    def f(x):
        t1 = x * x
        x_bar = unbroadcast(t1_bar, x)
        return t1

Operators print as operators, NumPy and math functions as ``np.sin`` /
``math.sin``, calls without the trailing arguments that equal the
callee's defaults (``unreduce(g, x)``, not ``unreduce(g, x, None, False,
True)``), and the region tree becomes ``if``/``while`` statements, or
``for i in range(n)`` for a counted loop; block arguments become
assignments on the edges that pass them.  Values are named once the
statements are built, numbered per base name in program order
(``naming``); the printer turns ``comment`` instructions into ``#``
lines and returns, with the text, the map of generated lines to the
user's lines (``EmittedFunction.lines``), which tracebacks' notes and the
Numba backend's errors read.
"""
from __future__ import annotations

import inspect
import operator
import types
from dataclasses import dataclass

import gast
import numpy as np

from ..ir import ops
from ..ir.loops import counted_loop, use_counts
from ..ir.nodes import Attr, Const, IfRegion, Jump, LoopRegion, Method, Var, region_labels
from ..transforms.inplace import plan_setitems
from .call_defaults import without_defaults as _without_defaults
from .namespace import Namespace
from .naming import kept_names, value_names
from .plain_emit import plain_assign, plain_instruction, plain_return
from .source_printer import Comment, print_function

__all__ = ["emit_function", "EmittedFunction", "SYNTAX_OPS"]

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
_MISSING = object()
# plain statements made as text (plain_emit); False: every statement through gast
# nodes, the reference the text is checked against (tests/compiler/test_plain_emit.py)
TEXT = True
# the ops printed as Python syntax (statements, displays, methods), never named
SYNTAX_OPS = frozenset({ops.comment, ops.escape, ops.setitem, ops.raise_, ops.require,
                        ops.list_append, ops.make_tuple, ops.make_list, ops.make_dict,
                        ops.make_slice, ops.format_string, ops.new_stack, ops.push, ops.pop,
                        ops.new_tape, ops.tape_store, ops.tape_load})


# one context node for every name (as ast.parse shares them): the emitter makes
# thousands of nodes, and gast builds each in Python
_LOAD, _STORE = gast.Load(), gast.Store()


def _name(id_, store=False):
    return gast.Name(id_, _STORE if store else _LOAD, None, None)


def _const(v):
    return gast.Constant(v, None)


def _attr(base, attr):
    return gast.Attribute(base, attr, _LOAD)


def _call(func, args, keywords=()):
    return gast.Call(func=func, args=list(args),
                     keywords=[gast.keyword(arg=k, value=v) for k, v in keywords])


def _assign(target, value):
    return gast.Assign(targets=[target], value=value, type_comment=None)


class _Emitter:
    def __init__(self, graph, ns, inplace=frozenset(), omit_unset=False):
        self.refs = []               # (name node, Var) for every value printed
        self.inplace = inplace
        self.omit_unset = omit_unset
        self.skip, self.skip_edge = set(), set()
        self.use_count = use_counts(graph.blocks)
        self.g = graph
        self.blocks = graph.block_map()
        self.ns = ns
        self.coalesce = self._coalescable(graph)
        self.counted = self._counted_loops(graph)
        for c, init in self.counted.values():
            if init is not None and init is not _MISSING:
                self.skip_edge.add(c.var)      # ``for`` assigns it: no edge does
        self.locs = {}               # id(statement) -> the Loc of the instruction it prints
        self.defs = {i.out: i for i in graph.instructions() if i.out is not None}
        self.lines = []              # the statements made as text (plain_emit), named at the end

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

    def var(self, v, store=False):
        """A name node for the value ``v``, named once emission is done
        (``naming.value_names`` numbers only the values printed)."""
        node = _name(v.name, store)
        self.refs.append((node, v))
        return node

    def target(self, var):
        return self.var(self.coalesce.get(var, var), store=True)

    # -- operands ---------------------------------------------------------------------
    def operand(self, x):
        if isinstance(x, Var):
            return self.var(x)
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
            return gast.Tuple(elts=[self.constant(e) for e in v], ctx=_LOAD)
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
            return gast.Tuple(elts=[self.index(Const(e)) for e in x.value], ctx=_LOAD)
        return self.operand(x)

    # -- instructions ---------------------------------------------------------------------
    def call_expr(self, ins):
        fn, args, kw = ins.fn, ins.args, ins.kwargs
        if inspect.isfunction(fn):
            args, kw = _without_defaults(fn, args, kw)
        args = [self.operand(a) for a in args]
        kw = [(k, self.operand(v)) for k, v in kw]
        if fn in _BIN and len(args) == 2 and not kw:
            return gast.BinOp(left=args[0], op=_BIN[fn](), right=args[1])
        if fn in _UN and len(args) == 1:
            return gast.UnaryOp(op=_UN[fn](), operand=args[0])
        if fn in _CMP and len(args) == 2:
            return gast.Compare(left=args[0], ops=[_CMP[fn]()], comparators=[args[1]])
        if fn is operator.contains:
            return gast.Compare(left=args[1], ops=[gast.In()], comparators=[args[0]])
        if fn is operator.getitem:
            return gast.Subscript(value=args[0], slice=self.index(ins.args[1]), ctx=_LOAD)
        if fn is ops.make_tuple:
            return gast.Tuple(elts=args, ctx=_LOAD)
        if fn is ops.make_list:
            return gast.List(elts=args, ctx=_LOAD)
        if fn is ops.make_dict:
            return gast.Dict(keys=args[::2], values=args[1::2])
        if fn is ops.make_slice:
            return _call(_name("slice"), args)
        if fn is ops.format_string:
            return _call(_attr(args[0], "format"), args[1:])
        if fn is ops.new_stack:
            return gast.List(elts=[], ctx=_LOAD)
        if fn is ops.push:
            return _call(_attr(args[0], "append"), args[1:])
        if fn is ops.pop:
            return _call(_attr(args[0], "pop"), [])
        if fn is ops.new_tape:                      # [None] * n
            return gast.BinOp(left=gast.List(elts=[_const(None)], ctx=_LOAD),
                              op=gast.Mult(), right=args[0])
        if fn is ops.tape_load:
            return gast.Subscript(value=args[0], slice=args[1], ctx=_LOAD)
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
        target = gast.Subscript(value=self.var(ins.out), slice=self.index(idx), ctx=_STORE)
        return [_assign(self.var(ins.out, store=True), src), _assign(target, self.operand(v))]

    def instr(self, ins):
        if ins.fn is ops.comment:
            return Comment(str(ins.args[0].value), ins.loc)
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
        if TEXT:
            lines = plain_instruction(self, ins)
            if lines is not None:
                self.lines.extend(lines)
                return lines
        if ins.fn is ops.tape_store:            # tape[k] = v
            tape, k, v = (self.operand(a) for a in ins.args)
            return _assign(gast.Subscript(value=tape, slice=k, ctx=_STORE), v)
        if ins.fn is ops.list_append:
            lst, v = ins.args
            return [gast.Expr(value=_call(_attr(self.operand(lst), "append"), [self.operand(v)])),
                    _assign(self.var(ins.out, store=True), self.operand(lst))]
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
        if TEXT:
            line = plain_assign(self, pairs)
            if line is not None:
                self.lines.append(line)
                return [line]
        if len(pairs) == 1:
            return [_assign(self.var(pairs[0][0], store=True), self.operand(pairs[0][1]))]
        return [_assign(gast.Tuple(elts=[self.var(p, store=True) for p, _ in pairs], ctx=_STORE),
                        gast.Tuple(elts=[self.operand(a) for _, a in pairs], ctx=_LOAD))]

    def block(self, label, out):
        b = self.blocks[label]
        for k, i in enumerate(b.instrs):
            if id(i) in self.skip:
                continue
            if i.fn is ops.comment and not any(
                    j.fn is not ops.comment and id(j) not in self.skip for j in b.instrs[k + 1:]):
                continue                 # a comment with nothing left to describe
            st = self.instr(i)
            st = st if isinstance(st, list) else [st]
            for s in st:
                self.locs[id(s)] = i.loc
            out.extend(st)
        if isinstance(b.term, Jump):
            out.extend(self.edge(b.term.target, b.term.args))

    def seq(self, seq):
        out = []
        for item in seq.items:
            if isinstance(item, str):
                self.block(item, out)
                t = self.blocks[item].term
                if t.__class__.__name__ == "Return":
                    line = plain_return(self, t.value) if TEXT else None
                    if line is not None:
                        self.lines.append(line)
                    out.append(line or gast.Return(value=self.operand(t.value)))
            elif isinstance(item, IfRegion):
                cond = self.blocks[item.head].term.cond
                out.append(self.located(gast.If(
                    test=self.operand(cond), body=self.seq(item.then) or [gast.Pass()],
                    orelse=self.seq(item.orelse)), cond))
            else:
                st = self.loop(item)
                out.extend(st if isinstance(st, list) else [st])
        return out

    def located(self, stmt, cond):
        """``stmt`` (an ``if``, ``for`` or ``while``), located at the
        instruction that computes its condition."""
        d = self.defs.get(cond)
        if d is not None:
            self.locs[id(stmt)] = d.loc
        return stmt

    def _counted_loops(self, graph):
        """header -> ``(CountedLoop, init)`` for the loops printed as ``for i
        in range(...)``; ``init``: the operand the one edge from outside the
        loop passes to ``i`` (then ``range`` starts there, and no edge assigns
        ``i``), else None (``i`` is assigned before the loop).  A loop whose
        ``i`` is read after it stays a ``while`` loop: a ``for`` leaves
        ``i`` one step short of the value that ended the loop."""
        out = {}

        def walk(seq):
            for item in seq.items:
                if isinstance(item, IfRegion):
                    walk(item.then)
                    walk(item.orelse)
                elif isinstance(item, LoopRegion):
                    walk(item.test)
                    walk(item.body)
                    c = counted_loop(self.blocks, item, self.use_count)
                    if c is not None:
                        out[item.header] = (c, self._loop_init(item, c.var))
        walk(graph.structure)
        return out

    def _loop_init(self, r, i):
        inside = set(region_labels(r.test) + region_labels(r.body))
        uses = 0
        for label in inside:
            b = self.blocks[label]
            uses += sum(a == i for ins in b.instrs for a in ins.operands() if isinstance(a, Var))
            uses += sum(a == i for a in b.term.operands() if isinstance(a, Var))
        if uses != self.use_count.get(i, 0):
            return _MISSING                            # read after the loop
        k = self.blocks[r.header].params.index(i)
        entries = [b for b in self.blocks.values() if b.label not in inside
                   and isinstance(b.term, Jump) and b.term.target == r.header]
        return entries[0].term.args[k] if len(entries) == 1 else None

    def loop(self, r):
        c, init = self.counted.get(r.header, (None, None))
        if c is not None and init is not _MISSING:
            return self.for_range(r, c, init)
        body = self.seq(r.test)
        test_end = self.blocks[_last_block(r.test)]
        br = test_end.term
        exit_stmts = self.edge(br.else_target, br.else_args) + [gast.Break()]
        body.append(gast.If(test=gast.UnaryOp(op=gast.Not(), operand=self.operand(br.cond)),
                            body=exit_stmts, orelse=[]))
        body.extend(self.seq(r.body))
        return self.located(gast.While(test=_const(True), body=body, orelse=[]), br.cond)

    def for_range(self, r, c, init):
        """``for i in range(init, stop, step):`` — the loop test and the
        increment of ``i`` disappear; the exit assignments follow the loop.
        ``range(stop)`` where it starts at 0 by steps of 1; ``range(i, ...)``
        where ``i`` is assigned before the loop (``init`` None)."""
        i, stop, step, inc = c.var, c.stop, c.step, c.increment
        tb = self.blocks[r.test.items[0]]
        if self.use_count.get(inc.out, 0) == 1:      # only the back edge reads i + step
            self.skip.add(id(inc))
        if init is None:
            self.skip_edge.add(i)
        body = self.seq(r.body)
        if init is None:
            self.skip_edge.discard(i)
        start = self.var(i) if init is None else self.operand(init)
        args = [start, self.operand(stop)] + ([self.operand(step)] if step.value != 1 else [])
        if init is not None and step.value == 1 and isinstance(init, Const) \
                and type(init.value) is int and init.value == 0:
            args = args[1:]
        it = _call(_name("range"), args)
        loop = gast.For(target=self.var(i, store=True), iter=it, body=body or [gast.Pass()],
                        orelse=[], type_comment=None)
        return [self.located(loop, tb.term.cond)] + self.edge(tb.term.else_target, tb.term.else_args)


def _last_block(seq):
    item = seq.items[-1]
    if isinstance(item, str):
        return item
    raise ValueError("a loop test must end with a block")


@dataclass(frozen=True)
class EmittedFunction:
    """What ``emit_function`` returns: ``source`` (the text), ``globals``
    (the objects it names) and ``lines`` (generated line number -> the
    ``Loc`` of the user's line it comes from)."""
    source: str
    globals: dict
    lines: dict


def emit_function(graph, name, arg_names, ns=None, omit_unset=False):
    """An ``EmittedFunction`` for ``graph``; ``omit_unset``: leave a join
    parameter unassigned on an edge that passes ``ops.UNSET`` (for Numba),
    rather than assigning None."""
    graph, inplace = plan_setitems(graph)
    kept = kept_names(graph)
    ns = ns or Namespace(kept | {name})
    em = _Emitter(graph, ns, inplace, omit_unset)
    body = em.seq(graph.structure)
    names = value_names(graph, [v for _, v in em.refs], reserved=set(ns.globals) | {name},
                        kept=kept)
    for node, v in em.refs:
        if node is not None:
            node.id = names[v]
    for line in em.lines:
        line.name(names)
    printed = print_function(name, [names[p] for p in graph.entry.params], body, em.locs)
    return EmittedFunction(printed.text, ns.globals, printed.lines)
