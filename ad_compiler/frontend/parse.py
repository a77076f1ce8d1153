"""Source of a Python function → gast AST, with every name resolvable.

Example::

    import numpy as np
    def f(x): return np.sin(x) * SCALE
    parse(f).resolve("np")     -> the numpy module
    parse(f).resolve("SCALE")  -> the module-level constant
    parse(f).node              -> the gast FunctionDef, lines as in the file

Names resolve through the closure cells, then the function's globals, then
builtins, so every import style (``import numpy as np``, ``from math import
exp``...) means what it means in the user's module.
"""
from __future__ import annotations

import builtins
import inspect
import types
from dataclasses import dataclass, field
from functools import lru_cache

import gast

from ..errors import SourceUnavailableError
from .bindings import Ref
from .fast_gast import function_to_gast
from .fence import check_function
from .lambdas import lambda_source
from .source_lines import function_source, source_file

__all__ = ["parse", "ParsedFunction", "UNBOUND", "inline_body"]

UNBOUND = object()


@dataclass
class ParsedFunction:
    fn: object
    name: str
    node: gast.FunctionDef
    filename: str
    lineno: int
    lines: list
    globals: dict
    closure: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)      # free name -> its closure cell

    def where(self, name):
        """``(Ref, object)`` for a free name: where Python finds it (the
        closure cell, the globals dict, builtins — a ``Ref`` to a name that
        must stay absent from the globals) and what it holds now; the Ref is
        None for an unknown cell, and ``(None, UNBOUND)`` for no binding."""
        if name in self.closure:
            cell = self.cells.get(name)
            return (None if cell is None else Ref("cell", cell, name)), self.closure[name]
        if name in self.globals:
            return Ref("global", self.globals, name), self.globals[name]
        obj = getattr(builtins, name, UNBOUND)
        return (None if obj is UNBOUND else Ref("builtin", self.globals, name)), obj

    def resolve(self, name):
        """The object a free name refers to, or UNBOUND."""
        if name in self.closure:
            return self.closure[name]
        if name in self.globals:
            return self.globals[name]
        return getattr(builtins, name, UNBOUND)

    def source_line(self, lineno):
        i = lineno - self.lineno
        return self.lines[i] if 0 <= i < len(self.lines) else ""


def _closure(fn):
    cells = fn.__closure__ or ()
    out = {}
    for name, cell in zip(fn.__code__.co_freevars, cells):
        try:
            out[name] = cell.cell_contents
        except ValueError:        # empty cell: defined later in the enclosing scope
            pass
    return out


def _cells(fn):
    """Free name -> closure cell (read again at each call, see bindings.py)."""
    return dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))


def parse(fn) -> ParsedFunction:
    name = getattr(fn, "__name__", repr(fn))
    if isinstance(fn, (types.BuiltinFunctionType, types.BuiltinMethodType)) or not hasattr(fn, "__code__"):
        raise SourceUnavailableError(
            f"cannot differentiate {name!r}: it has no Python source (a builtin or C extension); "
            "wrap it in a Python function or register a rule with ad_compiler.defvjp",
            fn_name=name)
    if name == "<lambda>":
        return _parse_lambda(fn)
    try:
        lines, lineno, tree = function_source(fn)
    except (OSError, TypeError) as e:
        raise SourceUnavailableError(
            f"source code of {name!r} is not available ({e}); functions typed at the "
            "interactive prompt or built with exec() cannot be compiled: put them in a file",
            fn_name=name, filename=fn.__code__.co_filename,
            lineno=fn.__code__.co_firstlineno) from None
    filename = source_file(fn)
    node = function_to_gast(tree.body[0]) if tree.body else None
    if node is None:
        node = gast.ast_to_gast(tree).body[0]
    if not isinstance(node, gast.FunctionDef):
        raise SourceUnavailableError(f"expected a function definition for {name!r}",
                                     fn_name=name, filename=filename, lineno=lineno)
    node.decorator_list = []
    pf = ParsedFunction(fn=fn, name=name, node=node, filename=filename, lineno=lineno,
                        lines=[ln.rstrip("\n") for ln in lines], globals=fn.__globals__,
                        closure=_closure(fn), cells=_cells(fn))
    check_function(pf)
    return pf


def _parse_lambda(fn):
    node, filename, lineno, lines = lambda_source(fn)
    pf = ParsedFunction(fn=fn, name=node.name, node=node,
                        filename=inspect.getsourcefile(fn) or filename, lineno=lineno,
                        lines=lines, globals=fn.__globals__, closure=_closure(fn))
    check_function(pf)
    return pf


@lru_cache(maxsize=None)
def inline_body(fn):
    """(parameter names, the returned expression) of a function whose body
    is a single ``return EXPR`` (a docstring allowed), else None."""
    try:
        node = gast.ast_to_gast(function_source(fn)[2]).body[0]
    except (OSError, TypeError, SyntaxError):
        return None
    if not isinstance(node, gast.FunctionDef):
        return None
    body = [s for s in node.body if not (isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant))]
    if len(body) != 1 or not isinstance(body[0], gast.Return) or body[0].value is None:
        return None
    if any(isinstance(n, (gast.GeneratorExp, gast.ListComp, gast.Lambda, gast.SetComp,
                          gast.DictComp, gast.Starred, gast.NamedExpr))
           for n in gast.walk(body[0].value)):
        return None
    a = node.args
    if a.kwarg or a.kwonlyargs:
        return None
    params = [p.id for p in a.args] + ([a.vararg.id] if a.vararg else [])
    return tuple(params), body[0].value
