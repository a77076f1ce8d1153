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

import builtins
import operator
import sys
import types
from contextlib import contextmanager

import gast
import numpy as np

from ..errors import ADError, MutationError, UndefinedNameError
from ..frontend.bindings import Ref, is_data, trusted_box
from ..frontend.fence import GENERATOR_CONSUMERS, check_function, is_consumed_generator
from ..frontend.parse import UNBOUND, ParsedFunction, parse
from ..rules import lookup
from ..rules.numpy_index_tricks import index_concatenator
from ..rules.registry import props
from . import ops
from .bound import RAISED, RETFLAG, RETURN, bound_key, bound_names  # noqa: F401 (re-exported)
from .nodes import Attr, Const, Method, Var
from .slots import Bound, Scratch, Synthetic, hint_of_key, is_name

__all__ = ["ExpressionBuilder", "NestedFunction", "deep_inlining", "MAX_INLINE_DEPTH"]

# Inlining recurses through the builder (about a dozen Python frames per
# level); the recursion limit is raised as needed, up to this many levels.
MAX_INLINE_DEPTH = 1000
_FRAMES_PER_LEVEL = 40

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
# array attributes read as values: ``.T`` is a transpose, ``.mT`` a matrix transpose
_ATTR_FUNCS = {"T": np.transpose, "mT": np.matrix_transpose, "real": np.real}
_CONSUMERS = {getattr(builtins, n) for n in GENERATOR_CONSUMERS}
# list and dict methods that change the container in place (``append`` is
# modelled; these run and make an ops.changed_in_place version, without a rule)
CONTAINER_MUTATORS = {"extend", "insert", "pop", "remove", "clear", "reverse", "update",
                       "setdefault", "popitem"}
class NestedFunction:
    """A function defined inside compiled code, used as a value (returned by
    a factory, bound to a name, passed to a helper).  ``env`` holds the
    enclosing function's variables when the value was taken; where it was
    taken after the enclosing function's last change to them (at its
    ``return``, say) that is what a Python closure sees when called."""
    __slots__ = ("fdef", "pf", "env", "nested", "owner")

    def __init__(self, fdef, pf, env, nested, owner):
        self.fdef, self.pf, self.env, self.nested, self.owner = fdef, pf, env, nested, owner

    def __repr__(self):
        return f"<function {self.fdef.name} defined in {self.pf.name}>"


@contextmanager
def deep_inlining():
    """Restore the recursion limit that deep inlining raised."""
    limit = sys.getrecursionlimit()
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _room_for_one_more_level():
    frames, f = 0, sys._getframe()
    while f is not None:
        frames, f = frames + 1, f.f_back
    need = frames + 2 * _FRAMES_PER_LEVEL + 200
    if sys.getrecursionlimit() < need:
        sys.setrecursionlimit(need)


# packages whose Python functions are called, never inlined (exact package
# names: a user's module ``mathhelpers`` is inlined)
_NOT_INLINED = ("numpy", "math", "ad_compiler")     # (adc.grad(f) there: ir/build.py)


def _inplace_callee(obj):
    """The name of an in-place NumPy callee (the table's ``mutates``), or None."""
    if props(obj).mutates:
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
        env = self.b.env
        if node.id in env:
            flag = env.get(bound_key(node.id), Const(True))
            if flag != Const(True):         # unbound on some paths: Python's check, there
                return self.unbound(node, flag)
            return env[node.id]
        if node.id in self.nested:
            return Const(NestedFunction(self.nested[node.id], self.pf, dict(env),
                                        dict(self.nested), self))
        if node.id in self.locals:
            return self.unbound(node, Const(False))
        ref, obj = self.pf.where(node.id)
        if obj is UNBOUND:
            self.error(node, f"name '{node.id}' is not defined", UndefinedNameError)
        return self.free(ref, obj)

    # -- free names: data is read per call, the rest is specialised on, with a guard ---------
    def free(self, ref, obj):
        """The operand for a free name bound to ``obj`` at ``ref``: a hidden
        parameter of the graph for data, else the constant (guarded)."""
        bindings = self.b.bindings
        if bindings is None or ref is None or trusted_box(ref.box):
            return Const(obj)
        if is_data(obj) and not bindings.freeze:
            return bindings.load(ref, lambda: self._free_param(ref.name))
        bindings.guard(ref, obj)
        return Const(obj)

    def unbound(self, node, flag):
        """A read of a local that is unbound where ``flag`` is false: raises
        Python's UnboundLocalError there, at run time (a read that no path
        reaches with a value may still sit in an arm that never runs)."""
        self.require(flag, UnboundLocalError, node, f"cannot access local variable "
                                                    f"'{node.id}' where it is not associated "
                                                    "with a value")
        if flag == Const(False):
            self.b.env[RAISED] = Const(True)          # nothing after this runs
            return Const(None)
        self.b.env[bound_key(node.id)] = Const(True)
        return self.b.env[node.id]
    def _free_param(self, name):
        """A new parameter of the entry block, after the user's (ir.build's
        Bindings pass its value on each call)."""
        v = self.b.fresh(name)
        self.b.blocks[0].params.append(v)
        self.b.entry_params = self.b.entry_params | {v}
        self.b.free_params[v] = name
        return v

    def static(self, node):
        """The Python object an expression denotes at compile time, or
        UNBOUND (also for data that is read per call)."""
        if isinstance(node, gast.Name):
            if node.id in self.locals or node.id in self.b.env:
                return UNBOUND
            ref, obj = self.pf.where(node.id)
        elif isinstance(node, gast.Attribute):
            base = self.static(node.value)
            if base is UNBOUND or not isinstance(base, (types.ModuleType, type)):
                return UNBOUND
            ref, obj = Ref("attr", base, node.attr), getattr(base, node.attr, UNBOUND)
        else:
            return UNBOUND
        if obj is UNBOUND:
            return UNBOUND
        if isinstance(self.free(ref, obj), Var):
            return UNBOUND
        return obj

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
            concat = index_concatenator(base.value) if isinstance(base, Const) else None
            if concat is not None:                     # np.r_[a, b] -> r_items((a, b))
                elts = node.slice.elts if isinstance(node.slice, gast.Tuple) else [node.slice]
                items = [self.index(e, node) for e in elts]
                return self.emit(concat, (self.emit(ops.make_tuple, items, node),), node,
                                 hint=hint)
            return self.emit(operator.getitem, (base, self.index(node.slice, node)), node, hint=hint)
        if isinstance(node, (gast.Tuple, gast.List)):
            items = [self.expr(e) for e in node.elts]
            fn = ops.make_tuple if isinstance(node, gast.Tuple) else ops.make_list
            if fn is ops.make_tuple and all(isinstance(x, Const) for x in items):
                return Const(tuple(x.value for x in items))
            return self.emit(fn, items, node, hint=hint)
        if isinstance(node, gast.ListComp):
            return self.listcomp(node, hint)
        if isinstance(node, gast.GeneratorExp):
            self.error(node, "generator expressions are not supported here (only as the single "
                             "argument of the builtins sum, min, max, any, all, list, tuple or "
                             "sorted): use a list comprehension")
        if isinstance(node, gast.Lambda):
            return self.lambda_value(node)
        if isinstance(node, gast.Dict):
            return self.dict_literal(node, hint)
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
        key = Scratch("bool", id(node))
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
        key = Scratch("ifexp", id(node))
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
        key = Synthetic("listcomp", id(node), hint=hint or "items")
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
        # The targets are the comprehension's own names (its scope): local
        # while it runs, restored afterwards.  Every other name keeps what the
        # element expression did to it (``out.append(v)``, a helper storing
        # into a list it was passed), as in Python.
        own = set(bound_names([g.target for g in node.generators]))
        added = own - self.locals
        self.locals |= own
        self.stmt(stmt)
        self.locals -= added
        result = self.b.env[key]
        scoped = own | {bound_key(n) for n in own}
        self.b.env = {k: (saved[k] if k in scoped else v) for k, v in self.b.env.items()
                      if k in saved}
        return result

    def refuse_shared_append(self, lst, name, node):
        """``lst.append(v)`` makes a new SSA version of ``lst``; that is only
        Python's meaning when no other object holds the list: a list passed
        to a helper (the caller's list) or already put in a container is
        refused with a MutationError rather than silently losing the item."""
        if any(lst in outer.values() for outer in self.b.outer_envs):
            self.error(node, f"appending to '{name}' would modify a list of the calling "
                             f"function, which is not supported: return the new items (or "
                             f"the new list) from the helper instead", MutationError)
        if lst in self.b.stored:
            self.error(node, f"appending to '{name}' after it was put in a list, tuple or "
                             "dict is not supported: Python would change the container's "
                             "item too; append before storing it", MutationError)

    def mutator_call(self, func, node, kwargs, hint):
        """``lst.extend(v)``, ``d.update(e)``, ``lst.pop()``...: the method
        runs (Python's value) and every name bound to the container gets a
        new version made by ``ops.changed_in_place``, which has no rule: if
        a gradient would flow through the change the reverse pass refuses
        it instead of silently losing it.  A container that is not a plain
        name (``c[k].extend``) is refused here: later reads of ``c[k]``
        would not depend on the change."""
        if not isinstance(func.value, gast.Name):
            self.error(node, f"'.{func.attr}()' on an item or attribute of another value "
                             "changes it in place, which is not supported: bind it to a "
                             "name first, or build a new list/dict", MutationError)
        lst = self.name(func.value)
        args = (lst,) + tuple(self.expr(a) for a in node.args)
        result = self.emit(Method(func.attr), args, node, kwargs, hint=hint)
        if isinstance(lst, Var):
            new = self.emit(ops.changed_in_place, (lst, result, Const(func.attr)), node,
                            hint=hint_of_key(func.value.id))
            for k, v in list(self.b.env.items()):
                if v == lst:
                    self.b.env[k] = new
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
        holder = self.static(node.value)
        if isinstance(holder, (types.ModuleType, type)) and hasattr(holder, node.attr):
            return self.free(Ref("attr", holder, node.attr), getattr(holder, node.attr))
        base = self.expr(node.value)
        if isinstance(base, Const):
            return Const(getattr(base.value, node.attr))
        fn = _ATTR_FUNCS.get(node.attr)
        if fn is not None:
            return self.emit(fn, (base,), node, hint=hint)
        return self.emit(Attr(node.attr), (base,), node, hint=hint)

    def call(self, node, hint):
        if is_consumed_generator(node) and self.static(node.func) in _CONSUMERS:
            node = gast.copy_location(gast.Call(func=node.func, keywords=node.keywords, args=[
                gast.copy_location(gast.ListComp(elt=node.args[0].elt,
                                                 generators=node.args[0].generators),
                                   node.args[0])]), node)     # sum(e for x in xs): sum([...])
        value = self.callable_value(node.func)       # a lambda, or a function passed in
        if value is not None:
            return self.call_value(value, node, hint)
        if self.static(node.func) is map:
            return self.map_call(node, hint)
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
        value = self.b.env.get(func.id) if isinstance(func, gast.Name) else None
        if isinstance(value, Const) and isinstance(value.value, NestedFunction):
            nf = value.value
            if nf.owner is self:                 # late binding: the variables as they are now
                return self.inline_nested(nf.fdef, node, hint)
            return self.inline_nested(nf.fdef, node, hint, nf)
        obj = self.static(func)
        if obj is UNBOUND and isinstance(value, Const) and callable(value.value):
            obj = value.value                    # h = helper; h(x); fn(x) for fn=np.sin
        built = self.constructor_call(obj, node, hint) if obj is not UNBOUND else \
            self.container_method(func, node, hint)
        if built is not None:
            return built
        if obj is UNBOUND and isinstance(func, gast.Attribute):
            if func.attr == "append" and isinstance(func.value, gast.Name) and len(node.args) == 1:
                lst = self.name(func.value)
                if isinstance(lst, Const):       # a global or closure list: Python mutates it
                    self.b.effect(lst.value.append, (self.expr(node.args[0]),), self.loc(node))
                    return Const(None)
                self.refuse_shared_append(lst, func.value.id, node)
                new = self.emit(ops.list_append, (lst, self.expr(node.args[0])), node,
                                hint=hint_of_key(func.value.id))
                # every name bound to the list sees it, also a name carried into a loop
                # as a block parameter of its own (ir/aliasing.py: the list's family)
                self.al.update(self, func.value.id, lst, new, node, "appending to", inplace=True)
                outside = self.b.outside_lists
                if lst in self.b.entry_params or lst in outside:
                    outside.add(new)           # the caller's or a global list: the append
                    self.b.effect(ops.escape, (new,), self.loc(node))    # must happen
                return Const(None)
            if props(Method(func.attr)).mutates:
                self.error(node, f"'.{func.attr}()' changes the array in place, which is not "
                                 "supported: build a new array instead (e.g. np.sort(a), "
                                 "np.full_like(a, v))", MutationError)
            if func.attr in CONTAINER_MUTATORS:
                return self.mutator_call(func, node, kwargs, hint)
            if func.attr == "append" and len(node.args) == 1:
                self.error(node, "appending to a list that is an item or attribute of "
                                 "another value (c[k].append(v)) is not supported: the "
                                 "gradient would not see the new item; build the list in a "
                                 "variable and store it afterwards", MutationError)
            self_arg = self.expr(func.value)
            args = (self_arg,) + tuple(self.expr(a) for a in node.args)
            method = getattr(np.ndarray, func.attr, None)
            fn = method if method is not None else Method(func.attr)
            return self.emit(fn, args, node, kwargs, hint=hint)
        if obj is UNBOUND and isinstance(func, gast.Name) and func.id not in self.locals \
                and func.id not in self.b.env:
            held = self.pf.where(func.id)[1]
            if held is UNBOUND:
                self.error(node, f"name '{func.id}' is not defined", UndefinedNameError)
            self.error(node, f"cannot call '{func.id}': it holds {type(held).__name__} data, "
                             "not a function", ADError)
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
        return not any(mod == p or mod.startswith(p + ".") for p in _NOT_INLINED)

    # -- calls to the user's own functions are inlined ------------------------------------------
    def inline(self, fn, args, kwargs, node, hint):
        if fn in self.stack:
            self.error(node, f"recursive call to '{fn.__name__}' is not supported")
        self._check_depth(node)
        bindings = self.b.bindings
        if bindings is not None:
            bindings.guard_function(fn)
        return self._inline_body(parse(fn), args, kwargs, node, self.stack + (fn,))

    def _check_depth(self, node):
        if len(self.stack) >= MAX_INLINE_DEPTH:
            names = [getattr(f, "__name__", None) or getattr(f, "name", "?") for f in self.stack]
            chain = " -> ".join(names[:3] + ["..."] + names[-2:])
            self.error(node, f"calls nested {len(self.stack)} deep ({chain}): inlining stops "
                             f"at {MAX_INLINE_DEPTH} levels", ADError)
        _room_for_one_more_level()

    def inline_nested(self, fdef, node, hint, closure=None):
        """A function defined inside the differentiated one: inlined with the
        enclosing variables as they are at the call (Python's late binding),
        or, for a ``closure`` that left its defining function (a factory's
        result), as they were when it was taken."""
        if fdef in self.stack:
            self.error(node, f"recursive call to '{fdef.name}' is not supported")
        self._check_depth(node)
        home = closure.pf if closure is not None else self.pf
        pf = ParsedFunction(fn=None, name=fdef.name, node=fdef, filename=home.filename,
                            lineno=fdef.lineno, lines=home.lines[fdef.lineno - home.lineno:],
                            globals=home.globals, closure=home.closure, cells=home.cells)
        check_function(pf)
        args = tuple(self.expr(a) for a in node.args)
        kwargs = tuple((k.arg, self.expr(k.value)) for k in node.keywords)
        env = closure.env if closure is not None else self.b.env
        outer = {k: v for k, v in env.items() if is_name(k) or isinstance(k, Bound)}
        defaults = self.b.def_defaults.get(fdef, {})
        return self._inline_body(pf, args, kwargs, node, self.stack + (fdef,), outer=outer,
                                 defaults=dict(defaults),
                                 nested=dict(closure.nested if closure is not None else self.nested))

    def _inline_body(self, pf, args, kwargs, node, stack, outer=None, defaults=None, nested=None):
        defaults = dict(_defaults(pf)) if defaults is None else defaults
        bound = self.bind_arguments(pf, args, kwargs, defaults, node)
        saved = self.b.env
        self.b.outer_envs.append(saved)
        self.b.builder_chain.append(self)
        self.b.env = dict(outer or {})
        self.b.env.update(bound)
        sub = type(self)(pf, self.b, stack)
        if nested:
            sub.nested.update(nested)
        if outer:
            sub.locals |= {k for k in outer if is_name(k)}
        try:
            result = sub.body()
            sub.close_lambdas(self.b.env)
        finally:
            self.b.env = saved
            self.b.outer_envs.pop()
            self.b.builder_chain.pop()
        return result

