"""Free names of a compiled function: what is read per call, what is guarded.

Example::

    LR = 0.1                        # data: read each time the gradient is called
    def f(w): return helper(w) * LR
    b = Bindings()                  # ir.build(parse(f), b) records, while building f:
    b.loads    # {LR: (Ref("global", f.__globals__, "LR"), Var("LR"))}, a parameter
    b.guards   # helper (inlined), f.__code__, f.__defaults__: the objects they were
    b.prologue()()   # per call: (LR's value,) — or None once ``helper`` is rebound:
                     # the caller (api.GradFunction) recompiles

Python reads globals and closure cells when the code runs, so the compiled
function must too.  Two kinds of free name:

* **data** (numbers, arrays, lists, dicts, objects): passed to the generated
  function as extra parameters after the user's, read from the globals dict,
  the closure cell or the module at the start of every call;
* **specialised** (modules, functions that were inlined or have a rule,
  classes, strings, None, tuples of constants): folded into the code at
  compile time, with a guard (the binding still holds the same object) that
  the caller checks on every call, recompiling when it fails.  The code
  and defaults of every inlined function are guarded too.

Values are read eagerly, at the start of the call (a name deleted since
compiling is a NameError even on a path that does not read it).  Names
inside NumPy, ``math`` and ``ad_compiler`` itself are trusted to stay put
and are neither guarded nor read per call.  ``Bindings(freeze=True)`` (device
code, which cannot take them as arguments) specialises on data too, guarded.
"""
from __future__ import annotations

import builtins
import numbers
import types

import numpy as np

__all__ = ["Bindings", "Ref", "is_data", "reads_user_globals", "trusted_module", "trusted_box", "MISSING"]

MISSING = object()
_TRUSTED = ("numpy", "math", "cmath", "operator", "builtins", "functools", "itertools",
            "ad_compiler")


def trusted_module(name):
    """A module whose attributes are taken as constants (exact package
    identity, not a prefix: ``mathhelpers`` is the user's)."""
    name = name or ""
    return any(name == p or name.startswith(p + ".") for p in _TRUSTED)


def trusted_box(box):
    """A module (or a class) of a trusted package: its attributes are
    constants."""
    if isinstance(box, types.ModuleType):
        return trusted_module(box.__name__)
    if isinstance(box, type):
        return trusted_module(getattr(box, "__module__", ""))
    return False


def _constant_atom(v):
    if v is None or v is Ellipsis or isinstance(v, (str, bytes, bool, int, float, slice)):
        return True
    return isinstance(v, tuple) and all(_constant_atom(e) for e in v)


def is_data(obj):
    """Whether a free name bound to ``obj`` is read per call (True) or
    specialised on, with a guard (False)."""
    if isinstance(obj, (np.ndarray, list, dict, set)) or \
            (isinstance(obj, (numbers.Number, np.generic)) and not isinstance(obj, np.dtype)):
        return True
    if obj is None or obj is Ellipsis or isinstance(obj, (str, bytes, slice, np.dtype)):
        return False
    if isinstance(obj, tuple):
        return not _constant_atom(obj)
    if isinstance(obj, (types.ModuleType, type)) or callable(obj):
        return False
    return True


def reads_user_globals(fn):
    """Whether a function outside the trusted packages reads a global or a
    closure cell holding data, a user module or a user function: folding its
    body into generated code would freeze those bindings (nothing guards
    them there); calling it reads them when it runs."""
    if trusted_module(getattr(fn, "__module__", "")) or not isinstance(fn, types.FunctionType):
        return False

    def user(v):
        if isinstance(v, types.ModuleType):
            return not trusted_module(v.__name__)
        if isinstance(v, types.FunctionType):
            return not trusted_module(getattr(v, "__module__", ""))
        return is_data(v)
    g = fn.__globals__
    if any(user(g[name]) for name in fn.__code__.co_names if name in g):
        return True
    for cell in fn.__closure__ or ():
        try:
            if user(cell.cell_contents):
                return True
        except ValueError:
            pass
    return False


class Ref:
    """Where a free name lives: ("global", dict, name), ("cell", cell, name),
    ("attr", object, name), or ("builtin", globals dict, name): a builtin,
    found because the function's globals do not have the name."""
    __slots__ = ("kind", "box", "name")

    def __init__(self, kind, box, name):
        self.kind, self.box, self.name = kind, box, name

    def key(self):
        return (self.kind, id(self.box), self.name)

    def read(self):
        """The value now, raising what Python raises for a missing name."""
        if self.kind in ("global", "builtin"):
            try:
                return self.box[self.name]
            except KeyError:
                v = builtins.__dict__.get(self.name, MISSING)
                if v is MISSING:
                    raise NameError(f"name '{self.name}' is not defined") from None
                return v
        if self.kind == "cell":
            try:
                return self.box.cell_contents
            except ValueError:
                raise NameError(f"cannot access free variable '{self.name}' where it is not "
                                "associated with a value in enclosing scope") from None
        return getattr(self.box, self.name)

    def source(self, box):
        """The expression the prologue reads it with."""
        if self.kind == "global":
            return f"{box}[{self.name!r}]"
        if self.kind == "cell":
            return f"{box}.cell_contents"
        return f"{box}.{self.name}"

    def current(self, box):
        """An expression for the binding now, MISSING where absent (guards)."""
        if self.kind in ("global", "builtin"):
            return f"{box}.get({self.name!r}, MISSING)"
        if self.kind == "cell":
            return f"{box}.cell_contents"
        return f"{box}.{self.name}"


class Bindings:
    """The free names one compiled graph depends on (see the module doc)."""

    def __init__(self, freeze=False):
        self.freeze = freeze          # a backend that cannot take them as arguments
        self.loads = {}               # key -> (Ref, Var)
        self.guards = {}              # key -> (Ref, object)

    # -- recorded by ir.build -------------------------------------------------------------
    def load(self, ref, make_var):
        """The hidden parameter that carries ``ref``'s value; ``make_var()``
        creates it the first time."""
        hit = self.loads.get(ref.key())
        if hit is None:
            hit = self.loads[ref.key()] = (ref, make_var())
        return hit[1]

    def guard(self, ref, obj):
        if ref.kind == "builtin":        # a builtin: the globals must not shadow it
            obj = MISSING
        if not trusted_box(ref.box):
            self.guards.setdefault(ref.key(), (ref, obj))

    def guard_function(self, fn):
        """An inlined (or the differentiated) function: its code, defaults
        as they were when it was compiled (its closure cells are guarded
        or read one by one, as free names)."""
        if not isinstance(fn, types.FunctionType):
            return
        # (__closure__ and __globals__ cannot be reassigned; keyword-only
        # defaults matter only to code with keyword-only parameters)
        attrs = ("__code__", "__defaults__") + (
            ("__kwdefaults__",) if fn.__code__.co_kwonlyargcount else ())
        for attr in attrs:
            self.guard(Ref("attr", fn, attr), getattr(fn, attr))

    @property
    def params(self):
        return [v for _, v in self.loads.values()]

    @property
    def names(self):
        return [r.name for r, _ in self.loads.values()]

    # -- checked per call ---------------------------------------------------------------
    def prologue(self):
        """A function of no arguments: the tuple of the data values now, or
        None when a specialised binding changed.  Generated as one expression
        so the per-call cost is a few dictionary reads."""
        ns, checks, reads = {"MISSING": MISSING}, [], []
        for k, (ref, obj) in enumerate(self.guards.values()):
            ns[f"b{k}"], ns[f"o{k}"] = ref.box, obj
            # an attribute made afresh on each read (a bound method, a module
            # __getattr__) is compared by value, not identity
            same = "is" if ref.kind != "attr" or getattr(ref.box, ref.name, MISSING) is obj \
                else "=="
            checks.append(f"{ref.current(f'b{k}')} {same} o{k}")
        for k, (ref, _) in enumerate(self.loads.values()):
            ns[f"d{k}"] = ref.box
            reads.append(ref.source(f"d{k}"))
        ns["refs"] = [r for r, _ in self.loads.values()]
        values = "(" + "".join(r + ", " for r in reads) + ")"
        src = ("def prologue():\n"
               "    try:\n"
               f"        if not ({' and '.join(checks) or 'True'}):\n"
               "            return None\n"
               "    except Exception:       # an emptied cell, a deleted attribute\n"
               "        return None\n"
               "    try:\n"
               f"        return {values}\n"
               "    except Exception:       # say what Python says for a missing name\n"
               "        return tuple(r.read() for r in refs)\n")
        exec(compile(src, "<ad_compiler bindings>", "exec"), ns)
        return ns["prologue"]
