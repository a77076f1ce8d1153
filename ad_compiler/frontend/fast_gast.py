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

``function_to_gast`` does the same for the function a user differentiates:
its statements too, where their fields are gast's (``tests/compiler/
test_source_lines.py`` compares it with gast on the corpus and the fuzz
programs).
"""
from __future__ import annotations

import ast

import gast

__all__ = ["expression_to_gast", "function_to_gast"]

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
# the statements (and their parts) of a function body: converted as the expressions
# are where the running Python's ast node has gast's fields; a function, lambda or
# handler (whose parameters and names gast makes into Name nodes) is left to gast
_STATEMENTS = {}
for _name in ("Assign", "AugAssign", "AnnAssign", "For", "While", "If", "Return", "Expr",
              "Break", "Continue", "Pass", "Raise", "Assert", "Delete", "Global", "Nonlocal",
              "With", "withitem", "ListComp", "SetComp", "DictComp", "GeneratorExp",
              "comprehension", "Dict", "Set", "JoinedStr", "FormattedValue", "NamedExpr"):
    _a, _g = getattr(ast, _name, None), getattr(gast, _name, None)
    if _a is not None and _g is not None and _a._fields == _g._fields:
        _STATEMENTS[_a] = _g


class _Unknown(Exception):
    pass


def _convert(node, table=_SAME_FIELDS, keep=False):
    """The gast node of ``node``; ``keep``: with its child nodes kept on it,
    as ``ast_walk.children`` would find them (a function body is walked
    next; a rule's tree is pickled, so it keeps nothing)."""
    t = type(node)
    if t is ast.Name:
        ctx = _convert(node.ctx)
        new = gast.Name(node.id, ctx, None, None)
        kids = (ctx,)
    else:
        cls = table.get(t)
        if cls is None:
            raise _Unknown(t.__name__)
        values, kids = [], []
        for f in cls._fields:
            v = getattr(node, f, None)
            if type(v) is list:
                v = [_convert(x, table, keep) if isinstance(x, ast.AST) else x for x in v]
                kids.extend(x for x in v if isinstance(x, gast.AST))
            elif isinstance(v, ast.AST):
                v = _convert(v, table, keep)
                kids.append(v)
            values.append(v)
        new = cls(*values)
    for a in _LOCATION:
        v = getattr(node, a, None)
        if v is not None:
            setattr(new, a, v)
    if keep:
        new._adc_children = tuple(kids)
    return new


def expression_to_gast(node):
    """The gast form of the ``ast`` expression ``node``, or None when it
    holds a node type this converter leaves to gast."""
    try:
        return _convert(node)
    except _Unknown:
        return None


_BODY = {**_SAME_FIELDS, **_STATEMENTS}


def function_to_gast(fdef):
    """The gast ``FunctionDef`` of the ``ast`` one ``fdef``, without its
    decorators (the caller drops them), or None when it holds a node type
    left to gast (a nested function, a lambda, ``try``...).  The signature
    goes through gast, the body through the converter here."""
    if not isinstance(fdef, ast.FunctionDef) or getattr(fdef, "type_params", None):
        return None
    try:
        body = [_convert(s, _BODY, keep=True) for s in fdef.body]
    except _Unknown:
        return None
    shell = ast.FunctionDef(name=fdef.name, args=fdef.args, body=[], decorator_list=[],
                            returns=fdef.returns, type_comment=fdef.type_comment,
                            **({"type_params": []} if hasattr(fdef, "type_params") else {}))
    ast.copy_location(shell, fdef)
    node = gast.ast_to_gast(shell)
    node.body = body
    return node
