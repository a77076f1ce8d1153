"""Functions as values inside a differentiated function: lambdas, and
functions passed to the user's own helpers (``ir.build``).

Example::

    def f(x):                          bb0(x):
        h = lambda t: t * t              t1 = mul x x        # line 2 (h inlined)
        return apply(h, x)               return t1
    def apply(fn, v): return fn(v)

A lambda is not a run-time object in the graph: it is a compile-time value
(``Const(LocalLambda)``) that remembers the function builder it was
defined in and its defaults (evaluated where the lambda is, as in Python).
Calling it inlines its body, reading the defining function's variables as
they are at the call (Python's late binding), even when the call happens
inside a helper the lambda was passed to; a lambda a factory returns keeps
the factory's variables as they were when it returned.  ``map(fn, xs)`` is
built as the list comprehension ``[fn(x) for x in xs]``.
"""
from __future__ import annotations

import gast

from ..errors import ADError
from ..frontend.fence import check_function
from ..frontend.parse import ParsedFunction
from . import ops
from .nodes import Const, Var
from .slots import Synthetic, is_name

__all__ = ["LocalLambda", "CallableValues", "check_no_lambda_operand"]


class LocalLambda:
    """A lambda defined inside the function being built."""

    def __init__(self, fdef, builder, defaults):
        self.fdef, self.builder, self.defaults = fdef, builder, defaults
        self.final_env = None       # the defining function's variables once it returned

    def __repr__(self):
        return f"<lambda at line {self.fdef.lineno}>"


def _lambda_def(node):
    fdef = gast.FunctionDef(name=f"lambda_{node.lineno}", args=node.args,
                            body=[gast.Return(value=node.body)], decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    gast.copy_location(fdef, node)
    gast.copy_location(fdef.body[0], node.body)
    return fdef


class CallableValues:
    """Mixin of ``_FunctionBuilder``: lambdas and function values."""

    def lambda_value(self, node):
        a = node.args
        defaults = {}
        for p, d in zip(a.args[len(a.args) - len(a.defaults):], a.defaults):
            defaults[p.id] = self.expr(d)         # evaluated where the lambda is
        lam = LocalLambda(_lambda_def(node), self, defaults)
        self.made_lambdas.append(lam)
        return Const(lam)

    def close_lambdas(self, env):
        """The function being inlined returns: lambdas it made that escape
        (returned by a factory) keep its variables' final values."""
        for lam in self.made_lambdas:
            lam.final_env = dict(env)

    def callable_value(self, func):
        """The compile-time callable a local name or expression holds
        (a lambda, or a function passed in as an argument), else None."""
        if isinstance(func, gast.Lambda):
            return self.lambda_value(func).value
        v = None
        if isinstance(func, gast.Name) and func.id in self.b.env:
            v = self.b.env[func.id]
        elif not isinstance(func, (gast.Name, gast.Attribute)):
            v = self.expr(func)                 # make(c)(x): a call that returns a function
            if not (isinstance(v, Const) and (callable(v.value) or
                                              isinstance(v.value, LocalLambda))):
                self.error(func, "cannot call this expression: only functions known at "
                                 "compile time can be called", ADError)
        if isinstance(v, Const) and (isinstance(v.value, LocalLambda) or callable(v.value)):
            return v.value
        return None

    def call_value(self, fn, node, hint):
        """Call a function value: inline a lambda or one of the user's own
        functions, emit a call of anything else."""
        if any(k.arg is None for k in node.keywords):
            self.error(node, "'**kwargs' in calls is not supported")
        args = tuple(self.expr(a) for a in node.args)
        kwargs = tuple((k.arg, self.expr(k.value)) for k in node.keywords)
        if isinstance(fn, LocalLambda):
            return self.inline_lambda(fn, args, kwargs, node)
        if self._is_user_function(fn):
            return self.inline(fn, args, kwargs, node, hint)
        return self.emit(fn, args, node, kwargs, hint=hint)

    def inline_lambda(self, lam, args, kwargs, node):
        fdef = lam.fdef
        if fdef in self.stack:
            self.error(node, f"recursive call to the lambda at line {fdef.lineno} is not supported")
        owner = lam.builder
        if owner is self:
            env = self.b.env
        else:
            chain = self.b.builder_chain
            if owner in chain:
                env = self.b.outer_envs[chain.index(owner)]
            else:                      # returned by a factory: its variables as it left them
                env = lam.final_env
        opf = owner.pf
        pf = ParsedFunction(fn=None, name="<lambda>", node=fdef, filename=opf.filename,
                            lineno=opf.lineno, lines=opf.lines, globals=opf.globals,
                            closure=opf.closure, cells=opf.cells)
        check_function(pf)
        outer = {k: v for k, v in env.items() if is_name(k)}
        return self._inline_body(pf, args, kwargs, node, self.stack + (fdef,), outer=outer,
                                 defaults=dict(lam.defaults), nested=dict(owner.nested))

    def bind_arguments(self, pf, args, kwargs, defaults, node):
        """{parameter: operand} for a call of the inlined function ``pf``, as
        Python binds them: extra positional arguments go to ``*args`` (a
        tuple), extra keywords to ``**kwargs`` (a dict)."""
        a = pf.node.args
        params = [p.id for p in a.args]
        if len(args) > len(params) and a.vararg is None:
            self.error(node, f"{pf.name}() takes {len(params)} positional arguments "
                             f"but {len(args)} were given", ADError)
        bound = dict(zip(params, args))
        extra = []
        for k, v in kwargs:
            if k in bound or (k not in params and a.kwarg is None):
                self.error(node, f"{pf.name}() got an unexpected or repeated argument '{k}'", ADError)
            if k in params:
                bound[k] = v
            else:
                extra += [Const(k), v]
        for p in params:
            if p not in bound:
                if p not in defaults:
                    self.error(node, f"{pf.name}() missing argument '{p}'", ADError)
                d = defaults[p]
                bound[p] = d if isinstance(d, (Var, Const)) else Const(d)
        if a.vararg is not None:
            bound[a.vararg.id] = self.emit(ops.make_tuple, tuple(args[len(params):]), node,
                                           hint=a.vararg.id)
        if a.kwarg is not None:
            bound[a.kwarg.id] = self._dict_made(self.emit(ops.make_dict, tuple(extra), node,
                                                          hint=a.kwarg.id))
        return bound

    def map_call(self, node, hint):
        """``map(fn, xs, ...)`` as ``[fn(x, ...) for x, ... in zip(xs, ...)]``."""
        if len(node.args) < 2 or node.keywords:
            self.error(node, "map() needs a function and at least one iterable")
        names = [Synthetic("map", id(node), k, hint="item") for k in range(len(node.args) - 1)]
        load = [gast.Name(id=n, ctx=gast.Load(), annotation=None, type_comment=None)
                for n in names]
        store = [gast.Name(id=n, ctx=gast.Store(), annotation=None, type_comment=None)
                 for n in names]
        if len(names) == 1:
            target, it = store[0], node.args[1]
        else:
            target = gast.Tuple(elts=store, ctx=gast.Store())
            it = gast.Call(func=gast.Name(id="zip", ctx=gast.Load(), annotation=None,
                                          type_comment=None), args=node.args[1:], keywords=[])
        comp = gast.ListComp(elt=gast.Call(func=node.args[0], args=load, keywords=[]),
                             generators=[gast.comprehension(target=target, iter=it, ifs=[],
                                                            is_async=0)])
        for n in gast.walk(comp):
            if isinstance(n, (gast.expr, gast.stmt)) and not hasattr(n, "lineno"):
                gast.copy_location(n, node)
        gast.copy_location(comp, node)
        return self.listcomp(comp, hint)


def check_no_lambda_operand(builder, args, node):
    """A lambda is only called or passed to the user's own functions."""
    if any(isinstance(a, Const) and isinstance(a.value, LocalLambda) for a in args):
        builder.error(node, "a lambda defined in the differentiated function can only be called "
                            "or passed to your own (inlined) functions", ADError)
