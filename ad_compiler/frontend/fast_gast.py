"""ast → gast for the expressions of derivative rules, without gast's visitor.

Example: ``ast.parse("np.cos(x) * g", mode="eval").body`` (a BinOp of a Call
and a Name) becomes the gast tree ``gast.ast_to_gast`` makes of it, node for
node, with the same line and column numbers.

Every rule the compiler inlines is a function whose body is ``return EXPR``;
its ``ast`` comes from ``frontend/source_lines.py`` and must become gast for
the IR builder.  gast converts through a generic ``NodeTransformer``, which
was a large share of a first compilation (once per rule and process).  For
the expression node types, whose gast fields are ast's (``Name`` adds
``annotation`` and ``type_comment``, both None in an expression), the
conversion here builds the same nodes directly.  Any other node type
(lambdas, comprehensions, f-strings ...) returns None and the caller uses
gast itself; ``tests/compiler/test_source_lines.py`` checks the two agree
on every rule of the table.
"""
from __future__ import annotations

import ast

import gast

__all__ = ["expression_to_gast"]

_SAME_FIELDS = {}
for _name in ("Call", "keyword", "Subscript", "Attribute", "BinOp", "Compare", "IfExp", "Tuple",
              "Slice", "UnaryOp", "BoolOp", "List", "Starred", "Constant"):
    _SAME_FIELDS[getattr(ast, _name)] = getattr(gast, _name)
for _name in ("Load", "Store", "Del", "Add", "Sub", "Mult", "MatMult", "Div", "Mod", "Pow",
              "LShift", "RShift", "BitOr", "BitXor", "BitAnd", "FloorDiv", "Invert", "Not",
              "UAdd", "USub", "Eq", "NotEq", "Lt", "LtE", "Gt", "GtE", "Is", "IsNot", "In",
              "NotIn", "And", "Or"):
    _SAME_FIELDS[getattr(ast, _name)] = getattr(gast, _name)
_LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset")


class _Unknown(Exception):
    pass


def _convert(node):
    t = type(node)
    if t is ast.Name:
        new = gast.Name(node.id, _convert(node.ctx), None, None)
    else:
        cls = _SAME_FIELDS.get(t)
        if cls is None:
            raise _Unknown(t.__name__)
        values = []
        for f in cls._fields:
            v = getattr(node, f, None)
            if type(v) is list:
                v = [_convert(x) for x in v]
            elif isinstance(v, ast.AST):
                v = _convert(v)
            values.append(v)
        new = cls(*values)
    for a in _LOCATION:
        v = getattr(node, a, None)
        if v is not None:
            setattr(new, a, v)
    return new


def expression_to_gast(node):
    """The gast form of the ``ast`` expression ``node``, or None when it
    holds a node type this converter leaves to gast."""
    try:
        return _convert(node)
    except _Unknown:
        return None
