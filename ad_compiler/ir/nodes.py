"""Typed, frozen IR nodes: an SSA graph of basic blocks with block arguments.

Example: ``def f(x): y = x * x; return np.sin(y)`` becomes

    bb0(x):
      y = mul x x                      # line 2
      t1 = np.sin y                    # line 3
      return t1

Every value (``Var``) is defined once: as a block parameter or as the
``out`` of one ``Call``.  Control flow is carried by terminators (``Jump``,
``Branch``, ``Return``) and, so that a structured Python function can be
emitted again, by a region tree (``Seq``/``IfRegion``/``LoopRegion``) that
names the blocks in program order.  ``str(graph)`` prints the text above
(the printer is at the end of this module).
"""
from __future__ import annotations

import math
import types
import weakref
from dataclasses import dataclass
from typing import Union

import numpy as np

from ..rules.registry import primal_name

__all__ = ["Loc", "Var", "Const", "Operand", "Call", "Jump", "Branch", "Return", "Block",
           "Seq", "IfRegion", "LoopRegion", "Graph", "Attr", "Method", "region_labels",
           "loop_headers", "block_label", "label_number", "next_label_number",
           "format_graph", "format_operand", "format_term", "callee_name"]


@dataclass(frozen=True)
class Loc:
    """Where an instruction came from: file, line and the line's text."""
    filename: str
    lineno: int
    source: str = ""

    def __str__(self):
        return f"{self.filename}:{self.lineno}"


class Var:
    """An SSA value, named after the source variable it came from.

    Interned: ``Var("y_3") is Var("y_3")``, so equality and hashing are the
    object's own (identity, in C).  Hashing and comparing values is the
    hottest operation of a compilation, and a Python-level ``__hash__`` /
    ``__eq__`` was a tenth of a cold compile.  Equal names are the same
    value, as they were when Vars compared by name.
    """
    __slots__ = ("name", "__weakref__")
    _interned: "weakref.WeakValueDictionary[str, Var]" = weakref.WeakValueDictionary()

    def __new__(cls, name: str):
        v = cls._interned.get(name)
        if v is None:
            v = object.__new__(cls)
            object.__setattr__(v, "name", name)
            cls._interned[name] = v
        return v

    def __setattr__(self, key, value):
        raise AttributeError(f"Var is immutable (tried to set {key!r})")

    def __delattr__(self, key):
        raise AttributeError(f"Var is immutable (tried to delete {key!r})")

    def __reduce__(self):            # copies and pickles go through the intern table
        return (Var, (self.name,))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        return f"Var(name={self.name!r})"

    def __str__(self):
        return self.name


@dataclass(frozen=True, eq=False)
class Const:
    """A compile-time constant (numbers, strings, None, slices, tuples of
    constants, modules, callables).  Compared by value where hashable."""
    value: object

    def key(self):
        return _value_key(self.value)

    def __eq__(self, other):
        return isinstance(other, Const) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())


def _value_key(v):
    """What makes two constants the same, alike on every Python version:
    slices (hashable only from 3.12) and tuples by their parts, ``-0.0``
    apart from ``0.0``, other hashable values by type and value, anything
    else by identity."""
    if isinstance(v, slice):
        return (slice, _value_key(v.start), _value_key(v.stop), _value_key(v.step))
    if type(v) is tuple:
        return (tuple,) + tuple(_value_key(x) for x in v)
    if type(v) is float:
        return (float, v, math.copysign(1.0, v))
    try:
        hash(v)
        return (type(v), v)
    except TypeError:
        return (type(v), id(v))


Operand = Union[Var, Const]


@dataclass(frozen=True)
class Attr:
    """Callee for reading an attribute: ``x.shape`` is ``Call(Attr("shape"), (x,))``."""
    name: str

    def __str__(self):
        return f"getattr.{self.name}"


@dataclass(frozen=True)
class Method:
    """Callee for a method the rule table does not know by object
    (``lst.append(v)``): emitted as ``x.name(...)``."""
    name: str

    def __str__(self):
        return f"method.{self.name}"


@dataclass(frozen=True)
class Call:
    """``out = fn(*args, **dict(kwargs))``; fn is the resolved Python object.
    ``out`` is None for calls kept only for their effect (stack pushes)."""
    out: Var | None
    fn: object
    args: tuple = ()
    kwargs: tuple = ()          # ((name, operand), ...)
    loc: Loc | None = None

    def operands(self):
        if not self.kwargs:                  # most calls: no tuple to build
            return self.args
        return self.args + tuple(v for _, v in self.kwargs)


@dataclass(frozen=True)
class Jump:
    target: str
    args: tuple = ()

    def operands(self):
        return self.args


@dataclass(frozen=True)
class Branch:
    cond: Operand
    then_target: str
    else_target: str
    else_args: tuple = ()       # the loop exit edge of a loop header carries values

    def operands(self):
        return (self.cond,) + self.else_args


@dataclass(frozen=True)
class Return:
    value: Operand

    def operands(self):
        return (self.value,)


@dataclass(frozen=True)
class Block:
    label: str
    params: tuple = ()           # tuple[Var]: the block arguments (phi nodes)
    instrs: tuple = ()           # tuple[Call]
    term: object = None          # Jump | Branch | Return


def block_label(n):
    """The label of the ``n``-th block a builder makes: ``bb3``."""
    return f"bb{n}"


def label_number(label):
    """``n`` for the label ``block_label(n)``."""
    if not (label.startswith("bb") and label[2:].isdigit()):
        raise ValueError(f"not a block label: {label!r}")
    return int(label[2:])


def next_label_number(labels):
    """The number of the first label after all of ``labels``."""
    return 1 + max((label_number(lb) for lb in labels), default=-1)


# -- structure: the order in which blocks are emitted as Python ------------------
@dataclass(frozen=True)
class Seq:
    """Blocks and regions run one after another."""
    items: tuple = ()            # str (block label) | IfRegion | LoopRegion


@dataclass(frozen=True)
class IfRegion:
    """Follows the block whose ``Branch`` chooses between the two arms; each
    arm's last block jumps to ``join``."""
    head: str
    then: Seq
    orelse: Seq
    join: str


@dataclass(frozen=True)
class LoopRegion:
    """``header`` (the block with the loop-carried parameters) starts
    ``test``, whose last block ``Branch``es to the body's first block, else
    to ``exit`` with the loop results; the body's last block jumps back to
    ``header``."""
    header: str
    test: Seq
    body: Seq
    exit: str


def region_labels(seq):
    """The block labels of a region tree, in program order."""
    out = []
    for item in seq.items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, IfRegion):
            out += region_labels(item.then) + region_labels(item.orelse)
        else:
            out += region_labels(item.test) + region_labels(item.body)
    return out


def loop_headers(seq):
    """The labels of the loop headers in a region tree."""
    out = set()
    for item in seq.items:
        if isinstance(item, LoopRegion):
            out.add(item.header)
            out |= loop_headers(item.test) | loop_headers(item.body)
        elif isinstance(item, IfRegion):
            out |= loop_headers(item.then) | loop_headers(item.orelse)
    return out


@dataclass(frozen=True)
class Graph:
    name: str
    blocks: tuple                 # tuple[Block]; blocks[0] is the entry
    structure: Seq
    arg_names: tuple = ()         # the Python parameter names, in order
    defaults: tuple = ()          # ((name, value), ...) for parameters with defaults
    filename: str = ""
    lineno: int = 0

    @property
    def entry(self):
        return self.blocks[0]

    @property
    def params(self):
        return self.blocks[0].params

    def block(self, label):
        for b in self.blocks:
            if b.label == label:
                return b
        raise KeyError(label)

    def block_map(self):
        return {b.label: b for b in self.blocks}

    def instructions(self):
        for b in self.blocks:
            yield from b.instrs

    def edges(self):
        """``(parameter, argument)`` for every value a jump passes to a block."""
        bm = self.block_map()
        for b in self.blocks:
            t = b.term
            if isinstance(t, Jump):
                yield from zip(bm[t.target].params, t.args)
            elif isinstance(t, Branch):
                yield from zip(bm[t.else_target].params, t.else_args)

    def incoming(self):
        """parameter -> the list of arguments passed to it."""
        out = {}
        for p, a in self.edges():
            out.setdefault(p, []).append(a)
        return out

    def __str__(self):
        return format_graph(self)


# -- printing: readable, deterministic SSA text ------------------------------------------------
#
#     def f(x, n):                                   # demo.py:3
#     bb0(x, n):
#       i_0 = 0
#       jump bb1(i_0, x)
#     bb1(i_1, s_1):                                 # loop header
#       t2 = lt i_1 n                                # line 5
#       br t2 ? bb2() : bb3(s_1)

def callee_name(fn) -> str:
    if isinstance(fn, (Attr, Method)):
        return str(fn)
    if isinstance(getattr(fn, "emit_name", None), str):    # a compiled function: f_grad
        return fn.emit_name
    name = primal_name(fn)
    if name.startswith("ad_compiler."):          # the compiler's own helpers: short names
        return name.rsplit(".", 1)[-1]
    return name[len("operator."):] if name.startswith("operator.") else name


def format_operand(x) -> str:
    if isinstance(x, Var):
        return x.name
    v = x.value
    if isinstance(v, types.ModuleType):
        return v.__name__
    if isinstance(v, np.ndarray):
        return f"array{v.shape}"
    if callable(v) and not isinstance(v, type):
        return callee_name(v)
    if isinstance(v, slice):
        parts = ["" if p is None else repr(p) for p in (v.start, v.stop, v.step)]
        return ":".join(parts[:2] if v.step is None else parts)
    return repr(v)


def _fmt_call(ins: Call) -> str:
    if not isinstance(ins, Call):                # (a broken graph verify() reports)
        return f"<not an instruction: {ins!r}>"
    args = [format_operand(a) for a in ins.args]
    args += [f"{k}={format_operand(v)}" for k, v in ins.kwargs]
    lhs = f"{ins.out} = " if ins.out is not None else ""
    return f"{lhs}{callee_name(ins.fn)} {' '.join(args)}".rstrip()


def format_term(t) -> str:
    if isinstance(t, Jump):
        return f"jump {t.target}({', '.join(map(format_operand, t.args))})"
    if isinstance(t, Branch):
        return (f"br {format_operand(t.cond)} ? {t.then_target}() : "
                f"{t.else_target}({', '.join(map(format_operand, t.else_args))})")
    if isinstance(t, Return):
        return f"return {format_operand(t.value)}"
    return "<no terminator>"


def format_graph(g) -> str:
    headers = loop_headers(g.structure)
    lines = [f"def {g.name}({', '.join(g.arg_names)}):".ljust(48) + f"# {g.filename}:{g.lineno}"]
    for b in g.blocks:
        head = f"{b.label}({', '.join(p.name for p in b.params)}):"
        lines.append(head.ljust(48) + "# loop header" if b.label in headers else head)
        for ins in b.instrs:
            text = "  " + _fmt_call(ins)
            if getattr(ins, "loc", None) is not None and text[2:10] != "comment ":  # (says its line)
                text = text.ljust(48) + f"# line {ins.loc.lineno}"
            lines.append(text.rstrip())
        lines.append("  " + format_term(b.term))
    return "\n".join(lines)
