"""The fence: reject syntax the compiler does not handle, before any code runs.

Example::

    def f(x):
        try:              # line 2
            ...
    -> UnsupportedSyntaxError: f (model.py:2): 'try' statements are not supported
"""
from __future__ import annotations

import gast

from ..errors import UnsupportedSyntaxError
from .ast_walk import walk

__all__ = ["check_function", "reject", "is_consumed_generator", "GENERATOR_CONSUMERS"]

_REJECTED = {
    gast.Try: "'try' statements are not supported",
    gast.With: "'with' statements are not supported",
    gast.AsyncWith: "'async with' is not supported",
    gast.AsyncFor: "'async for' is not supported",
    gast.AsyncFunctionDef: "async functions are not supported",
    gast.Await: "'await' is not supported",
    gast.Yield: "generators ('yield') are not supported",
    gast.YieldFrom: "generators ('yield from') are not supported",
    gast.Global: "'global' declarations are not supported: pass the value as an argument",
    gast.Nonlocal: "'nonlocal' declarations are not supported",
    gast.ClassDef: "class definitions inside a differentiated function are not supported",
    gast.Delete: "'del' statements are not supported",
    gast.Import: "import statements inside a differentiated function are not supported: "
                 "import at module level",
    gast.ImportFrom: "import statements inside a differentiated function are not supported: "
                     "import at module level",
    gast.NamedExpr: "assignment expressions (':=') are not supported",
    gast.SetComp: "set comprehensions are not supported",
    gast.DictComp: "dict comprehensions are not supported",
    gast.GeneratorExp: "generator expressions are not supported here (only as the single "
                       "argument of sum, min, max, any, all, list, tuple or sorted): use a "
                       "list comprehension",
    gast.Set: "set literals are not supported",
    gast.Starred: "star-arguments ('*args' in calls or targets) are not supported",
    gast.Match: "'match' statements are not supported",
}


# builtins that consume a generator at once: ``sum(x * i for i in r)`` is built as
# ``sum([x * i for i in r])`` (same values, same order of side effects)
GENERATOR_CONSUMERS = ("sum", "min", "max", "any", "all", "list", "tuple", "sorted")


def is_consumed_generator(call):
    """Whether ``call`` is ``consumer(generator expression, **kw)`` by name
    (the builder checks that the name is the builtin)."""
    return (isinstance(call.func, gast.Name) and call.func.id in GENERATOR_CONSUMERS
            and len(call.args) == 1 and isinstance(call.args[0], gast.GeneratorExp))


def reject(pf, node, message):
    lineno = getattr(node, "lineno", pf.lineno)
    raise UnsupportedSyntaxError(message, fn_name=pf.name, filename=pf.filename, lineno=lineno,
                                 source_line=pf.source_line(lineno))


def check_function(pf, node=None):
    node = node or pf.node
    a = node.args
    if a.kwonlyargs or a.posonlyargs:
        reject(pf, node, "keyword-only and positional-only parameters are not supported")
    consumed = {id(c.args[0]) for stmt in node.body for c in walk(stmt)
                if isinstance(c, gast.Call) and is_consumed_generator(c)}
    for stmt in node.body:
        for sub in walk(stmt):
            msg = _REJECTED.get(type(sub))
            if msg and id(sub) not in consumed:
                reject(pf, sub, msg)
            if isinstance(sub, gast.Raise) and sub.exc is None:
                reject(pf, sub, "a bare 'raise' (re-raise) is not supported: raise an exception")
            if isinstance(sub, gast.FormattedValue) and sub.format_spec is not None and any(
                    isinstance(v, gast.FormattedValue) for v in sub.format_spec.values):
                reject(pf, sub, "nested f-string format specs are not supported")
            if isinstance(sub, (gast.For, gast.While)) and sub.orelse:
                reject(pf, sub, f"'{type(sub).__name__.lower()} ... else' is not supported")
            if isinstance(sub, gast.FunctionDef) and sub is not node:
                if sub.decorator_list:
                    reject(pf, sub, "decorators on nested functions are not supported")
