"""Pickling compiled gradients: by reference to the function, plus the options.

Example::

    # mymodel.py
    @adc.grad
    def loss(w, x): ...
    pickle.dumps(loss)   # -> ("mymodel", "loss", {wrt: 0, ...}): no code, no graph
    pickle.loads(...)    # imports mymodel, finds loss, rebuilds grad(loss) there
                         # (loaded from the on-disk cache when it is warm)

This is what lets a gradient go to ``multiprocessing`` workers (``spawn``,
``forkserver``), ``ProcessPoolExecutor``, joblib and Dask.  The name may
hold the gradient itself (``@adc.grad`` above) or the plain function.  A
function that the receiving process cannot import by name (defined in a
notebook's ``__main__``, inside another function, a lambda) is sent by value
through cloudpickle when it is installed, with its source lines (the
receiver compiles it again and needs them); without cloudpickle it is a
``pickle.PicklingError`` that says what to do.
"""
from __future__ import annotations

import importlib
import linecache
import pickle
import sys
import types

from .cache.modules import _ATTR

__all__ = ["reduce_gradient", "function_of"]


def _options(gf):
    return dict(wrt=gf._wrt_spec, has_aux=gf.has_aux, backend=gf.backend,
                return_value=gf.return_value, freeze_globals=gf.freeze_globals,
                cache=getattr(gf, "_use_disk", True))


def _lookup(module, qualname):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _plain(obj, gradient_type):
    """The undecorated function behind ``obj`` (a gradient, a wrapper)."""
    seen = 0
    while isinstance(obj, gradient_type) or (hasattr(obj, "__wrapped__") and seen < 16):
        obj = obj.fn if isinstance(obj, gradient_type) else obj.__wrapped__
        seen += 1
    return obj


def _problem(fn, gradient_type):
    """Why the receiving process could not find ``fn`` by name, or None."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if "<locals>" in qualname:
        return "it is defined inside another function (a closure)"
    if "<lambda>" in qualname:
        return "it is a lambda"
    if module is None:
        return "it has no module"
    main = sys.modules.get("__main__")
    if module == "__main__" and getattr(main, "__file__", None) is None:
        return "it is defined in an interactive session or a notebook (__main__ has no file)"
    try:
        found = _lookup(module, qualname)
    except Exception:
        return f"{module}.{qualname} cannot be imported"
    if _plain(found, gradient_type) is not fn:
        return f"{module}.{qualname} names another object"
    return None


def reduce_gradient(gf, rebuild):
    """``__reduce__`` of a gradient: ``(rebuild, (how, what, options))``,
    where ``rebuild`` (api._rebuild) calls ``function_of(how, what, ...)``."""
    opts = _options(gf)
    fn = gf.fn
    if not isinstance(fn, types.FunctionType):       # a bound method, a partial: pickle
        return rebuild, ("object", fn, opts)          # handles them if their parts pickle
    problem = _problem(fn, type(gf))
    if problem is None:
        return rebuild, ("name", (fn.__module__, fn.__qualname__), opts)
    try:
        import cloudpickle
    except ImportError:
        raise pickle.PicklingError(
            f"cannot pickle the gradient of {fn.__qualname__}: {problem}, so another process "
            "cannot find it by name; define the function at the top level of a module (a .py "
            "file the workers can import), or install cloudpickle to send it by value") from None
    filename = fn.__code__.co_filename
    return rebuild, ("value", (cloudpickle.dumps(_bare(fn)), filename,
                               linecache.getlines(filename)), opts)


def _bare(fn):
    """A copy of ``fn`` without the gradients memoized on it (they would
    pickle ``fn`` again, without end)."""
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              fn.__closure__)
    copy.__dict__.update({k: v for k, v in fn.__dict__.items() if k != _ATTR})
    copy.__kwdefaults__, copy.__qualname__, copy.__module__ = \
        fn.__kwdefaults__, fn.__qualname__, fn.__module__
    copy.__doc__ = fn.__doc__
    return copy


def function_of(how, what, gradient_type):
    """The function a pickled gradient differentiates, found in this process."""
    if how == "object":
        return what
    if how == "name":
        return _plain(_lookup(*what), gradient_type)
    payload, filename, lines = what
    if lines and not linecache.getlines(filename):   # a notebook cell: no file to read
        linecache.cache[filename] = (sum(map(len, lines)), None, list(lines), filename)
    fn = pickle.loads(payload)
    if fn.__code__.co_filename != filename:         # (cloudpickle may rename it)
        fn.__code__ = _renamed(fn.__code__, filename)
    return fn


def _renamed(code, filename):
    consts = tuple(_renamed(c, filename) if isinstance(c, types.CodeType) else c
                   for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)
