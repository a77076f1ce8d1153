"""A function's source lines and parsed tree, found without tokenizing.

Example: for ``def f(x):`` on line 12 of ``model.py`` followed by two
indented lines and a line back at column 0::

    function_source(f) -> (["def f(x):\\n", "    y = x * 2\\n", "    return y\\n"], 12,
                           <ast.Module holding the FunctionDef>)

``inspect.getsourcelines`` finds the end of a function by running the
tokenizer over it, which costs about a millisecond per function in pure
Python; the compiler asks for the source of every derivative rule it
inlines, so that cost was a large share of a first call.  Here the end is
the first later line indented no deeper than the ``def`` (blank and
comment lines skipped; trailing comments as deep as the body kept, as
``inspect`` keeps them), and the block is then parsed with the C parser.
When that cut lands inside a string, brackets or a continued line the
parse fails, and the answer falls back to ``inspect``, so the result is
always the one ``inspect`` gives (its lines end at the last statement of
the body, as here).
"""
from __future__ import annotations

import ast
import inspect
import linecache
import textwrap

__all__ = ["function_source", "source_file"]


_SOURCE_FILES = {}


def source_file(fn):
    """``inspect.getsourcefile(fn) or`` the code's file name, cached per file
    (it tests the file system)."""
    code = fn.__code__
    found = _SOURCE_FILES.get(code.co_filename)
    if found is None:
        found = _SOURCE_FILES[code.co_filename] = inspect.getsourcefile(code) or code.co_filename
    return found


def _block(lines, start):
    """The lines of the ``def`` starting at ``lines[start]`` (decorators
    first), or None when the header is not plain enough to cut by indent."""
    head = lines[start]
    indent = len(head) - len(head.lstrip())
    j = start
    while j < len(lines) and lines[j].lstrip().startswith("@"):
        j += 1
    if j >= len(lines) or not lines[j].lstrip().startswith(("def ", "async def ")):
        return None
    if len(lines[j]) - len(lines[j].lstrip()) != indent:
        return None
    end = j + 1
    body_col = None                  # comments this deep belong to the block (inspect's rule)
    for k in range(j + 1, len(lines)):
        text = lines[k].strip()
        col = len(lines[k]) - len(lines[k].lstrip())
        if not text:
            continue
        if text.startswith("#"):
            if body_col is not None and col >= body_col:
                end = k + 1
            continue
        if col <= indent:
            break
        if body_col is None:
            body_col = col
        end = k + 1
    return lines[start:end]


def _fast(fn):
    code = fn.__code__
    filename = code.co_filename
    if filename.startswith("<") and filename.endswith(">"):
        return None
    linecache.checkcache(filename)
    lines = linecache.getlines(filename, getattr(fn, "__globals__", None))
    start = code.co_firstlineno - 1
    if not lines or not 0 <= start < len(lines):
        return None
    block = _block(lines, start)
    if block is None:
        return None
    try:
        tree = _parse_at(block, start + 1)
    except SyntaxError:
        return None
    node = tree.body[0] if len(tree.body) == 1 else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name != fn.__name__:
        return None
    return block, start + 1, tree


_SHARED_PSEUDO_FILES = frozenset({"<string>", "<stdin>"})   # names no file: no source


def function_source(fn):
    """``(lines, first line number, ast.Module)`` of a function, as
    ``inspect.getsourcelines`` gives the lines, the tree numbered as in the
    file (columns as in the dedented lines); raises OSError/TypeError as
    inspect does when there is no source, SyntaxError if it does not parse."""
    code = getattr(fn, "__code__", None)
    if code is not None and code.co_filename in _SHARED_PSEUDO_FILES:
        # every exec() names its code "<string>": Python 3.13 may keep lines of other
        # code under that name, and compiling them would differentiate the wrong code
        raise OSError("could not get source code")
    found = _fast(fn) if code is not None and fn.__name__ != "<lambda>" else None
    if found is not None:
        return found
    lines, lineno = inspect.getsourcelines(fn)
    return lines, lineno, _parse_at(lines, lineno)


def _parse_at(lines, lineno):
    """The dedented lines parsed with the line numbers of the file (blank
    lines in front: cheaper than renumbering the tree)."""
    return ast.parse("\n" * (lineno - 1) + textwrap.dedent("".join(lines)))
