"""Expressions and calls for the AST → SSA builder (``ir.build``).

Example: ``np.sum(x * w, axis=0)`` becomes

    t1 = mul x w
    t2 = np.sum t1 axis=0

``np`` and ``np.sum`` are resolved statically to the objects they name;
``x.sum()`` on a value becomes a call of ``np.ndarray.sum``; a call of the
user's own function is inlined (its body built into the same graph, with
the arguments bound to its parameters); ``a and b`` and ``a if c else b``
build branches, so short-circuiting is Python's.
"""
from __future__ import annotations

import operator
import types

import gast
import numpy as np

from ..errors import ADError, MutationError
from ..frontend.parse import UNBOUND, parse
from ..rules import lookup
from . import ops
from .nodes import Attr, Const, Method, Var

__all__ = ["ExpressionBuilder"]

RETURN = "<return>"
RETFLAG = "<returned>"
RAISED = "<raised>"

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
# callables whose result may share memory with their first argument
_VIEW_FUNCS = {operator.getitem, np.reshape, np.ndarray.reshape, np.transpose,
               np.ndarray.transpose, np.ravel, np.ndarray.ravel, np.swapaxes, np.ndarray.swapaxes,
               np.squeeze, np.ndarray.squeeze, np.expand_dims, np.broadcast_to, np.asarray,
               np.moveaxis, np.ndarray.view, np.diagonal, np.ndarray.diagonal}
# methods and functions that change an array in place (not modelled: refused)
_INPLACE_METHODS = {"fill", "sort", "resize", "itemset", "put", "partition", "setfield",
                    "byteswap"}
_INPLACE_FUNCS = {np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.random.shuffle,
                  np.put_along_axis}


def _inplace_callee(obj):
    """The name of an in-place NumPy callee, or None."""
    if obj in _INPLACE_FUNCS:
        return f"np.{obj.__name__}"
    if getattr(obj, "__name__", None) == "at" and isinstance(getattr(obj, "__self__", None),
                                                            np.ufunc):
        return f"np.{obj.__self__.__name__}.at"
    return None


def _defaults(pf):
    args = pf.node.args.args
    vals = pf.fn.__defaults__ or ()
    return tuple(zip([a.id for a in args[len(args) - len(vals):]], vals))


class ExpressionBuilder:
    """Mixin of ``_FunctionBuilder`` (ir/build.py): everything below a statement."""

    def _bind_value(self, key, build):
        """``env[key] = build()`` — building first: a nested branch replaces
        ``self.b.env`` with the joined environment, which must get the key."""
        value = build()
        self.b.env[key] = value

    # -- names and expressions -------------------------------------------------------------------------
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
            if isinstance(v, Const) and type(v.value) in (int, float) and \
                    isinstance(node.op, (gast.USub, gast.UAdd)):
                return Const(-v.value if isinstance(node.op, gast.USub) else v.value)   # -1
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
        if isinstance(node, gast.JoinedStr):
            return self.fstring(node, hint)
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
        evaluate = lambda: self._bind_value(key, lambda: self.expr(rest))
        keep = lambda: None
        if isinstance(node.op, gast.And):
            self.b.if_(first, evaluate, keep, hint_of=lambda k: hint or "t")
        else:
            self.b.if_(first, keep, evaluate, hint_of=lambda k: hint or "t")
        return self.b.env.pop(key)

    def ifexp(self, node, hint):
        key = f"<ifexp{id(node)}>"
        cond = self.expr(node.test)
        self.b.if_(cond, lambda: self._bind_value(key, lambda: self.expr(node.body)),
                   lambda: self._bind_value(key, lambda: self.expr(node.orelse)),
                   hint_of=lambda k: hint or "t")
        return self.b.env.pop(key)

    def fstring(self, node, hint):
        """``f"a{x:.3f}"`` -> ``format_string("a{:.3f}", x)``; no gradient."""
        template, values = [], []
        for part in node.values:
            if isinstance(part, gast.Constant):
                template.append(str(part.value).replace("{", "{{").replace("}", "}}"))
                continue
            conv = "" if part.conversion == -1 else "!" + chr(part.conversion)
            spec = "" if part.format_spec is None else ":" + "".join(
                str(v.value) for v in part.format_spec.values)
            template.append("{" + conv + spec + "}")
            values.append(self.expr(part.value))
        return self.emit(ops.format_string, [Const("".join(template))] + values, node, hint=hint)

    def listcomp(self, node, hint):
        """``[e for x in xs if c]`` is built as a loop that appends."""
        key = f"_listcomp{id(node)}"
        saved = dict(self.b.env)
        self.b.env[key] = self.emit(ops.make_list, (), node, hint=hint or "items")
        target = gast.Name(id=key, ctx=gast.Load(), annotation=None, type_comment=None)
        append = gast.Expr(value=gast.Call(
            func=gast.Attribute(value=target, attr="append", ctx=gast.Load()),
            args=[node.elt], keywords=[]))
        stmt = append
        for gen in reversed(node.generators):
            for cond in reversed(gen.ifs):
                stmt = gast.If(test=cond, body=[stmt], orelse=[])
            stmt = gast.For(target=gen.target, iter=gen.iter, body=[stmt], orelse=[],
                            type_comment=None)
        gast.copy_location(stmt, node)
        for n in gast.walk(stmt):
            if not hasattr(n, "lineno") and isinstance(n, (gast.stmt, gast.expr)):
                gast.copy_location(n, node)
        from .build import _assigned_names
        self.locals |= set(_assigned_names([stmt]))
        self.stmt(stmt)
        result = self.b.env[key]
        self.b.env = {k: (v if k not in saved else saved[k]) for k, v in self.b.env.items()
                      if k in saved}
        return result

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
        if any(k == "out" for k, _ in kwargs):
            self.error(node, "out= writes the result into an existing array in place, which "
                             "is not supported: assign the result instead (a[...] = np.add(a, b) "
                             "or a = np.add(a, b))", MutationError)
        func = node.func
        if isinstance(func, gast.Name) and func.id in self.nested and func.id not in self.b.env:
            return self.inline_nested(self.nested[func.id], node, hint)
        obj = self.static(func)
        if obj is UNBOUND and isinstance(func, gast.Attribute):
            if func.attr == "append" and isinstance(func.value, gast.Name) and len(node.args) == 1:
                lst = self.name(func.value)
                new = self.emit(ops.list_append, (lst, self.expr(node.args[0])), node,
                                hint=func.value.id)
                self.b.env[func.value.id] = new
                return Const(None)
            if func.attr in _INPLACE_METHODS:
                self.error(node, f"'.{func.attr}()' changes the array in place, which is not "
                                 "supported: build a new array instead (e.g. np.sort(a), "
                                 "np.full_like(a, v))", MutationError)
            self_arg = self.expr(func.value)
            args = (self_arg,) + tuple(self.expr(a) for a in node.args)
            method = getattr(np.ndarray, func.attr, None)
            fn = method if method is not None else Method(func.attr)
            return self.emit(fn, args, node, kwargs, hint=hint)
        if obj is UNBOUND:
            self.error(node, f"cannot call '{gast.dump(func)}': only functions known at "
                             "compile time can be called", ADError)
        if _inplace_callee(obj):
            self.error(node, f"{_inplace_callee(obj)}() changes an array in place, which is not "
                             "supported: build a new array instead (index assignment a[i] = v "
                             "is supported)", MutationError)
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
        """A function defined inside the differentiated one: inlined with the
        enclosing variables as they are at the call (Python's late binding)."""
        from ..frontend.fence import check_function
        from ..frontend.parse import ParsedFunction
        if fdef in self.stack:
            self.error(node, f"recursive call to '{fdef.name}' is not supported")
        pf = ParsedFunction(fn=None, name=fdef.name, node=fdef, filename=self.pf.filename,
                            lineno=fdef.lineno, lines=self.pf.lines[fdef.lineno - self.pf.lineno:],
                            globals=self.pf.globals, closure=self.pf.closure)
        check_function(pf)
        args = tuple(self.expr(a) for a in node.args)
        kwargs = tuple((k.arg, self.expr(k.value)) for k in node.keywords)
        outer = {k: v for k, v in self.b.env.items() if not k.startswith("<")}
        defaults = {}
        a = fdef.args
        for p, d in zip(a.args[len(a.args) - len(a.defaults):], a.defaults):
            defaults[p.id] = self.expr(d)
        return self._inline_body(pf, args, kwargs, node, self.stack + (fdef,), outer=outer,
                                 defaults=defaults, nested=dict(self.nested))

    def _inline_body(self, pf, args, kwargs, node, stack, outer=None, defaults=None, nested=None):
        params = [a.id for a in pf.node.args.args]
        defaults = dict(_defaults(pf)) if defaults is None else defaults
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
                d = defaults[p]
                bound[p] = d if isinstance(d, (Var, Const)) else Const(d)
        saved = self.b.env
        if not hasattr(self.b, "outer_envs"):
            self.b.outer_envs = []
        self.b.outer_envs.append(saved)
        self.b.env = dict(outer or {})
        self.b.env.update(bound)
        sub = type(self)(pf, self.b, stack)
        if nested:
            sub.nested.update(nested)
        if outer:
            sub.locals |= set(outer)
        try:
            result = sub.body()
        finally:
            self.b.env = saved
            self.b.outer_envs.pop()
        return result

