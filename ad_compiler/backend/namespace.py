"""Unique, meaningful names for the objects generated code refers to.

Example: binding numpy gives ``np``; binding ``unbroadcast`` gives
``unbroadcast``; binding a second, different object whose natural name is
taken gives ``unbroadcast_1``.  The same object always gets the same name,
and names never collide with the function's own variables.
"""
from __future__ import annotations

import math
import types

import numpy as np

__all__ = ["Namespace"]

_MODULE_ALIASES = {"numpy": "np", "math": "math", "operator": "operator"}


class Namespace:
    def __init__(self, reserved=()):
        self.reserved = set(reserved)
        self.globals = {}            # name -> object
        self._ids = {}               # id(obj) -> name

    def _natural(self, obj):
        if isinstance(obj, types.ModuleType):
            return _MODULE_ALIASES.get(obj.__name__, obj.__name__.split(".")[-1])
        name = getattr(obj, "emit_name", None)       # a compiled function: f_grad
        if not isinstance(name, str):
            name = getattr(obj, "__name__", None)
        if isinstance(name, str) and name.isidentifier() and not name.startswith("<"):
            return name
        return "c"

    def bind(self, obj, hint=None):
        """The global name under which generated code sees ``obj``."""
        key = id(obj)
        if key in self._ids:
            return self._ids[key]
        base = hint or self._natural(obj)
        name, k = base, 0
        while name in self.reserved or name in self.globals:
            k += 1
            name = f"{base}_{k}"
        self.globals[name] = obj
        self._ids[key] = name
        return name

    def path_of(self, obj):
        """A dotted path through a well-known module (``np.linalg.inv``,
        ``math.sin``) for a function that lives there, else None."""
        for mod, prefix in ((np, None), (np.linalg, "linalg"), (math, None)):
            name = getattr(obj, "__name__", None)
            if isinstance(name, str) and getattr(mod, name, None) is obj:
                root = self.bind(np if mod is not math else math)
                return [root] + ([prefix] if prefix else []) + [name]
        return None
