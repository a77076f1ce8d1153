"""The public entry points ``grad`` and ``value_and_grad`` (``check_grads``
is in check.py, ``elementwise_grad`` in elementwise.py).

Example::

    @grad
    def f(x):
        return np.sum(np.tanh(x) ** 2)
    f(np.ones(3))        # -> array of 3 gradients
    f.source             # the generated Python source
    print(f.ir)          # the SSA graph of f

A ``GradFunction`` parses and fences the source when it is created,
compiles on first call, and keeps one compiled variant per kind of
arguments (Python scalars vs arrays), so nothing is re-parsed per call.
Each call reads the globals and closure cells the function uses as data
and checks that what it was specialised on is unchanged, else recompiles
(frontend/bindings.py).
"""
from __future__ import annotations

import functools
import inspect
import numbers

import numpy as np

from . import cache, pickling
from .cache import entries as cache_entries
from .arguments import Signature
from .compiled import Arguments, Origin, Request, ResultLayout
from .errors import ADError, NotDifferentiableError, WrtError, add_note
from .frontend.bindings import Bindings, is_data
from .frontend.parse import parse
from .ir.dot import draw
from .outputs import check_output, check_seed
from .pipeline import build_graph, collector_paused, compile_graph
from .pytree import tree_paths

__all__ = ["grad", "value_and_grad", "GradFunction"]

BACKENDS = ("python", "numba", "cuda")


def _unwrap(fn):
    """``(function, bound positional values, bound keywords)`` for a bound
    method (its instance is fixed) or a ``functools.partial``."""
    if inspect.ismethod(fn):
        inner, args, kw = _unwrap(fn.__func__)
        return inner, (fn.__self__,) + args, kw
    if isinstance(fn, functools.partial):
        inner, args, kw = _unwrap(fn.func)
        return inner, args + tuple(fn.args), {**kw, **(fn.keywords or {})}
    return fn, (), {}


def _kind(x):
    if type(x) is float:
        return "s"
    if isinstance(x, (bool, np.bool_)):
        return "b"
    if isinstance(x, (list, tuple)):
        return "q"                     # a pytree (ad_compiler.pytree)
    if isinstance(x, dict):
        return "d"
    if isinstance(x, numbers.Number) or isinstance(x, np.number):
        return "s"
    if type(x) is np.ndarray:
        return f"a{x.ndim}"
    return "a"


class GradFunction:
    """A compiled gradient of ``fn``; call it like ``fn``."""

    emit_suffix = "grad"        # generated code that calls it names it f"{name}_grad"

    @property
    def emit_name(self):
        """The name generated code calls this compiled function by."""
        kind = "value_and_grad" if self.emit_suffix == "grad" and self.return_value \
            else self.emit_suffix
        return f"{self.__name__}_{kind}"

    def __init__(self, fn, wrt=0, has_aux=False, backend="python", return_value=False,
                 freeze_globals=False, cache=True):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
        self.fn = fn
        self.backend = backend
        self.has_aux = has_aux
        self.return_value = return_value
        # device code cannot take the globals it reads as arguments: it is
        # specialised on their values (and recompiled when one is rebound)
        self.freeze_globals = freeze_globals or backend == "cuda"
        self._wrt_spec = wrt
        self._use_disk = cache                # the on-disk cache (ad_compiler/cache/)
        self._setup()
        self.__name__ = getattr(fn, "__name__", "f")
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    def _setup(self):
        """Everything read from the function's source, code and defaults;
        run again when a binding the compiled code depends on changes."""
        target, self._bound, bound_kw = _unwrap(self.fn)
        if not (self._bound or bound_kw) and cache_entries.restore(self):
            n_defaults = len(target.__defaults__ or ())   # warm: nothing parsed
            self._defaults = dict(zip(self.arg_names[len(self.arg_names) - n_defaults:],
                                      target.__defaults__ or ()))
            return
        with collector_paused():
            self.parsed = parse(target)
        self._loc = (self.parsed.name, self.parsed.filename, self.parsed.lineno)
        self._front_digest = None             # set once its cache record is written
        names = [a.id for a in self.parsed.node.args.args]
        self.arg_names = names[len(self._bound):]     # what the caller passes
        wrt = self._wrt_spec
        self.single = not isinstance(wrt, (tuple, list))
        a = self.parsed.node.args
        self._sig = Signature(a, len(self._bound)) if a.vararg or a.kwarg else None
        self.wrt = tuple(self._wrt_index(w) for w in ((wrt,) if self.single else wrt))
        self._picks = None
        if self._sig is not None:                    # *args: wrt counts positional arguments
            self.wrt, self._picks = self._sig.plan(self.wrt, self._where_kw())
        self._defaults = dict(zip(names[len(names) - len(target.__defaults__ or ()):],
                                  target.__defaults__ or ()))
        self._defaults.update(bound_kw)
        self._ir = None
        self._bindings = None
        self._prologue = _unbuilt
        self._variants = {}
        self._last = None

    def __getattr__(self, name):
        if name == "parsed" and "fn" in self.__dict__:     # restored from the disk cache:
            self.parsed = parse(_unwrap(self.fn)[0])        # parsed only when asked
            return self.parsed
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __reduce__(self):
        return pickling.reduce_gradient(self, _rebuild)

    @property
    def origin(self):
        return Origin(*self._location())

    def _location(self):
        return location_of(self)

    def _where_kw(self):
        return self.origin.kw()

    def _wrt_index(self, w):
        names = self.arg_names
        if isinstance(w, str):
            if self._sig is not None and w in (self._sig.star, self._sig.dstar):
                return w                             # the whole *args tuple / **kwargs dict
            if w not in names:
                raise WrtError(f"wrt={w!r} is not a parameter of {self.parsed.name}"
                               f"({', '.join(names)})", fn_name=self.parsed.name,
                               filename=self.parsed.filename, lineno=self.parsed.lineno)
            return names.index(w)
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)):
            raise WrtError(f"wrt must be parameter indices or names, not {w!r}",
                           fn_name=self.parsed.name, filename=self.parsed.filename,
                           lineno=self.parsed.lineno)
        if self._sig is not None and self._sig.star is not None and w >= len(names):
            return int(w)                            # an item of *args
        if not -len(names) <= w < len(names):
            raise WrtError(f"wrt={w} is out of range: {self.parsed.name} has {len(names)} "
                           f"parameter(s) ({', '.join(names)})", fn_name=self.parsed.name,
                           filename=self.parsed.filename, lineno=self.parsed.lineno)
        return int(w) % len(names)

    # -- compilation ------------------------------------------------------------------------
    @property
    def ir(self):
        """The simplified SSA graph of the function."""
        if self._ir is None:
            bindings = Bindings(freeze=self.freeze_globals)
            self._ir = build_graph(self.parsed, bindings)
            self._bindings, self._prologue = bindings, bindings.prologue()
            cache_entries.remember(self)
        return self._ir

    def _free_values(self):
        """The values of the globals and closure cells the code reads as data,
        now; recompiles first if a binding it was specialised on changed
        (a helper it inlined, a module, the function's code or defaults),
        or a data name now holds something the compiler would specialise on."""
        if self._prologue is _unbuilt:
            self.ir
        free = self._prologue()
        if free is None:
            self._setup()
            self.ir
            free = self._prologue()
            if free is None:
                raise ADError("a global or module attribute this function depends on changes "
                              "every time it is read; it cannot be compiled",
                              fn_name=self.parsed.name, filename=self.parsed.filename,
                              lineno=self.parsed.lineno)
        return free

    def stale(self):
        """Whether the compiled code no longer matches the function (and
        recompile it, for callers that keep compiled code of their own)."""
        if self._prologue is _unbuilt or self._prologue() is not None:
            return False
        self._setup()
        return True

    def _primal_graph(self, kinds):
        """The graph to differentiate when it is not this function's own
        (``nested.NestedGrad``: a gradient's graph); None: ``self.ir``."""
        return None

    def _compile(self, kinds):
        """The compiled variant for arguments of ``kinds`` (see pipeline.py)."""
        g = self._primal_graph(kinds)
        return compile_graph(self.ir if g is None else g, self._request(kinds),
                             prepared=g is not None)

    def _request(self, kinds):
        """What ``_compile`` asks the pipeline for (a warm start reads its
        layout too: cache/entries.py)."""
        n_bound = len(self._bound)
        n_passed = len(self._sig.param_names) if self._sig else len(self.arg_names)
        layout = ResultLayout(tuple(k + n_bound for k in self.wrt), has_aux=self.has_aux,
                              single=self.single, return_value=self.return_value,
                              signature=self._sig,
                              picks=None if self._picks is None else tuple(self._picks))
        request = Request("rev", Arguments(tuple(kinds), n_bound, n_passed), layout,
                          self.backend, self.origin, tuple(self.arg_names))
        return request

    def variant(self, kinds=None):
        with collector_paused():               # build and compile: one collection after
            return self._variant(kinds)

    def _variant(self, kinds):
        n_star = len(self._sig.param_names) - len(self.arg_names) if self._sig else 0
        kinds = kinds or tuple(_kind(b) for b in self._bound) + tuple(
            "a" for _ in self.arg_names) + ("q",) * n_star
        if len(kinds) == len(self._bound) + len(self.arg_names) + n_star:   # add the globals read
            kinds = tuple(kinds) + tuple(_kind(v) for v in self._free_values())
        v = self._variants.get(kinds)
        if v is None:
            v = self._variants[kinds] = cache_entries.variant(self, kinds, self._compile)
        self._last = v
        return v

    @property
    def source(self):
        """The generated source of the variant last called (arrays if none)."""
        return (self._last or self.variant()).source

    def draw(self, joint=False, **kw):
        """Graphviz DOT text of the SSA graph (``joint=True``: forward and
        adjoint); see ``ad_compiler.ir.dot``."""
        return draw(self, joint, **kw)

    @property
    def device_function(self):
        """The gradient as a CUDA device function, callable from your own
        ``@cuda.jit`` kernels (``backend="cuda"``); see backend/cuda_backend.py."""
        g = self
        if g.backend != "cuda":
            g = grad(g.fn, wrt=g.wrt[0] if g.single else g.wrt, has_aux=g.has_aux, backend="cuda")
        return g.variant(tuple("s" for _ in g.arg_names)).lowered.device()

    @property
    def joint_ir(self):
        return (self._last or self.variant()).graph

    # -- calling -------------------------------------------------------------------------------
    def _bind(self, args, kwargs):
        if self._sig is not None:
            return self._sig.bind(self.__name__, args, kwargs, self._defaults)
        if not kwargs and len(args) == len(self.arg_names):
            return list(args)
        if len(args) > len(self.arg_names):
            raise TypeError(f"{self.__name__}() takes {len(self.arg_names)} arguments "
                            f"but {len(args)} were given")
        vals = list(args)
        for name in self.arg_names[len(args):]:
            if name in kwargs:
                vals.append(kwargs.pop(name))
            elif name in self._defaults:
                vals.append(self._defaults[name])
            else:
                raise TypeError(f"{self.__name__}() missing argument '{name}'")
        if kwargs:
            raise TypeError(f"{self.__name__}() got unexpected keyword argument(s) "
                            f"{', '.join(kwargs)}")
        return vals

    def _check_wrt(self, vals):
        for k in self.wrt:
            for path, x in tree_paths(vals[k]):
                self._check_differentiable(k, x, path)

    def _check_differentiable(self, k, x, path=""):
        if type(x) is float:
            return
        dt = np.asarray(x).dtype
        name = (self._sig.param_names if self._sig else self.arg_names)[k]
        if dt.kind in "iub":
            shown = type(x).__name__ + ("" if np.ndim(x) == 0 else f" of dtype {dt}")
            shown += f", at {name}{path}" if path else ""
            raise NotDifferentiableError(
                f"cannot differentiate with respect to '{name}': it is an integer or bool "
                f"({shown}); pass a float (e.g. {name}=float(...) or .astype(float))",
                fn_name=self.parsed.name, filename=self.parsed.filename, lineno=self.parsed.lineno)
        if dt.kind == "c":
            raise NotDifferentiableError(
                f"complex inputs are not supported ('{name}' is complex)",
                fn_name=self.parsed.name, filename=self.parsed.filename, lineno=self.parsed.lineno)

    def _check_result(self, out):
        """The output must be a real number or array (see outputs.py)."""
        check_output(out, *self._location())

    def _run(self, args, kwargs):
        seed = kwargs.pop("seed", None)
        if seed is not None and type(seed) is not float:
            check_seed(seed, *self._location())
        free = self._prologue()                 # the globals it reads, now
        if free is None:                        # (None: a binding changed, or not built)
            free = self._free_values()
        vals = self._bind(args, dict(kwargs) if kwargs else kwargs)
        self._check_wrt(vals)
        vals = [*self._bound, *vals, *free]
        kinds = tuple(map(_kind, vals))
        v = self._variants.get(kinds)
        if v is None:
            if not all(is_data(x) for x in free):     # a data name now holds a function...:
                self._setup()                         # specialise on it
                return self._run(args, dict(kwargs, seed=seed))
            v = self.variant(kinds)
        self._last = v
        try:
            return v.fn(*vals, seed)
        except ADError as e:
            if e.fn_name is None:
                e.fn_name, e.filename, e.lineno = self.parsed.name, self.parsed.filename, self.parsed.lineno
                e.args = (e._format(),)
            raise
        except Exception as e:
            note = _source_note(e, v, self.parsed)
            if note:
                add_note(e, note)
            raise

    def __call__(self, *args, **kwargs):
        res = self._run(args, kwargs)
        if type(res[0]) is not float:
            self._check_result(res[0])
        return self._last.layout.arrange(res, len(args), self.origin)

    def __repr__(self):
        return f"<ad_compiler gradient of {self.__name__} wrt={self.wrt} backend={self.backend}>"


def location_of(f):
    """(name, file, line) of a compiled function's function, without parsing
    it when it is known (a warm start has no ``.parsed``; a compiled
    function of a compiled function reads its inner one's)."""
    loc = getattr(f, "__dict__", {}).get("_loc")
    if loc is None:
        pf = f.parsed
        loc = (pf.name, pf.filename, pf.lineno)
    return loc


def _unbuilt():
    """The prologue before the graph is built: nothing to read yet."""
    return None


def _source_note(exc, variant, parsed):
    """For an exception raised inside generated code: the user's source line
    it came from (the emitter's map of generated lines to source lines)."""
    path = getattr(variant, "path", None)
    tb, lineno = exc.__traceback__, None
    while tb is not None:
        if path and tb.tb_frame.f_code.co_filename == path:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    if lineno is None:
        return None
    loc = variant.lines.get(lineno)
    if loc is None:
        return None
    return (f"raised in the gradient of {parsed.name}, at {loc.filename}:{loc.lineno}: "
            f"{loc.source.strip()}  (generated code: {path}:{lineno})")


def _rebuild(how, what, opts):
    """A pickled gradient, rebuilt in the receiving process (pickling.py)."""
    fn = pickling.function_of(how, what, GradFunction)
    opts = dict(opts)
    if opts.pop("freeze_globals", False):
        return GradFunction(fn, freeze_globals=True, **opts)
    return _memo(fn, **opts)


def _memo(fn, **opts):
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in opts.items()))
    try:
        hash(key)
    except TypeError:
        return GradFunction(fn, **opts)
    return cache.memoized(fn, key, lambda: GradFunction(fn, **opts))


# ``grad`` of a compiled function (a gradient, a jvp) differentiates its
# generated graph: nested.py builds that on GradFunction and registers it
# here when ad_compiler is imported
COMPOSE: dict = {}


def grad(fn=None, wrt=0, *, has_aux=False, backend="python", cache=True):
    """The gradient of ``fn`` with respect to the parameters ``wrt`` (index,
    name, or a tuple of them).  Usable as ``@grad`` or ``@grad(wrt=...)``;
    ``cache=False``: never read or write the on-disk cache."""
    if fn is None:
        return lambda f: grad(f, wrt, has_aux=has_aux, backend=backend, cache=cache)
    # grad(grad(f)): differentiate the generated graph of the gradient (or of a jvp)
    if isinstance(fn, GradFunction) or hasattr(fn, "differentiable_graph"):
        return COMPOSE["grad"](fn, wrt=wrt, has_aux=has_aux, backend=backend, return_value=False)
    _refuse_jacobian(fn)
    return _memo(fn, wrt=wrt, has_aux=has_aux, backend=backend, return_value=False, cache=cache)


def _refuse_jacobian(fn):
    """A Jacobian or Hessian function (jacfwd, jacrev, hessian) is a loop over
    compiled calls, not source to differentiate."""
    if hasattr(fn, "jacobian_of"):
        raise TypeError(f"grad of {getattr(fn, '__name__', 'a Jacobian')}: a Jacobian "
                        "function is not differentiated by grad; use jacfwd of it "
                        "(jacfwd(jacrev(f)), jacfwd(jacfwd(f))), hessian(f), or grad of "
                        "grad(f) / of jvp(f) (the jvp function)")


def value_and_grad(fn=None, wrt=0, *, has_aux=False, backend="python", cache=True):
    """Like ``grad`` but returns ``(value, grads)``; ``((value, aux), grads)``
    with ``has_aux``."""
    if fn is None:
        return lambda f: value_and_grad(f, wrt, has_aux=has_aux, backend=backend, cache=cache)
    if isinstance(fn, GradFunction) or hasattr(fn, "differentiable_graph"):
        return COMPOSE["grad"](fn, wrt=wrt, has_aux=has_aux, backend=backend, return_value=True)
    _refuse_jacobian(fn)
    return _memo(fn, wrt=wrt, has_aux=has_aux, backend=backend, return_value=True, cache=cache)
