"""gast AST → SSA Graph.

Example::

    def f(x, y):                 bb0(x, y):
        z = x * y          ->      z = mul x y        # line 2
        return np.sin(z)           t1 = np.sin z      # line 3
                                   return t1

Names are looked up in the SSA environment first (locals), then resolved
statically to Python objects (globals, closures, builtins), so ``np.sin``
becomes the constant ``numpy.sin`` in the graph.  Calls to the user's own
Python functions are inlined.  A ``return`` inside an ``if`` moves the
statements after the ``if`` into the other arm, so every path ends at the
function's single ``return``.
"""
from __future__ import annotations

import operator
import types

import gast
import numpy as np

from ..errors import ADError, UnsupportedSyntaxError
from ..frontend.fence import reject
from ..frontend.parse import UNBOUND, parse
from ..rules import lookup
from . import ops
from .builder import IRBuilder
from .nodes import Attr, Const, Loc, Method, Return, Var

__all__ = ["build"]

_BINOPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
           gast.Div: operator.truediv, gast.Pow: operator.pow, gast.MatMult: operator.matmul,
           gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
           gast.BitAnd: operator.and_, gast.BitOr: operator.or_, gast.BitXor: operator.xor,
           gast.LShift: operator.lshift, gast.RShift: operator.rshift}
_UNARY = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
          gast.Invert: operator.invert}
_CMP = {gast.Lt: operator.lt, gast.LtE: operator.le, gast.Gt: operator.gt, gast.GtE: operator.ge,
        gast.Eq: operator.eq, gast.NotEq: operator.ne, gast.Is: operator.is_,
        gast.IsNot: operator.is_not, gast.In: operator.contains}
# array attributes read as values; ``.T`` is a transpose
_ATTR_FUNCS = {"T": np.transpose}
RETURN = "<return>"


def build(fn_or_parsed):
    pf = fn_or_parsed if not callable(fn_or_parsed) else parse(fn_or_parsed)
    b = IRBuilder(pf.name)
    fb = _FunctionBuilder(pf, b, stack=(pf.fn,))
    params = [b.fresh(a.id) for a in pf.node.args.args]
    entry = b.new_block(params)
    b.start(entry)
    b.env.update({a.id: p for a, p in zip(pf.node.args.args, params)})
    result = fb.body()
    b.terminate(Return(result))
    defaults = _defaults(pf)
    return b.finish(arg_names=tuple(a.id for a in pf.node.args.args), defaults=defaults,
                    filename=pf.filename, lineno=pf.lineno)


def _defaults(pf):
    args = pf.node.args.args
    vals = pf.fn.__defaults__ or ()
    return tuple(zip([a.id for a in args[len(args) - len(vals):]], vals))


def _assigned_names(stmts):
    """Names stored anywhere in ``stmts`` (not inside nested functions)."""
    out = []
    todo = list(stmts)
    while todo:
        n = todo.pop(0)
        if isinstance(n, gast.FunctionDef):
            out.append(n.name)
            continue
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            out.append(n.id)
        todo.extend(gast.iter_child_nodes(n))
    return list(dict.fromkeys(out))


def always_returns(stmts):
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, gast.Return):
        return True
    if isinstance(last, gast.If):
        return always_returns(last.body) and always_returns(last.orelse)
    return False


def _static_const(obj):
    return Const(obj)


class _FunctionBuilder:
    """Builds one function body (the differentiated one, or an inlined
    callee) into a shared IRBuilder."""

    def __init__(self, pf, b, stack):
        self.pf, self.b, self.stack = pf, b, stack
        self.locals = set(a.id for a in pf.node.args.args) | set(_assigned_names(pf.node.body))
        self.nested = {}                      # nested def name -> gast.FunctionDef

    # -- errors and locations ----------------------------------------------------------
    def loc(self, node):
        ln = getattr(node, "lineno", self.pf.lineno)
        return Loc(self.pf.filename, ln, self.pf.source_line(ln).strip())

    def error(self, node, msg, cls=UnsupportedSyntaxError):
        if cls is UnsupportedSyntaxError:
            reject(self.pf, node, msg)
        ln = getattr(node, "lineno", self.pf.lineno)
        raise cls(msg, fn_name=self.pf.name, filename=self.pf.filename, lineno=ln,
                  source_line=self.pf.source_line(ln))

    def emit(self, fn, args, node, kwargs=(), hint=None):
        return self.b.emit(fn, args, kwargs, self.loc(node), hint)

    # -- statements ------------------------------------------------------------------------
    def body(self):
        self.stmts(self.pf.node.body)
        if RETURN not in self.b.env:
            self.error(self.pf.node, "the function does not return a value on every path",
                       UnsupportedSyntaxError)
        return self.b.env.pop(RETURN)

    def stmts(self, stmts):
        for i, s in enumerate(stmts):
            if RETURN in self.b.env:
                return                          # code after a return never runs
            rest = stmts[i + 1:]
            if isinstance(s, gast.If) and rest and (always_returns(s.body) or always_returns(s.orelse)):
                body = s.body if always_returns(s.body) else s.body + rest
                orelse = s.orelse if always_returns(s.orelse) else s.orelse + rest
                self.if_stmt(s, body, orelse)
                return
            self.stmt(s)

    def stmt(self, s):
        if isinstance(s, gast.Assign):
            value = self.expr(s.value, hint=self._hint(s.targets[0]))
            for t in s.targets:
                self.assign(t, value, s)
        elif isinstance(s, gast.AnnAssign):
            if s.value is not None:
                self.assign(s.target, self.expr(s.value, hint=self._hint(s.target)), s)
        elif isinstance(s, gast.AugAssign):
            self.aug_assign(s)
        elif isinstance(s, gast.Return):
            if s.value is None:
                self.error(s, "a differentiated function must return a value")
            self.b.env[RETURN] = self.expr(s.value, hint="out")
        elif isinstance(s, gast.If):
            self.if_stmt(s, s.body, s.orelse)
        elif isinstance(s, gast.While):
            self.while_stmt(s)
        elif isinstance(s, gast.For):
            self.for_stmt(s)
        elif isinstance(s, gast.Expr):
            if isinstance(s.value, gast.Constant):
                return                          # docstring
            self.expr(s.value)
        elif isinstance(s, gast.Pass):
            return
        elif isinstance(s, gast.FunctionDef):
            self.nested[s.name] = s
        elif isinstance(s, (gast.Break, gast.Continue)):
            self.error(s, f"'{type(s).__name__.lower()}' is not supported here")
        else:
            self.error(s, f"'{type(s).__name__}' statements are not supported")

    @staticmethod
    def _hint(target):
        return target.id if isinstance(target, gast.Name) else None

    def assign(self, target, value, node):
        if isinstance(target, gast.Name):
            self.b.env[target.id] = value
        elif isinstance(target, (gast.Tuple, gast.List)):
            for k, elt in enumerate(target.elts):
                item = self.emit(operator.getitem, (value, Const(k)), node, hint=self._hint(elt))
                self.assign(elt, item, node)
        elif isinstance(target, gast.Subscript):
            self.setitem(target, value, node)
        else:
            self.error(node, f"assignment to {type(target).__name__.lower()} targets is not supported")

    def aug_assign(self, s):
        op = _BINOPS.get(type(s.op))
        t = s.target
        if isinstance(t, gast.Name):
            self.b.env[t.id] = self.emit(op, (self.name(t), self.expr(s.value)), s, hint=t.id)
        elif isinstance(t, gast.Subscript):
            base = self.expr(t.value)
            idx = self.index(t.slice, s)
            old = self.emit(operator.getitem, (base, idx), s)
            new = self.emit(op, (old, self.expr(s.value)), s)
            self.setitem(t, new, s, idx=idx)
        else:
            self.error(s, "augmented assignment to this target is not supported")

    def setitem(self, target, value, node, idx=None):
        self.error(node, "assignment to array elements is not supported yet")

    def if_stmt(self, s, body, orelse):
        cond = self.expr(s.test)
        self.b.if_(cond, lambda: self.stmts(body), lambda: self.stmts(orelse),
                   hint_of=lambda k: k if k != RETURN else "out")

    def _carried(self, stmts):
        return [n for n in _assigned_names(stmts) if n in self.b.env]

    def while_stmt(self, s):
        carried = self._carried(s.body)
        self.b.loop(carried, lambda: self.expr(s.test), lambda: self.stmts(s.body),
                    hint_of=lambda k: k)

    def for_stmt(self, s):
        it = s.iter
        callee = self.static(it.func) if isinstance(it, gast.Call) else UNBOUND
        if callee is range:
            args = [self.expr(a) for a in it.args]
            start, stop, step = (Const(0), args[0], Const(1)) if len(args) == 1 else \
                (args[0], args[1], args[2] if len(args) > 2 else Const(1))
            self._counted_loop(s, start, stop, step, lambda i: self.assign(s.target, i, s))
            return
        if callee is enumerate:
            seq = self.expr(it.args[0])
            if not (isinstance(s.target, gast.Tuple) and len(s.target.elts) == 2):
                self.error(s, "use 'for i, x in enumerate(...)'")

            def bind(i):
                self.assign(s.target.elts[0], i, s)
                self.assign(s.target.elts[1], self.emit(operator.getitem, (seq, i), s,
                                                        hint=self._hint(s.target.elts[1])), s)
            n = self.emit(len, (seq,), s, hint="n")
            self._counted_loop(s, Const(0), n, Const(1), bind)
            return
        if callee is zip:
            seqs = [self.expr(a) for a in it.args]
            if not (isinstance(s.target, gast.Tuple) and len(s.target.elts) == len(seqs)):
                self.error(s, "unpack 'zip' into as many names as it has sequences")
            n = self.emit(len, (seqs[0],), s, hint="n")
            for q in seqs[1:]:
                n = self.emit(min, (n, self.emit(len, (q,), s)), s, hint="n")

            def bind(i):
                for elt, q in zip(s.target.elts, seqs):
                    self.assign(elt, self.emit(operator.getitem, (q, i), s, hint=self._hint(elt)), s)
            self._counted_loop(s, Const(0), n, Const(1), bind)
            return
        seq = self.expr(it)
        n = self.emit(len, (seq,), s, hint="n")
        self._counted_loop(s, Const(0), n, Const(1), lambda i: self.assign(
            s.target, self.emit(operator.getitem, (seq, i), s, hint=self._hint(s.target)), s))

    def _counted_loop(self, s, start, stop, step, bind):
        key = f"<i{id(s)}>"
        self.b.env[key] = start
        carried = [key] + self._carried(s.body)
        if isinstance(step, Const) and step.value > 0:
            test = lambda: self.emit(operator.lt, (self.b.env[key], stop), s)
        elif isinstance(step, Const):
            test = lambda: self.emit(operator.gt, (self.b.env[key], stop), s)
        else:
            test = lambda: self.emit(ops.range_cond, (self.b.env[key], stop, step), s)

        def body():
            i = self.b.env[key]
            bind(i)
            self.stmts(s.body)
            self.b.env[key] = self.emit(operator.add, (i, step), s, hint="i")
        self.b.loop(carried, test, body, hint_of=lambda k: "i" if k == key else k)
        self.b.env.pop(key)

    # -- expressions -------------------------------------------------------------------------
    def name(self, node):
        if node.id in self.b.env:
            return self.b.env[node.id]
        if node.id in self.locals:
            self.error(node, f"local variable '{node.id}' may be used before it is assigned "
                             "(it is not defined on every path to this line)", ADError)
        obj = self.pf.resolve(node.id)
        if obj is UNBOUND:
            self.error(node, f"name '{node.id}' is not defined", ADError)
        return Const(obj)

    def static(self, node):
        """The Python object an expression denotes at compile time, or UNBOUND."""
        if isinstance(node, gast.Name):
            if node.id in self.locals or node.id in self.b.env:
                return UNBOUND
            return self.pf.resolve(node.id)
        if isinstance(node, gast.Attribute):
            base = self.static(node.value)
            if base is UNBOUND or not isinstance(base, (types.ModuleType, type)):
                return UNBOUND
            return getattr(base, node.attr, UNBOUND)
        return UNBOUND

    def expr(self, node, hint=None):
        if isinstance(node, gast.Constant):
            return Const(node.value)
        if isinstance(node, gast.Name):
            return self.name(node)
        if isinstance(node, gast.BinOp):
            l, r = self.expr(node.left), self.expr(node.right)
            return self.emit(_BINOPS[type(node.op)], (l, r), node, hint=hint)
        if isinstance(node, gast.UnaryOp):
            v = self.expr(node.operand)
            return self.emit(_UNARY[type(node.op)], (v,), node, hint=hint)
        if isinstance(node, gast.Compare):
            return self.compare(node, hint)
        if isinstance(node, gast.BoolOp):
            return self.boolop(node, hint)
        if isinstance(node, gast.IfExp):
            return self.ifexp(node, hint)
        if isinstance(node, gast.Call):
            return self.call(node, hint)
        if isinstance(node, gast.Attribute):
            return self.attribute(node, hint)
        if isinstance(node, gast.Subscript):
            base = self.expr(node.value)
            return self.emit(operator.getitem, (base, self.index(node.slice, node)), node, hint=hint)
        if isinstance(node, (gast.Tuple, gast.List)):
            items = [self.expr(e) for e in node.elts]
            fn = ops.make_tuple if isinstance(node, gast.Tuple) else ops.make_list
            if fn is ops.make_tuple and all(isinstance(x, Const) for x in items):
                return Const(tuple(x.value for x in items))
            return self.emit(fn, items, node, hint=hint)
        if isinstance(node, gast.ListComp):
            return self.listcomp(node, hint)
        self.error(node, f"'{type(node).__name__}' expressions are not supported")

    def compare(self, node, hint):
        left = self.expr(node.left)
        result = None
        for op, right_node in zip(node.ops, node.comparators):
            right = self.expr(right_node)
            if isinstance(op, (gast.In, gast.NotIn)):
                c = self.emit(operator.contains, (right, left), node)
                if isinstance(op, gast.NotIn):
                    c = self.emit(operator.not_, (c,), node)
            else:
                c = self.emit(_CMP[type(op)], (left, right), node, hint=hint)
            result = c if result is None else self.emit(operator.and_, (result, c), node)
            left = right
        return result

    def boolop(self, node, hint):
        """``a and b`` / ``a or b`` with Python's short-circuit semantics."""
        key = f"<bool{id(node)}>"
        first = self.expr(node.values[0])
        if len(node.values) == 1:
            return first
        rest = gast.BoolOp(op=node.op, values=node.values[1:])
        gast.copy_location(rest, node.values[1])
        self.b.env[key] = first
        evaluate = lambda: self.b.env.__setitem__(key, self.expr(rest))
        keep = lambda: None
        if isinstance(node.op, gast.And):
            self.b.if_(first, evaluate, keep, hint_of=lambda k: hint or "t")
        else:
            self.b.if_(first, keep, evaluate, hint_of=lambda k: hint or "t")
        return self.b.env.pop(key)

    def ifexp(self, node, hint):
        key = f"<ifexp{id(node)}>"
        cond = self.expr(node.test)
        self.b.if_(cond, lambda: self.b.env.__setitem__(key, self.expr(node.body)),
                   lambda: self.b.env.__setitem__(key, self.expr(node.orelse)),
                   hint_of=lambda k: hint or "t")
        return self.b.env.pop(key)

    def listcomp(self, node, hint):
        self.error(node, "list comprehensions are not supported yet")

    def index(self, node, at):
        if isinstance(node, gast.Slice):
            parts = [Const(None) if p is None else self.expr(p)
                     for p in (node.lower, node.upper, node.step)]
            if all(isinstance(p, Const) for p in parts):
                return Const(slice(*(p.value for p in parts)))
            return self.emit(ops.make_slice, parts, at)
        if isinstance(node, gast.Tuple):
            items = [self.index(e, at) for e in node.elts]
            if all(isinstance(x, Const) for x in items):
                return Const(tuple(x.value for x in items))
            return self.emit(ops.make_tuple, items, at)
        return self.expr(node)

    def attribute(self, node, hint):
        obj = self.static(node)
        if obj is not UNBOUND:
            return Const(obj)
        base = self.expr(node.value)
        if isinstance(base, Const):
            return Const(getattr(base.value, node.attr))
        fn = _ATTR_FUNCS.get(node.attr)
        if fn is not None:
            return self.emit(fn, (base,), node, hint=hint)
        return self.emit(Attr(node.attr), (base,), node, hint=hint)

    def call(self, node, hint):
        kwargs = tuple((k.arg, self.expr(k.value)) for k in node.keywords)
        if any(k is None for k, _ in kwargs):
            self.error(node, "'**kwargs' in calls is not supported")
        func = node.func
        if isinstance(func, gast.Name) and func.id in self.nested and func.id not in self.b.env:
            return self.inline_nested(self.nested[func.id], node, hint)
        obj = self.static(func)
        if obj is UNBOUND and isinstance(func, gast.Attribute):
            self_arg = self.expr(func.value)
            args = (self_arg,) + tuple(self.expr(a) for a in node.args)
            method = getattr(np.ndarray, func.attr, None)
            fn = method if method is not None else Method(func.attr)
            return self.emit(fn, args, node, kwargs, hint=hint)
        if obj is UNBOUND:
            self.error(node, f"cannot call '{gast.dump(func)}': only functions known at "
                             "compile time can be called", ADError)
        args = tuple(self.expr(a) for a in node.args)
        if self._is_user_function(obj):
            return self.inline(obj, args, kwargs, node, hint)
        return self.emit(obj, args, node, kwargs, hint=hint)

    @staticmethod
    def _is_user_function(obj):
        if not isinstance(obj, types.FunctionType) or lookup(obj) is not None:
            return False
        mod = getattr(obj, "__module__", "") or ""
        return not (mod == "numpy" or mod.startswith(("numpy.", "math", "ad_compiler.rules",
                                                      "ad_compiler.ir", "ad_compiler.runtime")))

    # -- calls to the user's own functions are inlined ------------------------------------------
    def inline(self, fn, args, kwargs, node, hint):
        if fn in self.stack:
            self.error(node, f"recursive call to '{fn.__name__}' is not supported")
        return self._inline_body(parse(fn), args, kwargs, node, self.stack + (fn,))

    def inline_nested(self, fdef, node, hint):
        self.error(node, "calling nested functions is not supported yet")

    def _inline_body(self, pf, args, kwargs, node, stack):
        params = [a.id for a in pf.node.args.args]
        defaults = dict(_defaults(pf))
        if len(args) > len(params):
            self.error(node, f"{pf.name}() takes {len(params)} positional arguments "
                             f"but {len(args)} were given", ADError)
        bound = dict(zip(params, args))
        for k, v in kwargs:
            if k not in params or k in bound:
                self.error(node, f"{pf.name}() got an unexpected or repeated argument '{k}'", ADError)
            bound[k] = v
        for p in params:
            if p not in bound:
                if p not in defaults:
                    self.error(node, f"{pf.name}() missing argument '{p}'", ADError)
                bound[p] = Const(defaults[p])
        saved = self.b.env
        self.b.env = dict(bound)
        sub = _FunctionBuilder(pf, self.b, stack)
        try:
            result = sub.body()
        finally:
            self.b.env = saved
        return result
