"""Dicts and container constructors for the AST → SSA builder (pytrees).

Example::

    d = {"a": x, "b": 2.0 * y}     ->   t1 = mul 2.0 y
                                        d = make_dict 'a' x 'b' t1
    for k, v in d.items(): ...     ->   t2 = dict_items d   (a list of pairs)

``dict(a=x)`` is a dict literal; ``list(x)``, ``tuple(x)``, ``dict(x)``,
``d.get(k, default)``, ``d.keys()``, ``d.values()`` and ``d.items()`` are
primitives of ``rules/containers.py`` whose results are lists (indexable,
so loops over them are ordinary counted loops).
"""
from __future__ import annotations

import gast

from ..rules import containers
from ..rules.registry import props
from . import ops
from .nodes import Const, Var

__all__ = ["ContainerBuilder"]

_CONSTRUCTORS = {list: containers.to_list, tuple: containers.to_tuple, dict: containers.to_dict}
_METHODS = {"keys": containers.dict_keys, "values": containers.dict_values,
            "items": containers.dict_items}


def _never_a_dict(fn):
    """Whether a call of ``fn`` never returns a dict (the table's
    ``never_dict``): the list and tuple makers, NumPy functions and ufuncs
    (arrays), arithmetic operators (``d1 | d2`` and ``c[k]`` may be dicts)."""
    return fn is not None and props(fn).never_dict


class ContainerBuilder:
    """Mixin of ``_FunctionBuilder``: dict literals and container calls."""

    def _dict_made(self, v):
        self.b.dicts.add(v)
        return v

    def iteration_sequence(self, seq, at):
        """What ``for x in seq`` indexes: the keys of a dict made in ``f``
        (Python iterates a dict's keys); a value made by a list, tuple or
        array operation as it is; anything else (a parameter, an item of a
        pytree argument, a value merged at a join) through
        ``iteration_keys``, which decides at run time (a dict's keys, the
        value itself otherwise).  ``transforms.iteration`` drops it for
        parameters called with arrays or numbers."""
        if seq in self.b.dicts:
            return self.emit(containers.dict_keys, (seq,), at, hint="keys")
        if isinstance(seq, Const) or _never_a_dict(self._producer(seq)):
            return seq
        out = self.emit(containers.iteration_keys, (seq,), at, hint=getattr(seq, "name", None))
        if isinstance(seq, Var) and seq not in self.al.containers:
            self.al.link[out] = (seq, None)   # the same object (an array's rows are its views)
        return out

    def _producer(self, v):
        """The function whose call defined ``v`` in the graph built so far
        (None for a parameter)."""
        for blk in self.b.blocks:
            for ins in blk.instrs:
                if ins.out == v:
                    return ins.fn
        return None

    def dict_literal(self, node, hint):
        parts = []
        for k, v in zip(node.keys, node.values):
            if k is None:
                self.error(node, "'**' unpacking in a dict literal is not supported")
            parts += [self.expr(k), self.expr(v)]
        return self._dict_made(self.emit(ops.make_dict, parts, node, hint=hint))

    def constructor_call(self, obj, node, hint):
        """``dict(...)``, ``list(x)``, ``tuple(x)``; None for other callees."""
        if obj not in _CONSTRUCTORS:
            return None
        if any(k.arg is None for k in node.keywords):
            self.error(node, "'**kwargs' in calls is not supported")
        if obj is dict and not node.args:
            parts = []
            for k in node.keywords:
                parts += [Const(k.arg), self.expr(k.value)]
            return self._dict_made(self.emit(ops.make_dict, parts, node, hint=hint))
        if node.keywords or len(node.args) > 1:
            self.error(node, f"{obj.__name__}() with these arguments is not supported: "
                             f"{obj.__name__}(iterable)" + (" or dict(key=value, ...)"
                                                             if obj is dict else ""))
        if not node.args:
            return self.emit(ops.make_list if obj is list else ops.make_tuple, (), node, hint=hint)
        out = self.emit(_CONSTRUCTORS[obj], (self.expr(node.args[0]),), node, hint=hint)
        return self._dict_made(out) if obj is dict else out

    def container_method(self, func, node, hint):
        """``d.get(k, default)``, ``d.keys()``, ``d.values()``, ``d.items()``;
        None for other methods."""
        if not isinstance(func, gast.Attribute) or node.keywords:
            return None
        if func.attr in _METHODS and not node.args:
            return self.emit(_METHODS[func.attr], (self.expr(func.value),), node, hint=hint)
        if func.attr == "get" and 1 <= len(node.args) <= 2:
            args = (self.expr(func.value),) + tuple(self.expr(a) for a in node.args)
            return self.emit(containers.dict_get, args, node, hint=hint)
        return None
