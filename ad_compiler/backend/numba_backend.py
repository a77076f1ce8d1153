"""Lowering of a joint gradient graph to ``numba.njit`` (nopython mode).

Example: for ``def f(x, w): return np.dot(x, w)`` called with two 1-D
arrays, the joint graph's rule for ``np.dot`` tests ``np.ndim(x) == 0``;
here that reads ``1 == 0``, the branch folds away, and the emitted source
keeps only the 1-D adjoint, which Numba compiles::

    t4_bar = unbroadcast(out_bar, t4)          # a Numba twin (numba_support)
    x_bar = unbroadcast(t4_bar * w, x)
    ...

Steps, once per distinct array-rank signature of the arguments: fold the
ranks of values into the graph (``np.ndim``/``.ndim`` become constants,
dead rule branches go), re-emit Python source with the core emitter, write
it to a real file in the cache (named after a hash of the source, the
objects it refers to and the Numba twins, so ``cache=True`` never reads a
stale kernel) and compile it with ``numba.njit(cache=True)``.  Numba then
specialises on exact types (dtypes, layouts) itself.  A Numba typing error
becomes a ``BackendError`` that names the construct and the source line.
"""
from __future__ import annotations

import hashlib
import inspect
import numbers
import operator
import os
import re
import sys
import types
from dataclasses import replace

import numpy as np

from .. import cache, runtime
from ..errors import ADError, BackendError
from ..ir import ops
from ..ir.nodes import Call, Attr, Block, Const
from ..transforms.simplify import simplify, substitute
from .emit import emit_function

__all__ = ["NumbaGradient", "rank_key", "specialize_ranks", "compile_source", "translate_error"]

_ELEMENTWISE = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
                operator.neg, operator.pos, operator.abs, operator.floordiv, operator.mod,
                operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
                abs, runtime.safe_mul, runtime.safe_div, runtime.div_or_zero, runtime.pow_slope,
                np.where}
_SCALAR_RESULT = {len, int, float, bool, np.ndim, np.size, ops.range_cond}
_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.std, np.var,
               np.linalg.norm, np.vdot, np.trace}
_LIKE_LAST = {runtime.unbroadcast: 1, runtime.cast_like: 1, ops.zero_like: 0,
              ops.seed_cotangent: 1, runtime.scatter_into: 1,
              np.zeros_like: 0, np.ones_like: 0, np.empty_like: 0, np.full_like: 0}


# -- arguments ---------------------------------------------------------------------------
def rank_key(value):
    """The rank of an argument as the graph specialisation sees it: 0 for a
    number, the ``ndim`` of an array, None for anything else."""
    if isinstance(value, np.ndarray):
        return value.ndim
    if isinstance(value, (numbers.Number, np.generic)):
        return 0
    return None


# -- rank specialisation -----------------------------------------------------------------
def _infer_ranks(g, ranks):
    """Ranks of the graph's values where they follow from the arguments'."""
    known = {p: r for p, r in zip(g.entry.params, ranks) if r is not None}
    incoming = g.incoming()
    pushed = {}
    for ins in g.instructions():
        if ins.fn is ops.push:
            pushed.setdefault(ins.args[0], []).append(ins.args[1])

    def rank(x):
        if isinstance(x, Const):
            v = x.value
            if isinstance(v, (numbers.Number, np.generic)):
                return 0
            if isinstance(v, np.ndarray):
                return v.ndim
            return None
        return known.get(x)

    def same(values):
        rs = {rank(a) for a in values
              if not (isinstance(a, Const) and (a.value is None or a.value is ops.UNSET))}
        return rs.pop() if len(rs) == 1 else None

    for _ in range(len(g.blocks) + 2):
        changed = False
        for b in g.blocks:
            for p in b.params:
                if p not in known and p in incoming:
                    r = same(incoming[p])
                    if r is not None:
                        known[p] = r
                        changed = True
            for ins in b.instrs:
                if ins.out is None or ins.out in known:
                    continue
                r = _call_rank(ins, rank, pushed, same)
                if r is not None:
                    known[ins.out] = r
                    changed = True
        if not changed:
            break
    return known


def _call_rank(ins, rank, pushed, same):
    fn, args = ins.fn, ins.args
    if fn in _SCALAR_RESULT or getattr(fn, "__module__", None) == "math":
        return 0
    if isinstance(fn, Attr) and fn.name in ("ndim", "size"):
        return 0
    if fn in _ELEMENTWISE or isinstance(fn, np.ufunc):
        rs = [rank(a) for a in args]
        return max(rs) if rs and None not in rs else None
    if fn in (max, min) and len(args) == 2 and not ins.kwargs:   # max(0, n): a trip count
        rs = [rank(a) for a in args]
        return max(rs) if None not in rs else None
    if fn in _LIKE_LAST and len(args) > _LIKE_LAST[fn]:
        return rank(args[_LIKE_LAST[fn]])
    if fn in _REDUCTIONS and len(args) == 1 and not ins.kwargs:
        return 0
    if fn is np.dot and len(args) == 2:
        ra, rb = rank(args[0]), rank(args[1])
        if ra is None or rb is None:
            return None
        return ra + rb if 0 in (ra, rb) else ra + rb - 2
    if fn is ops.pop:
        return same(pushed.get(args[0], [Const(None)]))
    return None


def specialize_ranks(g, ranks, arrays=()):
    """Fold ``np.ndim(v)`` / ``v.ndim`` where the rank of ``v`` follows from
    the arguments' ranks (and ``isinstance(v, np.ndarray)`` for arguments,
    ``arrays`` saying which are arrays, and values of rank > 0), then
    simplify (constant and branch folding) until nothing changes."""
    is_arr = {p: a for p, a in zip(g.entry.params, arrays) if a is not None}
    for _ in range(16):
        known = _infer_ranks(g, ranks)
        m = {}
        for ins in g.instructions():
            if ins.out is None or not ins.args or ins.kwargs:
                continue
            if (ins.fn is np.ndim or (isinstance(ins.fn, Attr) and ins.fn.name == "ndim")) \
                    and ins.args[0] in known:
                m[ins.out] = Const(known[ins.args[0]])
            elif ins.fn is isinstance and len(ins.args) == 2 and \
                    isinstance(ins.args[1], Const) and ins.args[1].value is np.ndarray:
                v = ins.args[0]
                if v in is_arr:
                    m[ins.out] = Const(is_arr[v])
                elif known.get(v, 0) > 0:
                    m[ins.out] = Const(True)
        before = str(g)
        if m:
            blocks = tuple(Block(b.label, b.params, tuple(i for i in b.instrs if i.out not in m),
                                 b.term) for b in g.blocks)
            g = substitute(replace(g, blocks=blocks), m)
        g = simplify(g)
        if not m and str(g) == before:
            return g
    return g


_METHOD_REDUCTIONS = {np.ndarray.sum: np.sum, np.ndarray.mean: np.mean}


def reductions_as_functions(g):
    """``x.sum(axis=0, keepdims=True)`` -> ``np.sum(x, axis=0, keepdims=True)``:
    Numba's array methods take no ``keepdims`` (nor ``axis`` for ``mean``);
    the functions are overloaded in numba_support."""
    blocks = []
    for b in g.blocks:
        instrs = tuple(Call(i.out, _METHOD_REDUCTIONS[i.fn], i.args, i.kwargs, i.loc)
                       if i.fn in _METHOD_REDUCTIONS and i.kwargs else i for i in b.instrs)
        blocks.append(Block(b.label, b.params, instrs, b.term))
    return replace(g, blocks=tuple(blocks))


# -- source and compilation -------------------------------------------------------------
def _twins_digest():
    from . import numba_support
    import numba
    with open(inspect.getsourcefile(numba_support), "rb") as fh:
        text = fh.read()
    return hashlib.sha1(text + numba.__version__.encode()).hexdigest()[:12]


def _fingerprint(namespace):
    """A stable text naming every object the source refers to, so the file
    (and Numba's on-disk cache keyed by it) changes when one of them does."""
    parts = []
    for name in sorted(namespace):
        obj = namespace[name]
        if isinstance(obj, types.ModuleType):
            desc = f"module {obj.__name__}"
        elif isinstance(obj, np.ndarray):
            desc = f"array {obj.dtype} {obj.shape} {hashlib.sha1(np.ascontiguousarray(obj).tobytes()).hexdigest()}"
        elif isinstance(obj, (numbers.Number, str, bytes, tuple, type(None))):
            desc = f"value {obj!r}"
        elif callable(obj):
            desc = f"callable {getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"
            try:
                desc += " " + hashlib.sha1(inspect.getsource(obj).encode()).hexdigest()[:12]
            except (OSError, TypeError):
                pass
        else:
            desc = f"object {type(obj).__module__}.{type(obj).__qualname__}"
        parts.append(f"# {name}: {desc}")
    return "\n".join(parts)


def numba_namespace(namespace, jit=None):
    """The globals the lowered source sees: helpers with an explicit twin
    stay (their ``@overload`` applies), other plain Python functions are
    compiled from their own body (``jit``, by default ``numba.njit``)."""
    from .numba_support import TWINS, jit_helper
    jit = jit or jit_helper
    out = {}
    for name, obj in namespace.items():
        if isinstance(obj, types.FunctionType) and obj not in TWINS:
            obj = jit(obj)
        out[name] = obj
    return out


def load_source(name, source, namespace, suffix="nb", jit=None):
    """Write ``source`` to a cache file whose name hashes it together with
    what its globals are (and the twins' source), import it; returns the
    Python function and the file's path."""
    stamp = f"\n# numba twins {_twins_digest()}\n" + _fingerprint(namespace) + "\n"
    module, path = cache.load_module(f"{name}_{suffix}", source + stamp,
                                     numba_namespace(namespace, jit))
    return getattr(module, name), path


def _ensure_parent_package():
    """``cache.load_module`` registers ``ad_compiler_generated.<module>`` in
    ``sys.modules``; Numba's on-disk cache re-imports a kernel's module by
    that name when it rebuilds its environment, which needs the parent."""
    if "ad_compiler_generated" not in sys.modules:
        pkg = types.ModuleType("ad_compiler_generated")
        pkg.__path__ = []
        sys.modules["ad_compiler_generated"] = pkg


def compile_source(name, source, namespace, **jit_options):
    """``load_source`` then ``numba.njit(cache=True)``: Numba's on-disk cache
    sits next to the file (``__pycache__``) and is keyed by it."""
    import numba
    _ensure_parent_package()
    fn, path = load_source(name, source, namespace)
    opts = {"cache": True, "nogil": True}
    opts.update(jit_options)
    return numba.njit(**opts)(fn), path


# -- errors -------------------------------------------------------------------------------
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FILE_LINE = re.compile(r'File "([^"]+)", line (\d+)')


def _failing_line(exc, text, path):
    """The line of the generated file at ``path`` that Numba could not
    compile: the error's own location if it is in that file, else the last
    frame of that file that Numba's message names."""
    loc = getattr(exc, "loc", None)
    if loc is not None and getattr(loc, "filename", None) and \
            os.path.basename(loc.filename) == os.path.basename(path) and getattr(loc, "line", None):
        return loc.line
    found = None
    for f, ln in _FILE_LINE.findall(text):
        if os.path.basename(f) == os.path.basename(path):
            found = int(ln)
    return found


def translate_error(exc, gradfn, spec, target="Numba"):
    """A ``BackendError`` for a Numba compile error in the generated code
    ``spec`` (its ``source``, ``path`` and ``lines``, the map of generated
    lines to source lines): what could not be lowered, the generated line
    and the original line."""
    text = _ANSI.sub("", str(exc))
    first = next((ln.strip() for ln in text.splitlines() if ln.strip() and
                  not ln.startswith("Failed in") and "pipeline" not in ln), text.strip())
    gen_line = _failing_line(exc, text, spec.path)
    generated = spec.source.splitlines()
    msg = f"cannot lower to {target}: {first[:400]}"
    if gen_line is not None and 1 <= gen_line <= len(generated):
        msg += f"\n    in the generated code ({spec.path}:{gen_line}): " \
               f"{generated[gen_line - 1].strip()}"
    pf = gradfn.parsed
    loc = spec.lines.get(gen_line)
    if loc is None:
        return BackendError(msg, fn_name=pf.name, filename=pf.filename, lineno=pf.lineno)
    return BackendError(msg, fn_name=pf.name, filename=loc.filename, lineno=loc.lineno,
                        source_line=loc.source)


# -- the callable variant ---------------------------------------------------------------
class NumbaGradient:
    """Stands in for the Python variant: ``fn(*args, seed)`` runs the
    njit-compiled joint function chosen by the ranks of the arguments."""

    def __init__(self, variant, gradfn):
        self.py = variant
        self.gradfn = gradfn
        self.graph = variant.graph
        self.path = variant.path
        self.source = variant.source
        self.lines = variant.lines
        self._by_ranks = {}
        self._by_source = {}

    def specialization(self, args, seed):
        key = tuple(rank_key(a) for a in args) + (rank_key(seed) if seed is not None else -1,) \
            + tuple(isinstance(a, np.ndarray) for a in args)
        spec = self._by_ranks.get(key)
        if spec is None:
            spec = self._by_ranks[key] = self._build(key)
        return spec

    def _build(self, key):
        n = (len(key) - 1) // 2         # the values: bound, passed, then globals read
        seed_rank = None if key[n] == -1 else key[n]
        g = specialize_ranks(self.graph, key[:n] + (seed_rank,), key[n + 1:])
        g = reductions_as_functions(g)
        name = f"{g.name}_grad"
        emitted = emit_function(g, name, g.arg_names, omit_unset=True)
        source = emitted.source
        hit = self._by_source.get(source)
        if hit is None:
            dispatcher, path = self._compile_source(name, source, emitted.globals, g)
            hit = self._by_source[source] = _Spec(dispatcher, source, g, path, emitted.lines)
        return hit

    def _compile_source(self, name, source, namespace, graph):
        return compile_source(name, source, namespace)

    def fn(self, *args):
        *vals, seed = args
        spec = self.specialization(vals, seed)
        self.source, self.graph, self.path, self.lines = spec.source, spec.graph, spec.path, spec.lines
        try:
            res = spec.dispatcher(*vals, seed)
        except ADError:
            raise
        except Exception as e:
            if _is_numba_compile_error(e):
                raise translate_error(e, self.gradfn, spec) from None
            raise
        return _fix_scalars(res, vals, self.gradfn)


class _Spec:
    def __init__(self, dispatcher, source, graph, path, lines):
        self.dispatcher, self.source, self.graph, self.path = dispatcher, source, graph, path
        self.lines = lines           # generated line -> Loc of the user's line


def _is_numba_compile_error(e):
    """Numba's own error types, or any exception raised inside Numba's
    compiler passes (an internal crash while lowering is still "cannot lower")."""
    from numba.core import errors
    if isinstance(e, ADError):
        return False
    if isinstance(e, (errors.TypingError, errors.UnsupportedError, errors.LoweringError,
                      errors.NumbaError)):
        return True
    tb = e.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename.replace("\\", "/")
        if "/numba/core/compiler_machinery.py" in name or "/numba/core/typed_passes.py" in name:
            return True
        tb = tb.tb_next
    return False


def _fix_scalars(res, vals, gradfn):
    """Numba returns float64 for every scalar; give a NumPy-scalar argument
    its own type back, as the Python backend does."""
    if not isinstance(res, tuple):
        return res
    first = 2 if gradfn.has_aux else 1
    out = list(res)
    for j, k in enumerate(gradfn.wrt):
        x = vals[k]
        if isinstance(x, np.generic) and first + j < len(out):
            out[first + j] = runtime.cast_like(out[first + j], x)
    return tuple(out)
