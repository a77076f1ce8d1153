"""The plain instructions of a graph emitted straight as text.

Example: ``t5 = mul x_bar_3 2.0`` becomes the line ``Line(["", t5, " = ", x_bar_3,
" * 2.0"])``, whose ``Var`` parts are replaced by the values' names once
emission has named them (``naming``): ``t1 = x_bar * 2.0``.

Almost every instruction is one of a few shapes (a call, ``a op b``, ``-a``,
``a < b``, ``a[i]``, ``a.shape``, a tuple or list display, a stack push or
pop, an edge's assignment, a return) whose operands are names and plain
numbers.  Building gast nodes for them, only for the printer to turn them
back into text, was most of the emitter's time.  Each shape made here is
exactly what ``plain_print`` prints for the gast statement the emitter would
build (``tests/compiler/test_plain_emit.py`` compares the two paths on
every corpus gradient), and a line longer than astor keeps on one line is
printed by astor from its parsed text (``source_printer``).  Anything else
gives None, and the emitter builds gast nodes for it as before.
"""
from __future__ import annotations

import math
import operator
import types

import numpy as np

from ..ir import ops
from ..ir.nodes import Attr, Method, Var
from .call_defaults import without_defaults

__all__ = ["Line", "plain_instruction", "plain_assign", "plain_return"]

# what an operand's text can stand in for (plain_print's atoms)
NAME, DOTTED, LITERAL, NEGATIVE = 1, 2, 3, 4    # x / np.linalg.inv / 2.0, None / -1 (a call argument)
_ATOMS = (NAME, DOTTED, LITERAL)

_BIN = {operator.add: " + ", operator.sub: " - ", operator.mul: " * ", operator.truediv: " / ",
        operator.pow: " ** ", operator.matmul: " @ ", operator.floordiv: " // ",
        operator.mod: " % "}
_UN = {operator.neg: "-", operator.pos: "+", operator.not_: "not ", operator.invert: "~"}
_CMP = {operator.lt: " < ", operator.le: " <= ", operator.gt: " > ", operator.ge: " >= ",
        operator.eq: " == ", operator.ne: " != ", operator.is_: " is ", operator.is_not: " is not "}
_INF = float("inf")


class Line:
    """A simple statement as text parts: strings, and ``Var``s that stand
    for the values' names (``text`` once ``name`` has been called)."""
    __slots__ = ("parts", "text")

    def __init__(self, parts):
        self.parts = parts
        self.text = None

    def name(self, names):
        self.text = "".join(p if type(p) is str else names[p] for p in self.parts)


class _Refused(Exception):
    """An operand or shape this module leaves to the gast path."""


def _operand(em, x, kinds=_ATOMS):
    """``(part, kind)`` of an IR operand, printed as the emitter's
    ``operand`` would print it; _Refused where that is not one of ``kinds``."""
    if type(x) is Var:
        em.refs.append((None, x))
        return x, NAME
    part, kind = _constant(em, x.value)
    if kind not in kinds:
        raise _Refused
    return part, kind


def _constant(em, v):
    """The text of the constant ``v`` as ``_Emitter.constant`` prints it
    (binding the same names in the same order), and its kind; (None, None)
    for the shapes plain_print leaves to astor."""
    if v is ops.UNSET or v is None:
        return "None", LITERAL
    if v is True or v is False:
        return repr(v), LITERAL
    t = type(v)
    if t is int or t is float:
        if v != v or v == _INF or v == -_INF:
            return em.ns.bind(v, "inf" if v == v else "nan"), NAME
        if v >= 0:
            if t is float and math.copysign(1.0, v) < 0:        # -0.0
                return None, None
            return repr(v), LITERAL
        return "-" + repr(-v), NEGATIVE
    if isinstance(v, (str, slice, tuple, bool)) or v is Ellipsis:
        return None, None
    if isinstance(v, types.ModuleType):
        return em.ns.bind(v), NAME
    path = em.ns.path_of(v) if callable(v) else None
    if path:
        return ".".join(path), NAME if len(path) == 1 else DOTTED
    if isinstance(v, (np.dtype, type)) and getattr(np, getattr(v, "__name__", ""), None) is v:
        return em.ns.bind(np) + "." + v.__name__, DOTTED
    return em.ns.bind(v), NAME


def _join(parts, items, sep=", "):
    for k, item in enumerate(items):
        if k:
            parts.append(sep)
        parts.append(item)


def _call_parts(head, args, kw):
    """``head(a, b, k=c)``: ``head`` a list of parts."""
    parts = head + ["("]
    _join(parts, args)
    for k, (name, value) in enumerate(kw):
        parts.append(", " if args or k else "")
        parts.append(name + "=")
        parts.append(value)
    parts.append(")")
    return parts


def _value(em, ins):
    """``(parts, is_call)`` of the right-hand side of ``ins``; _Refused."""
    fn, args, kw = ins.fn, ins.args, ins.kwargs
    if type(fn) is types.FunctionType:
        args, kw = without_defaults(fn, args, kw)
    if fn in _BIN and len(args) == 2 and not kw:
        (a, _), (b, _) = _operand(em, args[0]), _operand(em, args[1])
        return [a, _BIN[fn], b], False
    if fn in _UN and len(args) == 1 and not kw:
        a, _ = _operand(em, args[0], (NAME, DOTTED))
        return [_UN[fn], a], False
    if fn in _CMP and len(args) == 2 and not kw:
        (a, _), (b, _) = _operand(em, args[0]), _operand(em, args[1])
        return [a, _CMP[fn], b], False
    if fn is operator.contains and len(args) == 2 and not kw:
        (a, _), (b, _) = _operand(em, args[0]), _operand(em, args[1])
        return [b, " in ", a], False
    if (fn is operator.getitem or fn is ops.tape_load) and len(args) == 2 and not kw:
        (a, _), (i, _) = _operand(em, args[0], (NAME,)), _operand(em, args[1], (NAME, LITERAL))
        return [a, "[", i, "]"], False
    if fn is ops.make_list and not kw:
        parts = ["["]
        _join(parts, [_operand(em, a)[0] for a in args])
        return parts + ["]"], False
    if fn is ops.new_stack and not args and not kw:
        return ["[]"], False
    if fn is ops.new_tape and len(args) == 1 and not kw:
        return ["[None] * ", _operand(em, args[0])[0]], False
    if fn is ops.push and len(args) == 2 and not kw:
        (s, _), (v, _) = _operand(em, args[0], (NAME, DOTTED)), \
            _operand(em, args[1], _ATOMS + (NEGATIVE,))
        return [s, ".append(", v, ")"], True
    if fn is ops.pop and len(args) == 1 and not kw:
        return [_operand(em, args[0], (NAME, DOTTED))[0], ".pop()"], True
    if fn in _SYNTAX or (fn in _BITWISE and len(args) == 2 and not kw):
        raise _Refused
    if isinstance(fn, Attr):
        if len(args) != 1 or kw:
            raise _Refused
        return [_operand(em, args[0], (NAME, DOTTED))[0], "." + fn.name], False
    if isinstance(fn, Method) or (type(fn).__name__ == "method_descriptor"
                                  and getattr(fn, "__objclass__", None) is np.ndarray):
        if not args:
            raise _Refused
        base = _operand(em, args[0], (NAME, DOTTED))[0]
        rest = [_operand(em, a, _ATOMS + (NEGATIVE,))[0] for a in args[1:]]
        kws = [(k, _operand(em, v, _ATOMS + (NEGATIVE,))[0]) for k, v in kw]
        name = fn.name if isinstance(fn, Method) else fn.__name__
        return _call_parts([base, "." + name], rest, kws), True
    rest = [_operand(em, a, _ATOMS + (NEGATIVE,))[0] for a in args]
    kws = [(k, _operand(em, v, _ATOMS + (NEGATIVE,))[0]) for k, v in kw]
    func, kind = _constant(em, fn)
    if kind not in (NAME, DOTTED):
        raise _Refused
    return _call_parts([func], rest, kws), True


# ops printed as syntax that this module does not make (the gast path does)
_SYNTAX = frozenset({ops.comment, ops.escape, ops.setitem, ops.raise_, ops.require,
                     ops.list_append, ops.make_tuple, ops.make_dict, ops.make_slice,
                     ops.format_string, ops.tape_store})


# binary operators the emitter prints as syntax and plain_print leaves to astor
_BITWISE = frozenset({operator.and_, operator.or_, operator.xor, operator.lshift,
                      operator.rshift})


def _tuple_items(em, args):
    """``a, b`` (two or more atoms, as astor prints a top-level tuple)."""
    if len(args) < 2:
        raise _Refused
    parts = []
    _join(parts, [_operand(em, a)[0] for a in args])
    return parts


def plain_instruction(em, ins):
    """A list of ``Line``s for ``ins``, or None (the gast path prints it)."""
    mark = len(em.refs)
    try:
        if ins.fn is ops.tape_store:                           # tape[k] = v
            t, k, v = ins.args
            (t, _), (k, _), (v, _) = (_operand(em, t, (NAME,)), _operand(em, k, (NAME, LITERAL)),
                                      _operand(em, v))
            return [Line([t, "[", k, "] = ", v])]
        if ins.fn is ops.list_append:                          # lst.append(v); out = lst
            lst, v = ins.args
            (a, _), (b, _) = _operand(em, lst, (NAME, DOTTED)), _operand(em, v, _ATOMS + (NEGATIVE,))
            (c, _) = _operand(em, lst)
            return [Line([a, ".append(", b, ")"]), Line([_target(em, ins.out, coalesce=False), " = ", c])]
        if ins.fn is ops.make_tuple and not ins.kwargs and ins.out is not None:
            value = _tuple_items(em, ins.args)
            return [Line([_target(em, ins.out)] + [" = "] + value)]
        value, is_call = _value(em, ins)
        if ins.out is None:
            if not is_call:
                raise _Refused
            return [Line(value)]
        return [Line([_target(em, ins.out), " = "] + value)]
    except _Refused:
        del em.refs[mark:]
        return None


def _target(em, var, coalesce=True):
    """The assigned name (an ``if`` arm's value assigns its join's parameter)."""
    v = em.coalesce.get(var, var) if coalesce else var
    em.refs.append((None, v))
    return v


def plain_assign(em, pairs):
    """The edge assignment ``p = a`` or ``p1, p2 = a1, a2``, or None."""
    mark = len(em.refs)
    try:
        values = [_operand(em, a)[0] for _, a in pairs]
    except _Refused:
        del em.refs[mark:]
        return None
    targets = []
    for p, _ in pairs:
        em.refs.append((None, p))
        targets.append(p)
    parts = []
    _join(parts, targets)
    parts.append(" = ")
    _join(parts, values)
    return Line(parts)


def plain_return(em, value):
    """``return a``, or None."""
    mark = len(em.refs)
    try:
        return Line(["return ", _operand(em, value)[0]])
    except _Refused:
        del em.refs[mark:]
        return None
