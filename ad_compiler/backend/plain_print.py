"""Printing the plain statements of generated code without astor.

Example: the gast statement ``Assign([Name("t1")], BinOp(Name("x"), MatMult(),
Name("W1")))`` prints as ``t1 = x @ W1``, exactly as astor prints it.

Almost every line the emitter makes is one of a few shapes: ``name = f(a,
b, k=c)``, ``name = a op b``, ``name = -a``, ``name = a < b``, ``name = a``, ``a, b = t``, ``return a, b``
or a call statement, whose operands are names, attributes, numbers and
subscripts by a name or a number (and lists of them: ``[None] * n``); and
the header lines ``if a:``, ``while a < b:``, ``for i in range(n, -1, -1):``.  Converting each to ``ast`` and running
astor's generic visitor over it was the largest share of emitting a
gradient; those shapes print here in a few string operations.  Anything
else (nested expressions, strings, negative or special numbers, unary
operators, long lines that astor would wrap) gives None and is printed by
astor, so the text is always astor's.  ``tests/compiler/test_plain_print.py``
checks both printers agree on every statement of the compiler corpus.
"""
from __future__ import annotations

import math

import gast

__all__ = ["plain_statement", "INDENT", "MAX_LINE"]

_BINOPS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.MatMult: "@",
           gast.Pow: "**", gast.FloorDiv: "//", gast.Mod: "%"}
MAX_LINE = 70                 # astor wraps lines near 79 columns: leave those to it
INDENT = "    "           # one level, as the source printer asks astor to indent


def _atom(e):
    """An operand that needs no parentheses anywhere, or None."""
    t = type(e)
    if t is gast.Name:
        return e.id
    if t is gast.Constant:
        v = e.value
        if v is None or v is True or v is False:
            return repr(v)
        if type(v) is int and v >= 0:
            return repr(v)
        if type(v) is float and math.isfinite(v) and math.copysign(1.0, v) > 0:
            return repr(v)
        return None
    if t is gast.Attribute:
        base = _atom(e.value) if type(e.value) in (gast.Name, gast.Attribute) else None
        return None if base is None else f"{base}.{e.attr}"
    if t is gast.Subscript:
        base = e.value.id if type(e.value) is gast.Name else None
        index = _atom(e.slice) if type(e.slice) in (gast.Name, gast.Constant) else None
        return None if base is None or index is None else f"{base}[{index}]"
    return None


def _arg(e):
    """A call argument: an atom, or a negative number (``range(r, -1, -1)``:
    astor needs no parentheses there)."""
    s = _atom(e)
    if s is None and type(e) is gast.Constant and type(e.value) in (int, float):
        v = e.value
        if v < 0 and math.isfinite(v):
            return repr(v)
    if (s is None and type(e) is gast.UnaryOp and type(e.op) is gast.USub
            and type(e.operand) is gast.Constant and type(e.operand.value) in (int, float)):
        operand = _atom(e.operand)
        return None if operand is None else "-" + operand
    return s


def _list(e):
    """``[a, b]`` of atoms (``[]`` too), or None."""
    if type(e) is not gast.List:
        return None
    parts = [_atom(x) for x in e.elts]
    return None if None in parts else "[" + ", ".join(parts) + "]"


def _call(e):
    func = _atom(e.func) if type(e.func) in (gast.Name, gast.Attribute) else None
    if func is None:
        return None
    parts = []
    for a in e.args:
        s = _arg(a)
        if s is None:
            return None
        parts.append(s)
    for k in e.keywords:
        s = _arg(k.value) if k.arg is not None else None
        if s is None:
            return None
        parts.append(f"{k.arg}={s}")
    return f"{func}({', '.join(parts)})"


_UNARY = {gast.USub: "-", gast.UAdd: "+", gast.Invert: "~", gast.Not: "not "}
_CMP = {gast.Gt: ">", gast.Lt: "<", gast.GtE: ">=", gast.LtE: "<=", gast.Eq: "==",
            gast.NotEq: "!=", gast.Is: "is", gast.IsNot: "is not", gast.In: "in",
            gast.NotIn: "not in"}


def _value(e):
    """A right-hand side: an atom, a call of atoms, ``atom op atom``, ``-name``,
    ``atom < atom``."""
    t = type(e)
    if t is gast.Call:
        return _call(e)
    if t is gast.UnaryOp:
        op = _UNARY.get(type(e.op))
        if op is None or type(e.operand) not in (gast.Name, gast.Attribute, gast.Subscript):
            return None
        operand = _atom(e.operand)
        return None if operand is None else op + operand
    if t is gast.Compare:
        if len(e.ops) != 1:
            return None
        op = _CMP.get(type(e.ops[0]))
        left, right = _atom(e.left), _atom(e.comparators[0])
        if op is None or left is None or right is None:
            return None
        return f"{left} {op} {right}"
    if t is gast.List:
        return _list(e)
    if t is gast.BinOp:
        op = _BINOPS.get(type(e.op))
        left, right = _atom(e.left) or _list(e.left), _atom(e.right) or _list(e.right)
        if op is None or left is None or right is None:
            return None
        return f"{left} {op} {right}"
    return _atom(e)


def _items(e):
    """``a, b`` for a tuple of two or more atoms (astor prints a top-level
    tuple without parentheses), else the value."""
    if type(e) is gast.Tuple:
        if len(e.elts) < 2:
            return None
        parts = [_atom(x) for x in e.elts]
        return None if None in parts else ", ".join(parts)
    return _value(e)


def _target(e):
    if type(e) is gast.Name:
        return e.id
    if type(e) is gast.Tuple and len(e.elts) >= 2 and all(type(x) is gast.Name for x in e.elts):
        return ", ".join(x.id for x in e.elts)
    if type(e) is gast.Subscript:
        return _atom(e)
    return None


def plain_statement(node, indent):
    """The statement's line (with its newline) as astor prints it, or None
    where astor must print it."""
    t = type(node)
    if t is gast.Assign:
        if len(node.targets) != 1 or getattr(node, "type_comment", None):
            return None
        target, value = _target(node.targets[0]), _items(node.value)
        text = None if target is None or value is None else f"{target} = {value}"
    elif t is gast.Return:
        if node.value is None:
            text = "return"
        else:
            value = _items(node.value)
            text = None if value is None else f"return {value}"
    elif t is gast.Expr and type(node.value) is gast.Call:
        text = _call(node.value)
    elif t in (gast.If, gast.While, gast.For) and _bare(node):
        return _bare_header(node, indent)
    else:
        return None
    if text is None or len(indent) + len(text) > MAX_LINE:
        return None
    return indent + text + "\n"


def _bare(node):
    """A compound statement with the body ``pass`` and no ``else``: what the
    source printer prints to get a header line (source_printer._header)."""
    return (len(node.body) == 1 and type(node.body[0]) is gast.Pass and not node.orelse
            and not getattr(node, "type_comment", None))


def _bare_header(node, indent):
    if type(node) is gast.For:
        target, it = _target(node.target), _value(node.iter)
        text = None if target is None or it is None else f"for {target} in {it}:"
    else:
        test = _value(node.test)
        keyword = "if" if type(node) is gast.If else "while"
        text = None if test is None else f"{keyword} {test}:"
    if text is None or len(indent) + len(text) > MAX_LINE:
        return None
    return indent + text + "\n" + INDENT + "pass\n"      # astor indents the body once
