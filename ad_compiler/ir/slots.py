"""Typed keys of the AST builder's environment besides the program's names.

``ir.build`` keeps one environment, key -> SSA operand: a local of the
source is keyed by its name (a ``str``); everything else the builder
threads through joins and loops has a key of its own type here, so no
code decodes a key from its spelling.  Example: building

    for i in range(n):          # LoopCounter(<the For node>) carries the counter
        if i > 2:
            break               # LoopExit("break", <the For node>) := True
        s = s + i               # "s": a local; Bound("s") is its definedness flag
    return s                    # Flow.RETURN holds the returned value

A key that is not a ``str`` names no variable of the program, except a
``Synthetic`` one: a variable the builder writes into AST of its own (the
list a comprehension appends to), which behaves like a local name.
``hint`` is the base of the SSA names the key's values get at joins.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = ["Flow", "Bound", "Obj", "Iter", "LoopCounter", "LoopExit", "Scratch", "Synthetic",
           "AdjointCounter", "LoopFlags", "hint_of_key", "is_name", "holds_object", "shown"]


class Flow(enum.Enum):
    """The function's own control state: the value a ``return`` set, and
    whether a ``return`` or a ``raise`` has happened on the current path."""
    RETURN = "return"
    RETURNED = "returned"
    RAISED = "raised"

    @property
    def hint(self):
        return "out" if self is Flow.RETURN else "flag"

    def __repr__(self):
        return f"Flow.{self.name}"


@dataclass(frozen=True)
class Bound:
    """Whether the local ``name`` has a value on the current path (see ir.bound)."""
    name: object             # str, or a Synthetic
    hint = "flag"


@dataclass(frozen=True)
class Obj:
    """The current version of the array the parameter ``name`` was called
    with (written back to the caller's array at the end, ir.build)."""
    name: str

    @property
    def hint(self):
        return self.name

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class Iter:
    """The object a ``for`` loop iterates over (an in-place update in the
    body changes the items of later trips); ``node`` is the iterable's id."""
    node: int
    hint = "items"

    def __str__(self):
        return "the array iterated over"


@dataclass(frozen=True)
class LoopCounter:
    """The trip counter of a ``for`` loop (``node``: the loop statement's id)."""
    node: int
    hint = "i"


@dataclass(frozen=True)
class LoopExit:
    """The flag set by ``break`` or ``continue`` (``kind``) in one loop."""
    kind: str                # "break" | "continue"
    node: int
    hint = "flag"


@dataclass(frozen=True)
class Scratch:
    """A value an expression builds in branches (``a and b``, ``a if c
    else b``, a guarded loop test), read back after the join."""
    kind: str                # "bool" | "ifexp" | "test"
    node: int
    hint = "t"


@dataclass(frozen=True)
class Synthetic:
    """A variable of AST the builder writes itself: the list a
    comprehension appends to (``[e for x in xs]`` is built as a loop) and
    the items ``map`` calls its function with.  It acts as a local name;
    ``hint`` (not part of its identity) names its SSA values."""
    kind: str                # "listcomp" | "map"
    node: int
    index: int = 0
    hint: str = field(default="items", compare=False)

    def __str__(self):
        return self.hint


@dataclass(frozen=True)
class AdjointCounter:
    """The reverse pass's key (its environment is keyed by primal Vars)
    for the trip index of the adjoint of the loop at ``header``."""
    header: str
    hint = "r"


@dataclass(frozen=True)
class LoopFlags:
    """The ``break``/``continue`` flags of one loop being built (None where
    the loop has no such statement), and the keys the loop carries."""
    brk: LoopExit | None = None
    cont: LoopExit | None = None
    carried: frozenset = frozenset()

    def keys(self):
        return [k for k in (self.brk, self.cont) if k is not None]


def is_name(key):
    """Whether ``key`` is a variable of the program (or of the builder's own AST)."""
    return isinstance(key, (str, Synthetic))


def holds_object(key):
    """Whether ``key`` holds a program object that may share memory with
    another (ir.aliasing tracks these)."""
    return isinstance(key, (str, Synthetic, Obj, Iter))


def hint_of_key(key):
    """The base name for SSA values of ``key``."""
    return key if isinstance(key, str) else key.hint


def shown(key):
    """``key`` in an error message."""
    return key if isinstance(key, str) else str(key)
