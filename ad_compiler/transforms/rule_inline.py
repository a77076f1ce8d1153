"""Inlining a single-expression derivative rule into the adjoint graph.

Example: the rule of ``a.transpose(1, 0)`` is

    def ndarray_transpose(g, ans, a, *axes):
        return np.transpose(g, np.argsort(axes[0] if len(axes) == 1 else axes) if axes else None)

and the reverse pass calls ``inline_rule(fb, ndarray_transpose, (t_bar, t, a, 1, 0), ...)``:
the call's operands are bound to the rule's parameters exactly as Python
binds them (``*axes`` becomes the tuple ``(1, 0)``, keyword-only parameters
and ``**kwargs`` take keywords or their defaults), and the returned
expression is built as IR with those names -- and only those -- bound.
Every other name in the expression resolves in the rule's own module, so
a rule's parameters and locals never meet the user's names (hygiene).

A call the rule cannot bind is reported at the *user's* line: as the
user's mistake when the primal itself would reject the call (Python would
raise there too), else as a rule that does not support this form of the
call (``NoRuleError``), never as an error in the rule's file.
"""
from __future__ import annotations

import ast
import inspect
import weakref
from functools import lru_cache

import gast

from ..errors import ADError, NoRuleError
from ..frontend.parse import ParsedFunction
from ..frontend.fast_gast import expression_to_gast
from ..frontend.source_lines import function_source, source_file
from ..ir import ops
from ..ir.nodes import Const, Var

__all__ = ["rule_expression", "bind_operands", "inline_rule"]

_REFUSED = (gast.GeneratorExp, gast.ListComp, gast.Lambda, gast.SetComp, gast.DictComp,
            gast.Starred, gast.NamedExpr, gast.Dict, gast.Set, gast.JoinedStr)


@lru_cache(maxsize=None)
def rule_expression(fn):
    """``(ParsedFunction, returned expression)`` of a rule whose body is a
    single ``return EXPR`` (a docstring allowed), else None (the rule is
    then called, not inlined)."""
    from ..cache.rule_asts import tree_of
    found = tree_of(fn, lambda: _rule_source(fn))     # parsed once per machine
    if found is None:
        return None
    tree, lines, lineno, filename = found
    node = tree.body[0]
    if not isinstance(node, gast.FunctionDef):
        return None
    body = [s for s in node.body
            if not (isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant))]
    if len(body) != 1 or not isinstance(body[0], gast.Return) or body[0].value is None:
        return None
    expr = body[0].value
    if any(isinstance(n, _REFUSED) for n in gast.walk(expr)):
        return None
    node.decorator_list = []
    pf = ParsedFunction(fn=fn, name=fn.__name__, node=node, filename=filename, lineno=lineno,
                        lines=[ln.rstrip("\n") for ln in lines], globals=fn.__globals__)
    return pf, expr


def _rule_source(fn):
    """(gast module, source lines, first line, file) of a rule; None without
    source (frontend/source_lines.py reads it without the tokenizer)."""
    try:
        lines, lineno, tree = function_source(fn)
        filename = source_file(fn)
    except (OSError, TypeError):
        return None
    node = _rule_node(tree)
    if node is None:
        return None
    return gast.Module(body=[node], type_ignores=[]), lines, lineno, filename


def _rule_node(tree):
    """The gast FunctionDef of a rule's ``ast`` module: when its body is a
    docstring and ``return EXPR``, the shell through gast and the
    expression through ``fast_gast`` (the costly part), else all by gast."""
    fdef = tree.body[0] if tree.body else None
    if not isinstance(fdef, ast.FunctionDef):
        return None
    body = [s for s in fdef.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
        expr = expression_to_gast(body[0].value)
        if expr is not None:
            ret = body[0]
            shell = ast.FunctionDef(name=fdef.name, args=fdef.args, body=[], decorator_list=[],
                                    returns=fdef.returns, type_comment=fdef.type_comment,
                                    **({"type_params": []} if hasattr(fdef, "type_params") else {}))
            ast.copy_location(shell, fdef)
            node = gast.ast_to_gast(shell)
            node.body = [gast.copy_location(gast.Return(value=expr), ret)]
            node.body[0].end_lineno, node.body[0].end_col_offset = ret.end_lineno, ret.end_col_offset
            return node
    node = gast.ast_to_gast(tree).body[0]
    return node if isinstance(node, gast.FunctionDef) else None


def bind_operands(fn, args, kwargs):
    """Bind IR operands to ``fn``'s parameters as Python would bind values:
    ``{name: operand}``, where a ``*args`` parameter gets a tuple of
    operands, ``**kwargs`` a dict and a missing parameter its default (a
    Python value); None if ``fn`` has no signature.  Raises TypeError, with
    Python's message, if the operands do not bind."""
    sig, plan = _signature(fn)
    if sig is None:                          # a callable without one: called as it is
        return None
    if plan is not None:
        bound = _bind_plain(plan, args, kwargs)
        if bound is not None:
            return bound
    bound = sig.bind(*args, **dict(kwargs))  # *args, keyword-only, or an error: Python's way
    bound.apply_defaults()
    return dict(bound.arguments)


_PLAIN = inspect.Parameter.POSITIONAL_OR_KEYWORD


def _plain_params(sig):
    """``(names, defaults)`` when every parameter of ``sig`` is a plain
    positional-or-keyword one (most rules), else None."""
    params = tuple(sig.parameters.values())
    if any(p.kind is not _PLAIN for p in params):
        return None
    return (tuple(p.name for p in params),
            {p.name: p.default for p in params if p.default is not p.empty})


def _bind_plain(plan, args, kwargs):
    """What ``Signature.bind`` + ``apply_defaults`` give for a signature of
    plain parameters (a fifth of the reverse pass went to ``inspect``), or
    None where binding fails (the caller binds again, for Python's message)."""
    names, defaults = plan
    if len(args) > len(names):
        return None
    out = dict(zip(names, args))
    for k, v in kwargs:
        if k in out or k not in defaults and k not in names:
            return None
        out[k] = v
    if kwargs or len(out) < len(names):
        for name in names[len(args):]:
            if name not in out:
                if name not in defaults:
                    return None
                out[name] = defaults[name]
        out = {name: out[name] for name in names}     # in parameter order, as bind gives
    return out


def _signature(fn):
    """``(inspect.signature(fn), _plain_params of it)``, ``(None, None)``
    without one; kept per rule: the same rules bind at every call site and
    a signature costs ~0.1 ms."""
    try:
        return _SIGNATURES[fn]
    except KeyError:
        pass
    except TypeError:                        # not weakly referable or unhashable
        return _signature_of(fn)
    found = _SIGNATURES[fn] = _signature_of(fn)
    return found


def _signature_of(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None, None
    return sig, _plain_params(sig)


_SIGNATURES = weakref.WeakKeyDictionary()


_FREE_NAMES = weakref.WeakKeyDictionary()


def _free_names(expr):
    """The names a rule's expression reads (once per rule: a rule is inlined
    at every use of its primitive)."""
    names = _FREE_NAMES.get(expr)
    if names is None:
        names = _FREE_NAMES[expr] = frozenset(n.id for n in gast.walk(expr)
                                              if isinstance(n, gast.Name))
    return names


def _operand(fb, value, loc):
    """An IR operand for a bound value: operands stay, Python defaults become
    constants, a ``*args`` tuple becomes a constant tuple or a ``make_tuple``."""
    if isinstance(value, (Var, Const)):
        return value
    if isinstance(value, tuple) and any(isinstance(v, (Var, Const)) for v in value):
        items = [_operand(fb, v, loc) for v in value]
        if all(isinstance(v, Const) for v in items):
            return Const(tuple(v.value for v in items))
        return fb.b.emit(ops.make_tuple, items, (), loc, "args")
    if isinstance(value, dict) and value:
        items = {k: _operand(fb, v, loc) for k, v in value.items()}
        if all(isinstance(v, Const) for v in items.values()):
            return Const({k: v.value for k, v in items.items()})
        return None                                   # a dict of run-time values: call the rule
    return Const(value)


def arity_error(primal, primal_args, primal_kwargs, rule_fn, error, *, name, where, loc):
    """The error for a call whose operands a rule cannot bind: the user's
    (the primal rejects it too) or the rule's (it does not support this call)."""
    where_kw = dict(fn_name=where, filename=loc.filename if loc else None,
                    lineno=loc.lineno if loc else None, source_line=loc.source if loc else None)
    try:
        sig = inspect.signature(primal)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        try:
            sig.bind(*primal_args, **dict(primal_kwargs))
        except TypeError as e:
            return ADError(f"{name}() is called with arguments it does not accept ({e}); "
                           "Python would raise a TypeError here", **where_kw)
    return NoRuleError(f"the derivative rule {rule_fn.__name__} of {name} does not support this "
                       f"call ({error}); pass the arguments as documented in docs/RULES.md or "
                       "register a rule with ad_compiler.defvjp", **where_kw)


def inline_rule(fb, fn, args, kwargs, loc):
    """Build ``fn(*args, **kwargs)`` (a single-expression rule) as IR into the
    builder of ``fb`` (a ``_FunctionBuilder`` over the rule); None if the
    rule must be called instead.  Raises TypeError if the operands do not
    bind to the rule's parameters."""
    pf, expr = rule_expression(fn)
    bound = bind_operands(fn, args, kwargs)
    names = _free_names(expr)
    env = {}
    for name, value in bound.items():
        if name not in names:
            continue
        op = _operand(fb, value, loc)
        if op is None:
            return None
        env[name] = op
    saved = fb.b.env
    fb.b.env = env
    fb.call_site = loc               # located at the user's line, not the rule's
    try:
        return fb.expr(expr, hint="out")
    finally:
        fb.b.env = saved
