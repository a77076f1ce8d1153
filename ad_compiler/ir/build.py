"""gast AST → SSA Graph.

Example::

    def f(x, y):                 bb0(x, y):
        z = x * y          ->      z = mul x y        # line 2
        return np.sin(z)           t1 = np.sin z      # line 3
                                   return t1

Names are looked up in the SSA environment first (locals), then resolved
to Python objects (globals, closures, builtins): ``np.sin`` becomes the
constant ``numpy.sin`` in the graph (guarded, see frontend/bindings.py),
while a global or closure cell holding data (a number, an array...) becomes
a parameter after the function's own, read when the gradient is called.  Calls to the user's own
Python functions are inlined.  A ``return`` inside an ``if`` moves the
statements after the ``if`` into the other arm, so every path ends at the
function's single ``return``; any other ``return`` (nested in branches or
loops) sets a return flag, and the statements after it run under ``if not
flag`` (``break`` and ``continue`` work the same way, with their own flags).
Locals follow Python's binding rules (see ``ir.bound``).
"""
from __future__ import annotations

import operator
import weakref

import gast
import numpy as np

from ..errors import ADError, MutationError, UnsupportedSyntaxError
from ..frontend.ast_walk import children, walk
from ..frontend.fence import reject
from ..frontend.parse import UNBOUND, parse
from . import ops, views
from .aliasing import Aliases, tracked
from .build_callables import CallableValues, check_no_lambda_operand
from .build_containers import ContainerBuilder
from .builder import IRBuilder, _sub_call, _sub_term
from .build_expr import ExpressionBuilder, _defaults  # noqa: F401 (re-exported)
from .build_expr import _BINOPS, deep_inlining
from .build_expr import CONTAINER_MUTATORS
from .bound import (RAISED, RETFLAG, RETURN, bound_key, bound_names, complete_arms,
                    terminates)
from .nodes import Call, Const, Loc, Return, Var
from ..rules.registry import primal_name, props
from .slots import Iter, LoopCounter, LoopExit, LoopFlags, Obj, Scratch, hint_of_key

__all__ = ["build"]



def _walk_loop_level(stmts):
    """Nodes of ``stmts`` without descending into nested loops or functions."""
    todo = list(stmts)
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, (gast.For, gast.While, gast.FunctionDef)):
            continue
        todo.extend(children(n))


def _has_return(stmts):
    """Whether a ``return`` is among ``stmts`` (not in a nested function)."""
    return any(_returns_in(s) for s in stmts)


def _returns_in(node):
    """``_has_return`` of one node, kept on it (trees do not change once
    parsed: frontend/ast_walk.py); the builder asks again for every
    enclosing statement."""
    try:
        return node._adc_returns
    except AttributeError:
        pass
    found = type(node) is gast.Return or (type(node) is not gast.FunctionDef and any(
        _returns_in(c) for c in children(node)))
    try:
        node._adc_returns = found
    except AttributeError:
        pass
    return found


def build(fn_or_parsed, bindings=None):
    """The SSA graph of a function.  ``bindings`` (frontend.bindings) records
    its free names: data ones become parameters after the function's own,
    the rest are folded and guarded."""
    pf = fn_or_parsed if not callable(fn_or_parsed) else parse(fn_or_parsed)
    b = IRBuilder(pf.name)
    b.bindings = bindings
    if bindings is not None:
        bindings.guard_function(pf.fn)
    fb = _FunctionBuilder(pf, b, stack=(pf.fn,))
    if not terminates(pf.node.body):
        fb.error(pf.node, "the function does not return a value on every path",
                 UnsupportedSyntaxError)
    names = parameter_names(pf.node.args)
    params = [b.fresh(n) for n in names]
    b.entry_params = frozenset(params)
    entry = b.new_block(params)
    b.start(entry)
    b.env.update(zip(names, params))
    b.env.update({Obj(n): p for n, p in zip(names, params)})
    b.hooks = fb.al
    with deep_inlining():
        result = fb.body()
    if isinstance(fb.returned, Var):            # a loop that may end without returning
        fb.require(fb.returned, TypeError, pf.node,
                   f"{pf.name} reached its end without a 'return' (Python returns None "
                   "there): there is no value to differentiate")
    result = _write_back_arguments(b, params, names, fb.loc(pf.node), result)
    b.terminate(Return(result))
    defaults = _defaults(pf)
    return b.finish(arg_names=tuple(names), defaults=defaults,
                    filename=pf.filename, lineno=pf.lineno)


def parameter_names(args):
    """A function's parameters in the graph's order: the positional ones,
    then ``*args`` (a tuple) and ``**kwargs`` (a dict) if it has them."""
    return [a.id for a in args.args] + [a.id for a in (args.vararg, args.kwarg) if a is not None]
def _write_back_arguments(b, params, names, loc, result):
    """Python's in-place updates of an argument reach the caller's array: the
    function computes on a private copy (``entry_copy``: the gradient is with
    respect to the values at entry) and writes the final contents back into
    the caller's array at the end of the forward pass."""
    for p, name in zip(params, names):
        final = b.env.get(Obj(name))
        if not isinstance(final, Var) or final == p:
            continue
        own = b.fresh(name)
        m = {p: own}
        for blk in b.blocks:
            blk.instrs = [_sub_call(ins, m) for ins in blk.instrs]
            if blk.term is not None:
                blk.term = _sub_term(blk.term, m)
        b.env = {k: (own if v == p else v) for k, v in b.env.items()}
        result = own if result == p else result
        b.blocks[0].instrs.insert(0, Call(own, views.entry_copy, (p,), (), loc))
        b.effect(views.write_back, (p, final), loc)
    return result


def _assigned_names(stmts):
    """Names stored anywhere in ``stmts`` (not inside nested functions),
    including arrays assigned into and lists appended to: the values a loop
    may change."""
    out = []
    todo = list(stmts)
    while todo:
        n = todo.pop(0)
        if isinstance(n, gast.FunctionDef):
            out.append(n.name)
            continue
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            out.append(n.id)
        elif isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store) and \
                isinstance(n.value, gast.Name):
            out.append(n.value.id)               # a[i] = v makes a new version of a
        elif isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and \
                isinstance(n.func.value, gast.Name) and (n.func.attr in CONTAINER_MUTATORS or (
                    n.func.attr == "append" and len(n.args) == 1 and not n.keywords)):
            out.append(n.func.value.id)          # lst.append(v) makes a new version of lst
        elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Subscript) and \
                isinstance(n.target.value, gast.Name):
            out.append(n.target.value.id)
        todo.extend(children(n))
    return list(dict.fromkeys(out))


def _updates_in_place(stmts):
    """Whether ``stmts`` may update an array in place (``x op= v``, ``a[i] = v``)."""
    for n in (x for s in stmts for x in walk(s)):
        if isinstance(n, gast.AugAssign) or (isinstance(n, gast.Subscript)
                                             and isinstance(n.ctx, gast.Store)):
            return True
    return False


def always_returns(stmts):
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, gast.Return):
        return True
    if isinstance(last, gast.If):
        return always_returns(last.body) and always_returns(last.orelse)
    return False


_LOCALS = weakref.WeakKeyDictionary()      # FunctionDef -> its local names


def _local_names(pf):
    """Parameters and the names Python makes local (remembered per function
    node: rules are parsed once and inlined many times)."""
    fdef = pf.node
    names = _LOCALS.get(fdef)
    if names is None:
        names = _LOCALS[fdef] = (frozenset(parameter_names(fdef.args))
                                 | frozenset(bound_names(fdef.body)))
    return set(names)


def _is_read(n, name):
    """Whether the node ``n`` reads the local ``name``: a load, or the target
    of ``name += ...`` (which reads it first)."""
    if isinstance(n, gast.AugAssign):
        return isinstance(n.target, gast.Name) and n.target.id == name
    return isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Load)


def _loads(node, name):
    return any(_is_read(n, name) for n in walk(node))


def _reads_free(node, name):
    """Whether ``node`` may read ``name`` before binding it itself: a
    ``for`` whose target is ``name`` binds it before each trip's reads."""
    if isinstance(node, gast.For) and name in bound_names([node.target]):
        return _reads_free(node.iter, name) or any(_reads_free(x, name) for x in node.orelse)
    if _is_read(node, name):
        return True
    return any(_reads_free(c, name) for c in children(node))


def _assigned_before_read(stmts, name):
    """Whether every path through ``stmts`` binds ``name`` before reading it
    (a cheap syntactic test; False when unsure)."""
    for s in stmts:
        if isinstance(s, (gast.Assign, gast.AnnAssign)) and s.value is not None:
            targets = s.targets if isinstance(s, gast.Assign) else [s.target]
            if _loads(s.value, name) or any(_loads(t, name) for t in targets):
                return False
            if name in bound_names(targets):
                return True
            continue
        if isinstance(s, gast.For) and name in bound_names([s.target]) and \
                not _loads(s.iter, name) and not s.orelse:
            continue                  # read in the body only after each trip binds it
        if _loads(s, name):
            return False
        if isinstance(s, gast.If) and _assigned_before_read(s.body, name) and \
                _assigned_before_read(s.orelse, name):
            return True
    return False


class _FunctionBuilder(CallableValues, ContainerBuilder, ExpressionBuilder):
    """Builds one function body (the differentiated one, or an inlined
    callee) into a shared IRBuilder."""

    def __init__(self, pf, b, stack):
        self.pf, self.b, self.stack = pf, b, stack
        self.locals = _local_names(pf)
        self.nested = {}                      # nested def name -> gast.FunctionDef
        self.loops = []                       # per enclosing loop: its LoopFlags
        self.returned = Const(True)           # the return flag at the end of the body
        self.made_lambdas = []                # lambdas this body made (build_callables)
        self.call_site = None                 # an inlined rule: every instruction is the user's
        if b.aliases is None:
            b.aliases = Aliases()                 # which values share memory (ir.aliasing)
        self.al = b.aliases

    # -- errors and locations ----------------------------------------------------------
    def loc(self, node):
        if self.call_site is not None:
            return self.call_site
        ln = getattr(node, "lineno", self.pf.lineno)
        return Loc(self.pf.filename, ln, self.pf.source_line(ln).strip())

    def error(self, node, msg, cls=UnsupportedSyntaxError):
        if cls is UnsupportedSyntaxError:
            reject(self.pf, node, msg)
        ln = getattr(node, "lineno", self.pf.lineno)
        raise cls(msg, fn_name=self.pf.name, filename=self.pf.filename, lineno=ln,
                  source_line=self.pf.source_line(ln))

    def emit(self, fn, args, node, kwargs=(), hint=None):
        check_no_lambda_operand(self, list(args) + [v for _, v in kwargs], node)
        if props(fn).fold == "build":
            return self.build_time_call(fn, args, kwargs, node)
        out = self.b.emit(fn, args, kwargs, self.loc(node), hint)
        if fn in (ops.make_list, ops.make_tuple, ops.list_append, ops.make_dict):
            self.b.stored.update(a for a in args[fn is ops.list_append:] if isinstance(a, Var))
            self.al.containers.add(out)
        if args and props(fn).view_steps:
            self.al.record_view(out, fn, args, kwargs)
        return out

    def build_time_call(self, fn, args, kwargs, node):
        """``fn(...)`` evaluated now, its result a constant of the graph: a
        transform of ad_compiler (``grad(f, wrt=1)``), which needs constant
        arguments (a function, options); its result is called as a callee."""
        operands = list(args) + [v for _, v in kwargs]
        name = primal_name(fn).replace("ad_compiler.forward_api.", "ad_compiler.").replace(
            "ad_compiler.api.", "ad_compiler.")
        if not all(isinstance(a, Const) for a in operands):
            how = (" (jvp(f, wrt=...) is the function (*primals, *tangents) -> J @ tangents)"
                   if fn.__name__ == "jvp" else "")
            self.error(node, f"{name}(...) inside a compiled function must have constant "
                             f"arguments (a function, and options such as wrt=), but one here "
                             f"is a variable: make the derivative function first and call it, "
                             f"df = {name}(f, wrt=...); df(...){how}")
        try:
            return Const(fn(*[a.value for a in args], **{k: v.value for k, v in kwargs}))
        except (TypeError, ValueError, ADError) as e:
            self.error(node, f"{name}(...) at compile time: {str(e).splitlines()[0]}")

    # -- statements ------------------------------------------------------------------------
    def body(self):
        """Build the body; returns the returned operand (None on paths that
        end without a ``return``, as in Python)."""
        hook, self.b.join_hook = self.b.join_hook, self._complete_arms
        try:
            self.stmts(self.pf.node.body)
        finally:
            self.b.join_hook = hook
        self.returned = self.b.env.pop(RETFLAG, Const(False))
        return self.b.env.pop(RETURN, Const(None))

    def _complete_arms(self, envs):
        complete_arms(envs, lambda k: k in self.locals, self._dead)

    def _dead(self, env):
        """Which locals an arm that ends in ``env`` never reads again: all
        after ``return`` or ``raise``; after ``break`` or ``continue``, those
        the loop does not carry."""
        if env.get(RETFLAG) == Const(True) or env.get(RAISED) == Const(True):
            return lambda k: True
        if self.loops and any(env.get(f) == Const(True) for f in self.loops[-1].keys()):
            keep = self.loops[-1].carried
            return lambda k: k not in keep
        return lambda k: False

    def require(self, ok, exc_type, node, message):
        """Raise ``exc_type(message)`` at run time unless ``ok``."""
        ln = getattr(node, "lineno", self.pf.lineno)
        where = f"{self.pf.name} ({self.pf.filename}:{ln})"
        self.b.effect(ops.require, (ok, Const(exc_type), Const(f"{message} [{where}]")),
                      self.loc(node))

    def stmts(self, stmts):
        for i, s in enumerate(stmts):
            if self._done():
                return                          # code after return/break/continue never runs
            rest = stmts[i + 1:]
            if isinstance(s, gast.If) and rest and not self.loops and (
                    always_returns(s.body) or always_returns(s.orelse)):
                body = s.body if always_returns(s.body) else s.body + rest
                orelse = s.orelse if always_returns(s.orelse) else s.orelse + rest
                self.if_stmt(s, body, orelse)
                return
            self.stmt(s)
            if rest and self._may_exit(s):
                flag = self._exit_flag(s)
                if isinstance(flag, Const):
                    if flag.value:
                        return
                    continue
                self.b.if_(flag, self._exiting, lambda: self.stmts(rest), hint_of=self._hint_of)
                return

    def _exit_keys(self):
        return [RETFLAG] + [k for lp in self.loops[-1:] for k in lp.keys()]

    def _exiting(self):
        """The arm of ``if flag: <leave> else: <rest>`` that leaves: where only
        one of the flags may be set, it is set here."""
        env = self.b.env
        live = [k for k in self._exit_keys() if k in env and env[k] != Const(False)]
        if len(live) == 1:
            env[live[0]] = Const(True)

    @staticmethod
    def _hint_of(k):
        return hint_of_key(k)

    def _done(self):
        env = self.b.env
        flags = [env.get(RETFLAG), env.get(RAISED)]
        flags += [env.get(f) for lp in self.loops[-1:] for f in lp.keys()]
        return any(isinstance(f, Const) and f.value is True for f in flags)

    def _may_exit(self, s):
        if _has_return([s]) and (self.loops or RETFLAG in self.b.env):
            return True
        return bool(self.loops) and any(isinstance(n, (gast.Break, gast.Continue))
                                        for n in _walk_loop_level([s]))

    def _flag_or(self, flags, at):
        flags = [f for f in flags if f is not None and not (isinstance(f, Const) and not f.value)]
        if not flags:
            return Const(False)
        out = flags[0]
        for f in flags[1:]:
            out = self.emit(operator.or_, (out, f), at, hint="stop")
        return out

    def _exit_flag(self, at):
        env = self.b.env
        flags = [env.get(RETFLAG)]
        if self.loops:
            flags += [env.get(k) for k in self.loops[-1].keys()]
        return self._flag_or(flags, at)

    def stmt(self, s):
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], (gast.Tuple, gast.List)) and isinstance(s.value, (gast.Tuple, gast.List)) \
                and len(s.targets[0].elts) == len(s.value.elts):
            values = [self.expr(v, hint=self._hint(t)) for t, v in zip(s.targets[0].elts, s.value.elts)]
            for t, v in zip(s.targets[0].elts, values):     # a, b = b, a: all values first
                self.assign(t, v, s)
        elif isinstance(s, gast.Assign):
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
            self.b.env[RETFLAG] = Const(True)
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
        elif isinstance(s, gast.Assert):
            failed = self.emit(operator.not_, (self.expr(s.test),), s)

            def fail():                         # the message is built only on failure
                msg = [self.expr(s.msg)] if s.msg is not None else []
                exc = self.emit(AssertionError, msg, s)
                self.b.effect(ops.raise_, (exc, Const(None)), self.loc(s))
            self.b.if_(failed, fail, lambda: None, hint_of=self._hint_of)
        elif isinstance(s, gast.Raise):
            cause = self.expr(s.cause) if s.cause is not None else Const(None)
            self.b.effect(ops.raise_, (self.expr(s.exc), cause), self.loc(s))
            self.b.env[RAISED] = Const(True)     # nothing after it in this block runs
        elif isinstance(s, gast.FunctionDef):
            a = s.args                             # defaults are evaluated by the def
            self.b.def_defaults[s] = {p.id: self.expr(d) for p, d in zip(
                a.args[len(a.args) - len(a.defaults):], a.defaults)}
            self.nested[s.name] = s
            self.b.env.pop(s.name, None)           # the name now means the function
        elif isinstance(s, (gast.Break, gast.Continue)):
            if not self.loops:
                self.error(s, f"'{type(s).__name__.lower()}' outside a loop")
            lp = self.loops[-1]
            self.b.env[lp.brk if isinstance(s, gast.Break) else lp.cont] = Const(True)
        else:
            self.error(s, f"'{type(s).__name__}' statements are not supported")

    @staticmethod
    def _hint(target):
        return hint_of_key(target.id) if isinstance(target, gast.Name) else None

    def bind(self, name, value):
        self.b.env[name] = value
        if bound_key(name) in self.b.env:
            self.b.env[bound_key(name)] = Const(True)

    def assign(self, target, value, node):
        if isinstance(target, gast.Name):
            self.bind(target.id, value)
        elif isinstance(target, (gast.Tuple, gast.List)):
            for k, elt in enumerate(target.elts):
                item = self.emit(operator.getitem, (value, Const(k)), node, hint=self._hint(elt))
                self.assign(elt, item, node)
        elif isinstance(target, gast.Subscript):
            self.setitem(target, value, node)
        else:
            self.error(node, f"assignment to {type(target).__name__.lower()} targets is not supported")

    def aug_assign(self, s):
        """``x op= v``: an array is updated in place (every name that shares
        its memory sees it, see ir.aliasing); a number is rebound."""
        op = _BINOPS.get(type(s.op))
        t = s.target
        if isinstance(t, gast.Name):
            old = self.name(t)
            new = self.emit(op, (old, self.expr(s.value)), s, hint=t.id)
            if isinstance(old, Var):             # an array keeps its dtype: NumPy computes into it
                new = self.emit(views.inplace_value, (old, new), s, hint=t.id)
            self.al.update(self, t.id, old, new, s, "augmented assignment to", inplace=False)
        elif isinstance(t, gast.Subscript):
            base = self.expr(t.value)
            idx = self.index(t.slice, s)
            old = self.emit(operator.getitem, (base, idx), s)
            new = self.emit(op, (old, self.expr(s.value)), s)
            self._check_inplace(old, new, s)
            self.setitem(t, new, s, idx=idx)
        else:
            self.error(s, "augmented assignment to this target is not supported")

    def _check_inplace(self, old, new, node):
        """NumPy's shape and casting rules of ``old op= v`` for an array
        (dropped where ``old`` is known to be a number, transforms.specialize)."""
        if isinstance(old, Var):
            self.b.effect(views.check_inplace, (old, new), self.loc(node))

    def setitem(self, target, value, node, idx=None):
        """``a[idx] = v`` makes a new SSA version of ``a`` (see ops.setitem)
        and of every array that shares memory with it."""
        if not isinstance(target.value, gast.Name):
            self.error(node, "assignment to an element of an expression is not supported: "
                             "assign to an element of a named array")
        name = target.value.id
        if name not in self.b.env and isinstance(self.pf.resolve(name), (np.ndarray, list)):
            self.error(node, f"assignment into '{name}' would modify a global array or list; "
                             f"copy it first: {name} = {name}.copy() (or pass it as an "
                             "argument)", MutationError)
        base = self.name(target.value)
        if base in self.b.free_params:
            self.error(node, f"assignment into '{name}' would modify a global (or closure) "
                             f"array; copy it first ({name}_copy = {name}.copy()) or pass it "
                             "as an argument", MutationError)
        if idx is None:
            idx = self.index(target.slice, node)
        new = self.emit(ops.setitem, (base, idx, value), node, hint=name)
        self.al.update(self, name, base, new, node, "assignment into", inplace=True)

    def if_stmt(self, s, body, orelse):
        cond = self.expr(s.test)
        self.b.if_(cond, lambda: self.stmts(body), lambda: self.stmts(orelse),
                   hint_of=self._hint_of)

    def _carried(self, stmts):
        """The environment keys a loop over ``stmts`` may change: names
        assigned there (with their definedness flags)."""
        env = self.b.env
        names = [n for n in _assigned_names(stmts) if n in env]
        return names + [bound_key(n) for n in names if bound_key(n) in env]

    def _bound_in_loop(self, s):
        """Locals first bound inside the loop ``s`` whose value can be seen
        by a later trip or after the loop: carried from an unbound start
        (None, flag False), so Python's UnboundLocalError happens exactly
        where Python's does (after a loop that ran zero times, say)."""
        env = self.b.env
        target = bound_names([s.target]) if isinstance(s, gast.For) else []
        out = []
        defs = {d.name for d in walk(s) if isinstance(d, gast.FunctionDef)}
        read_outside = None
        for n in bound_names(([s.target] if target else []) + s.body):
            if n in env or n not in self.locals or n in defs:
                continue                # a nested def: its name means the function, not a value
            if read_outside is None:
                read_outside = self._read_outside(s)
            if n in read_outside or (n not in target and _reads_free(s, n) and
                                            not _assigned_before_read(s.body, n)):
                env[n], env[bound_key(n)] = Const(None), Const(False)
                out += [n, bound_key(n)]
        return out

    def _loop(self, s, carried, test, body):
        """A loop with Python's ``break``/``continue``/``return`` lowered to
        flags: the test also checks them, and statements after one that may
        leave the iteration run under ``if not flag``."""
        carried = carried + self._bound_in_loop(s)
        env = self.b.env
        level = list(_walk_loop_level(s.body))
        flags = LoopFlags(
            LoopExit("break", id(s)) if any(isinstance(n, gast.Break) for n in level) else None,
            LoopExit("continue", id(s)) if any(isinstance(n, gast.Continue) for n in level)
            else None)
        if flags.brk is not None:
            env[flags.brk] = Const(False)
        extra = [flags.brk] if flags.brk is not None else []
        if _has_return(s.body):
            env.setdefault(RETURN, Const(None))
            env.setdefault(RETFLAG, Const(False))
            extra += [RETURN, RETFLAG]

        def guarded_test():
            stop = self._flag_or([self.b.env.get(k) for k in (flags.brk, RETFLAG) if k], s)
            if isinstance(stop, Const):
                return test()
            key = Scratch("test", id(s))
            self.b.if_(stop, lambda: self._bind_value(key, lambda: Const(False)),
                       lambda: self._bind_value(key, test), hint_of=lambda k: "go")
            return self.b.env.pop(key)

        def guarded_body():
            if flags.cont is not None:
                self.b.env[flags.cont] = Const(False)
            self.loops.append(LoopFlags(flags.brk, flags.cont, frozenset(keys)))
            try:
                body()
            finally:
                self.loops.pop()
            if flags.cont is not None:
                self.b.env.pop(flags.cont, None)

        if _updates_in_place(s.body):          # every array that may share memory with
            extra += [k for k, v in env.items() if tracked(k) and isinstance(v, Var)]   # one
        keys = list(dict.fromkeys(carried + extra))
        self.al.at = (self, s)
        self.b.loop(keys, guarded_test, guarded_body, hint_of=self._hint_of)
        if flags.brk is not None:
            self.b.env.pop(flags.brk, None)

    def while_stmt(self, s):
        self._loop(s, self._carried(s.body), lambda: self.expr(s.test), lambda: self.stmts(s.body))

    def _read_outside(self, loop):
        """The names the function reads outside ``loop`` (``_is_read``)."""
        inside = {id(n) for n in walk(loop)}
        out = set()
        for n in walk(self.pf.node):
            if id(n) in inside:
                continue
            if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
                out.add(n.target.id)
            elif isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                out.add(n.id)
        return out

    def for_stmt(self, s):
        """``for`` over ``range``, or over anything indexable — arrays (rows),
        lists, tuples — possibly through ``enumerate`` and ``zip``, nested."""
        it = s.iter
        callee = self.static(it.func) if isinstance(it, gast.Call) else UNBOUND
        if callee is range:
            args = [self.expr(a) for a in it.args]
            start, stop, step = (Const(0), args[0], Const(1)) if len(args) == 1 else \
                (args[0], args[1], args[2] if len(args) > 2 else Const(1))
            self._counted_loop(s, start, stop, step, lambda i: self.assign(s.target, i, s))
            return
        outer_iters = {k for k in self.b.env if isinstance(k, Iter)}
        n, element = self.iterable(it, s)
        self._counted_loop(s, Const(0), n, Const(1),
                           lambda i: self.bind_pattern(s.target, element(i), s))
        for k in [k for k in self.b.env if isinstance(k, Iter) and k not in outer_iters]:
            self.b.env.pop(k)

    def iterable(self, node, at):
        """(length operand, i -> element) for an iterable expression; an
        element is an operand or a tuple of elements (enumerate, zip)."""
        callee = self.static(node.func) if isinstance(node, gast.Call) else UNBOUND
        if callee is enumerate and node.args and len(node.args) + len(node.keywords) <= 2 and \
                all(k.arg == "start" for k in node.keywords):
            n, inner = self.iterable(node.args[0], at)
            start = node.args[1] if len(node.args) > 1 else \
                (node.keywords[0].value if node.keywords else None)
            if start is None:
                return n, lambda i: (i, inner(i))
            first = self.expr(start)                 # evaluated once, as Python does
            return n, lambda i: (self.emit(operator.add, (first, i), at, hint="count"), inner(i))
        if callee is reversed and len(node.args) == 1 and not node.keywords:
            n, inner = self.iterable(node.args[0], at)
            last = self.emit(operator.sub, (n, Const(1)), at, hint="last")
            return n, lambda i: inner(self.emit(operator.sub, (last, i), at, hint="j"))
        if callee is range and 1 <= len(node.args) <= 3 and not node.keywords:
            args = [self.expr(a) for a in node.args]  # range(stop) / (start, stop[, step])
            start, step = (Const(0), Const(1)) if len(args) == 1 else \
                (args[0], args[2] if len(args) > 2 else Const(1))
            n = self.emit(len, (self.emit(range, tuple(args), at, hint="r"),), at, hint="n")
            return n, lambda i: self.emit(operator.add, (start, self.emit(
                operator.mul, (i, step), at, hint="k")), at, hint="k")
        if callee is zip and node.args and not node.keywords:
            parts = [self.iterable(a, at) for a in node.args]
            n = parts[0][0]
            for m, _ in parts[1:]:
                n = self.emit(min, (n, m), at, hint="n")
            return n, lambda i: tuple(el(i) for _, el in parts)
        if callee is range:
            self.error(at, "range() inside enumerate/zip is not supported: index with the counter")
        seq = self.iteration_sequence(self.expr(node), at)    # a dict iterates its keys
        n = self.emit(len, (seq,), at, hint="n")
        key = Iter(id(node))                     # the object iterated over: an in-place
        self.b.env[key] = seq                    # update in the body changes later items
        return n, lambda i: self.emit(operator.getitem, (self.b.env[key], i), at)

    def bind_pattern(self, target, element, at):
        if isinstance(element, tuple):
            if not isinstance(target, (gast.Tuple, gast.List)) or len(target.elts) != len(element):
                self.error(at, "the loop target does not unpack like the iterable "
                               "(e.g. 'for i, (a, b) in enumerate(zip(x, y))')")
            for t, e in zip(target.elts, element):
                self.bind_pattern(t, e, at)
        else:
            self.assign(target, element, at)

    def _counted_loop(self, s, start, stop, step, bind):
        key = LoopCounter(id(s))
        self.b.env[key] = start
        carried = [key] + self._carried([s.target] + s.body)
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
        self._loop(s, carried, test, body)
        self.b.env.pop(key)
