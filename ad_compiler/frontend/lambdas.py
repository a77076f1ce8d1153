"""The source of a lambda: find its node in the file and make it a ``def``.

Example::

    g = adc.grad(lambda x: np.sum(x ** 2))     # line 7 of model.py
    lambda_source(g.fn) -> (gast FunctionDef ``def lambda_7(x): return np.sum(x ** 2)``,
                            "model.py", 7, the source lines 7..7)

``inspect`` only knows the line a lambda starts on, and one line may hold
several lambdas (``f, g = lambda x: x * x, lambda x: x + 1``).  The whole
file (or notebook cell, which IPython keeps in ``linecache``) is parsed and
every lambda starting on that line is compiled again on its own; the one
whose code object is the function's (same bytecode, constants and names) is
the one.  Where several are equal, their code is the same, and on 3.11+ the
columns of ``co_positions()`` pick the exact one.  If no lambda matches (the
file changed since it was imported) the source is reported as unavailable,
never guessed.
"""
from __future__ import annotations

import ast
import inspect
from functools import lru_cache

import gast

from ..errors import SourceUnavailableError

__all__ = ["lambda_source", "code_signature", "matching_lambdas"]


@lru_cache(maxsize=64)
def _parse_text(text):
    return ast.parse(text)


def code_signature(code):
    """What two compilations of the same lambda share (not line numbers)."""
    consts = tuple(code_signature(c) if inspect.iscode(c) else (type(c).__name__, repr(c))
                   for c in code.co_consts)
    return (code.co_code, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars,
            code.co_argcount, code.co_kwonlyargcount, code.co_flags & 0x0F, consts)


_MARK = 10 ** 7      # candidate k is compiled with first line _MARK + k


@lru_cache(maxsize=64)
def _compiled_candidates(text, line):
    """{candidate index: code object} for the lambdas starting on ``line``,
    compiled in their file (so closures, imports and scopes compile as they
    did): each candidate gets a marker line number to be found by."""
    tree = ast.parse(text)
    starts = _starts(tree, line)
    for k, n in enumerate(starts):
        n.lineno = n.end_lineno = _MARK + k
    try:
        code = compile(tree, "<lambdas>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, TypeError):
        return {}
    out, todo = {}, [code]
    while todo:
        c = todo.pop()
        if c.co_name == "<lambda>" and c.co_firstlineno >= _MARK:
            out[c.co_firstlineno - _MARK] = c
        todo.extend(k for k in c.co_consts if inspect.iscode(k))
    return out


def _starts(tree, line):
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == line]
    return sorted(found, key=lambda n: n.col_offset)


def _contains(node, positions):
    start = (node.lineno, node.col_offset)
    end = (node.end_lineno, node.end_col_offset)
    return all(start <= (ln, col) and (eln, ecol) <= end
               for ln, eln, col, ecol in positions)


def matching_lambdas(code, text):
    """The lambda nodes of the source ``text`` that compile to ``code``,
    narrowed by the instruction columns where Python records them (3.11+)."""
    tree = _parse_text(text)
    starts = _starts(tree, code.co_firstlineno)
    compiled = _compiled_candidates(text, code.co_firstlineno)
    want = code_signature(code)
    found = [n for k, n in enumerate(starts) if k in compiled
             and code_signature(compiled[k]) == want]
    if len(found) > 1 and hasattr(code, "co_positions"):
        positions = [p for p in code.co_positions() if None not in p]
        inside = [n for n in found if _contains(n, positions)]
        inside.sort(key=lambda n: (n.end_lineno - n.lineno, n.end_col_offset - n.col_offset))
        found = inside[:1] or found
    return found


def lambda_source(fn):
    """(gast FunctionDef, filename, first line, source lines) of a lambda."""
    code = fn.__code__
    filename = code.co_filename
    unavailable = (f"the source of the lambda at {filename}:{code.co_firstlineno} is not "
                   "available")
    exec_help = ("a lambda built with exec() or typed at the interactive prompt cannot be "
                 "compiled: define it in a file or a notebook cell")
    if filename in ("<string>", "<stdin>"):     # exec()'s "<string>": Python 3.13 may keep
        raise SourceUnavailableError(              # lines of other code under that name
            f"{unavailable}: {exec_help}", fn_name="<lambda>", filename=filename,
            lineno=code.co_firstlineno)
    try:
        lines, _ = inspect.findsource(fn)
    except (OSError, TypeError) as e:
        raise SourceUnavailableError(f"{unavailable} ({e}); {exec_help}", fn_name="<lambda>",
                                     filename=filename, lineno=code.co_firstlineno) from None
    try:
        found = matching_lambdas(code, "".join(lines))
    except SyntaxError:
        found = []
    if not found:
        raise SourceUnavailableError(
            f"{unavailable}: no lambda on that line of the file compiles to this function's "
            "code (was the file edited after it was imported?)", fn_name="<lambda>",
            filename=filename, lineno=code.co_firstlineno)
    node = found[0]
    g = gast.ast_to_gast(node)
    fdef = gast.FunctionDef(name=f"lambda_{node.lineno}", args=g.args,
                            body=[gast.Return(value=g.body)], decorator_list=[], returns=None,
                            type_comment=None, type_params=[])
    gast.copy_location(fdef, g)
    gast.copy_location(fdef.body[0], g.body)
    src_lines = [ln.rstrip("\n") for ln in lines[node.lineno - 1:node.end_lineno]]
    return fdef, filename, node.lineno, src_lines
