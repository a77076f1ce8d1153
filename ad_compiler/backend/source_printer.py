"""Statements → Python source text, with ``#`` comments and a map from each
generated line to the user's source line it stands for.

Example: the emitter hands over the body of ``f_grad`` as gast statements
and ``Comment`` records, each record and statement with its source
location (``Loc``)::

    [Comment("line 2: y = x * 2  # größe", loc2), Assign(y = x * 2) @ loc2,
     Comment("adjoint of line 2: y = x * 2  # größe", loc2), Assign(x_bar = ...)]

and gets back::

    1  def f_grad(x, seed):
    2      # line 2: y = x * 2  # größe
    3      y = x * 2
    4      # adjoint of line 2: y = x * 2  # größe
    5      x_bar = y_bar * 2

with ``lines == {2: loc2, 3: loc2, 4: loc2, 5: loc2}``.  A comment's text is
written as it is (it never passes through a string literal, so every
character survives).  Simple statements are printed by astor one at a
time (the plain shapes by ``plain_print``, in astor's layout); compound
ones (``if``/``elif``/``else``, ``for``, ``while``) are printed here,
their header by astor, so the layout is astor's.

Which user line a generated line belongs to: the location of the comment
that heads its block of statements (a statement of an adjoint block
belongs to the primal line the comment names, even when its instruction
was built from a rule's source), else the statement's own location.  A
comment's scope ends with the compound statement it is in.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

import astor
import gast
from astor.source_repr import split_lines

from .plain_emit import Line
from .plain_print import MAX_LINE, INDENT, plain_statement

__all__ = ["Comment", "PrintedSource", "print_function"]

_INDENT = INDENT


@dataclass(frozen=True)
class Comment:
    """A ``# text`` line in generated code; ``loc``: the line it describes."""
    text: str
    loc: object = None


@dataclass(frozen=True)
class PrintedSource:
    """``text``: the source; ``lines``: generated line number (1-based) ->
    the ``Loc`` of the user's line it comes from (lines with none left out)."""
    text: str
    lines: dict


class _Printer:
    def __init__(self, locs):
        self.locs = locs              # id(statement) -> Loc
        self.out = []                 # source lines
        self.where = {}               # line number -> Loc

    def put(self, text, loc):
        for ln in text.splitlines():
            self.out.append(ln)
            if loc is not None:
                self.where[len(self.out)] = loc

    def body(self, stmts, indent, context):
        """Print ``stmts`` at ``indent``; ``context``: the location of the
        enclosing comment.  Comments take over the context for the
        statements that follow them in the same body."""
        for s in stmts:
            if isinstance(s, Comment):
                context = s.loc if s.loc is not None else context
                self.put(indent + "# " + " ".join(s.text.splitlines()), context)
                continue
            loc = context if context is not None else self.locs.get(id(s))
            if type(s) is Line:
                self.put(_line(s.text, indent), loc)
            elif isinstance(s, gast.If):
                self.if_(s, indent, loc, "if")
            elif isinstance(s, (gast.For, gast.While)):
                self.put(_header(s, indent), loc)
                self.body(s.body, indent + _INDENT, loc)
                self.orelse(s.orelse, indent, loc)
            else:
                self.put(_astor(s, indent), loc)

    def if_(self, s, indent, loc, keyword):
        head = _header(s, indent)
        if keyword == "elif":
            head = indent + "elif" + head[len(indent) + len("if"):]
        self.put(head, loc)
        self.body(s.body, indent + _INDENT, loc)
        if len(s.orelse) == 1 and isinstance(s.orelse[0], gast.If):
            inner = s.orelse[0]
            self.if_(inner, indent, loc if loc is not None else self.locs.get(id(inner)), "elif")
        else:
            self.orelse(s.orelse, indent, loc)

    def orelse(self, stmts, indent, loc):
        if stmts:
            self.put(indent + "else:", loc)
            self.body(stmts, indent + _INDENT, loc)


def _astor(node, indent):
    """A statement as astor prints it at this indentation (long lines are
    wrapped as in a whole module: astor counts the indentation too); the
    common plain shapes without astor's visitor (``plain_print``)."""
    text = plain_statement(node, indent)
    return text if text is not None else _by_astor(node, indent)


def _line(text, indent):
    """A statement made as text (plain_emit.Line): as it is, unless astor
    would wrap it; then astor's text of the statement it parses to (the
    same tree the gast path would build)."""
    if len(indent) + len(text) <= MAX_LINE:
        return indent + text + "\n"
    return _by_astor(ast.parse(text).body[0], indent, converted=True)


def _by_astor(node, indent, converted=False):
    def pretty(items):
        while items and items[0] == "":
            items = items[1:]
        return "".join(split_lines([indent] + list(items))) if indent else "".join(split_lines(items))
    tree = node if converted else gast.gast_to_ast(node)
    return astor.to_source(tree, indent_with=_INDENT, pretty_source=pretty)


def _header(s, indent):
    """The header line(s) of a compound statement, as astor prints them:
    the statement printed with a ``pass`` body, the ``pass`` taken off."""
    bare = type(s)(**{f: ([gast.Pass()] if f == "body" else [] if f == "orelse"
                          else getattr(s, f)) for f in s._fields})
    text = _astor(bare, indent).rstrip("\n")
    return text[:text.rindex("\n")]


def print_function(name, params, body, locs):
    """``def name(params): body`` as a ``PrintedSource``; ``locs`` maps the
    ``id`` of a statement to its source location."""
    p = _Printer(locs)
    p.put(f"def {name}({', '.join(params)}):", None)
    p.body(body or [gast.Pass()], _INDENT, None)
    return PrintedSource("\n".join(p.out) + "\n", p.where)
