"""Forward mode's public entry points: ``jvp``, ``jacfwd``, ``linearize``.

Example::

    def f(x):
        return np.sin(x) * x
    y, y_dot = adc.jvp(f, (x,), (v,))     # f(x) and J(x) @ v, in one pass
    adc.jacfwd(f)(x)                      # shape f(x).shape + x.shape
    y, f_lin = adc.linearize(f, x)        # f_lin(v) == jvp(f, (x,), (v,))[1]

A ``JvpFunction`` is a ``GradFunction`` (same parsing, bindings, caching
and variants per kind of arguments) whose compile path is
``compile_jvp``: the stages of reverse mode with ``transforms.forward`` in
place of ``transforms.reverse``.  Its compiled function takes the primals
(and the globals it reads) followed by one tangent per ``wrt`` argument
and returns ``(output, output_dot)``.  ``jacfwd`` calls that one compiled
function once per basis vector of the input (cost: n forward passes for
an input of n numbers; never a recompilation per column).
"""
from __future__ import annotations

import numpy as np

from .api import GradFunction, _kind as api_kind, _source_note
from . import cache, pickling
from .compiled import Arguments, Request, ResultLayout
from .errors import ADError, BackendError, add_note
from .frontend.bindings import is_data
from .pipeline import compile_graph
from .outputs import check_output
from .pytree import is_node, tree_flatten, tree_paths, tree_unflatten
from .runtime import cast_like

__all__ = ["jvp", "jacfwd", "linearize", "JvpFunction", "compile_jvp"]


def compile_jvp(gf, kinds):
    """The forward-mode variant of ``gf`` for arguments of ``kinds``: the
    pipeline in mode ``"fwd"`` (pipeline.py: the same build and prepare
    passes as reverse mode, then ``forward`` and its finishing passes)."""
    if gf.backend not in ("python", "numba"):
        raise BackendError(f"backend={gf.backend!r} is not supported for forward mode (jvp); "
                           "use 'python' or 'numba'", **gf._where_kw())
    return compile_graph(gf.ir, gf._request(kinds))


class JvpFunction(GradFunction):
    """The compiled forward mode of ``fn`` with respect to ``wrt``:
    ``self.call(args, tangents)`` -> ``(fn(*args), J @ tangents)``."""

    emit_suffix = "jvp"

    def _compile(self, kinds):
        return compile_jvp(self, kinds)

    def __reduce__(self):                  # (pickling.py: by reference, rebuilt as a jvp)
        return pickling.reduce_gradient(self, _rebuild_jvp)

    def _request(self, kinds):
        """Forward mode of this function for arguments of ``kinds``: the
        result is ``(value, value_dot)``."""
        n_bound = len(self._bound)
        n_passed = len(self._sig.param_names) if self._sig else len(self.arg_names)
        layout = ResultLayout(tuple(k + n_bound for k in self.wrt), single=self.single)
        return Request("fwd", Arguments(tuple(kinds), n_bound, n_passed), layout, self.backend,
                       self.origin, tuple(self.arg_names))

    def call(self, args, tangents, extra=(), kwargs=None):
        if len(tangents) != len(self.wrt):
            raise TypeError(f"jvp of {self.__name__}: {len(self.wrt)} tangent(s) expected "
                            f"(one per primal), got {len(tangents)}")
        free = self._prologue()
        if free is None:
            free = self._free_values()
        vals = self._bind(list(args), dict(kwargs or {}))
        self._check_wrt(vals)
        names = self._sig.param_names if self._sig else self.arg_names
        for k, t in zip(self.wrt, tangents):
            _check_tangent(vals[k], t, names[k], self._where_kw())
        tangents = [_tangent_like(t, vals[k]) for k, t in zip(self.wrt, tangents)]
        vals = [*self._bound, *vals, *free]
        kinds = tuple(map(_kind, vals))
        v = self._variants.get(kinds + tuple(map(_kind, extra)))
        if v is None:
            if not all(is_data(x) for x in free):
                self._setup()
                return self.call(args, tangents, extra, kwargs)
            v = self.variant(kinds + tuple(map(_kind, extra)))
        self._last = v
        try:
            out, out_dot = v.fn(*vals, *extra, *tangents)
        except ADError as e:
            if e.fn_name is None:
                e.fn_name, e.filename, e.lineno = self.parsed.name, self.parsed.filename, \
                    self.parsed.lineno
                e.args = (e._format(),)
            raise
        except Exception as e:
            note = _source_note(e, v, self.parsed)
            if note:
                add_note(e, note.replace("the gradient of", "the jvp of"))
            raise
        pf = self.parsed
        if out is None and v.layout.tangent_only:      # (the code casts the tangent itself)
            return None, out_dot
        if type(out) is not float:
            check_output(out, pf.name, pf.filename, pf.lineno)
        return out, cast_like(out_dot, out)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"a compiled jvp of {self.__name__} is called with "
                        ".call(primals, tangents); or use adc.jvp(f, primals, tangents)")

    def __repr__(self):
        return f"<ad_compiler jvp of {self.__name__} wrt={self.wrt} backend={self.backend}>"


_kind = api_kind


def _check_tangent(x, t, name, where):
    """The tangent must have the primal's structure and shapes."""
    if is_node(x):
        xl, xs = tree_flatten(x)
        try:
            tl, ts = tree_flatten(t)
        except Exception:
            tl, ts = None, None
        if not is_node(t) or len(tl) != len(xl) or type(t) is not type(x) and not (
                isinstance(t, (list, tuple)) and isinstance(x, (list, tuple))):
            raise ValueError(f"the tangent of '{name}' must have its structure "
                             f"({type(x).__name__} of {len(xl)} leaves), not {type(t).__name__}")
        for (path, a), b in zip(tree_paths(x), tl):
            _check_leaf(a, b, f"{name}{path}")
        return
    _check_leaf(x, t, name)


def _check_leaf(x, t, name):
    if is_node(t) or np.shape(t) != np.shape(x):
        shown = "a container" if is_node(t) else f"shape {np.shape(t)}"
        raise ValueError(f"the tangent of '{name}' has {shown} but '{name}' has shape "
                         f"{np.shape(x)}")
    if np.asarray(t).dtype.kind not in "fiu":
        raise ValueError(f"the tangent of '{name}' must be real floats, not {np.asarray(t).dtype}")


def _tangent_like(t, x):
    """A tangent with the primal's type: float for a Python number, the
    array's float dtype, the container's structure."""
    if is_node(x):
        leaves, rebuild = tree_flatten(x)
        tl = tree_flatten(t)[0]
        return tree_unflatten(rebuild, [_tangent_like(a, b) for a, b in zip(tl, leaves)])
    return cast_like(t, x)


# forward mode over a compiled function (a gradient, a jvp) runs over its
# generated graph: forward_over.py registers that here when ad_compiler is imported
COMPOSE: dict = {}


def _jvp_function(fn, wrt, backend):
    if isinstance(fn, GradFunction) or hasattr(fn, "differentiable_graph"):
        return COMPOSE["fwd"](fn, wrt=wrt, backend=backend)
    return _memo_jvp(fn, wrt=wrt, backend=backend)


def _rebuild_jvp(how, what, opts):
    """A pickled jvp function, rebuilt in the receiving process."""
    opts = dict(opts)
    for k in ("has_aux", "return_value", "freeze_globals", "cache"):
        opts.pop(k, None)
    return _memo_jvp(pickling.function_of(how, what, JvpFunction), **opts)


def _memo_jvp(fn, **opts):
    key = ("jvp",) + tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                                  for k, v in opts.items()))
    try:
        hash(key)
    except TypeError:
        return JvpFunction(fn, **opts)
    return cache.memoized(fn, key, lambda: JvpFunction(fn, **opts))


def jvp(fn, primals=None, tangents=None, *, wrt=0, backend="python"):
    """``(fn(*primals), J @ tangents)``: the Jacobian-vector product, by
    forward mode.  ``primals`` and ``tangents`` are tuples (or lists) of
    the same length; each tangent has its primal's structure and shapes.
    A tangent of ``None`` holds its primal constant (an integer count, a
    flag).  ``fn`` may be a compiled function (``grad(f)``, a gradient of
    a gradient, a jvp function): forward mode then runs over its generated
    graph (``jvp(grad(f), (x,), (v,))[1]`` is ``H v``).

    ``jvp(fn, wrt=...)`` without primals is the jvp function
    ``(*primals, *tangents) -> J @ tangents`` (one tangent per ``wrt``),
    itself differentiable: ``grad(jvp(f))(x, v)`` is ``H v`` by reverse over
    forward, ``jvp(jvp(f), ...)`` forward over forward."""
    if primals is None and tangents is None:
        return COMPOSE["tangent_function"](fn, wrt, backend)
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp(f, primals, tangents): primals and tangents must be tuples, "
                        "e.g. jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise TypeError(f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s)")
    wrt = tuple(k for k, t in enumerate(tangents) if t is not None)
    if not wrt:
        raise TypeError("jvp: every tangent is None; give the tangent of at least one primal")
    jf = _jvp_function(fn, wrt, backend)
    return jf.call(tuple(primals), _param_tangents(jf, primals, tangents))


def _param_tangents(jf, primals, tangents):
    """The tangents of the compiled function's parameters: the caller's,
    and for a ``*args`` parameter the tuple of its items' (zeros for the
    items given None)."""
    if jf._sig is None or jf._sig.star is None:
        return tuple(tangents[k] for k in jf.wrt)
    n = len(jf._sig.names)
    out = []
    for p in jf.wrt:
        if p == n:
            out.append(tuple(_zero_tangent(a) if t is None else t
                             for a, t in zip(primals[n:], tangents[n:])))
        else:
            out.append(tangents[p])
    return tuple(out)


def _basis(x):
    """The tangents e_0, e_1, ... of ``x`` (a number, an array or a pytree
    of them), one per scalar, in C order of the flattened leaves."""
    leaves, rebuild = tree_flatten(x) if is_node(x) else ([x], None)
    sizes = [int(np.size(l)) for l in leaves]
    for j, leaf in enumerate(leaves):
        for i in range(sizes[j]):
            parts = []
            for k, other in enumerate(leaves):
                z = np.zeros(np.shape(other), dtype=np.result_type(other, np.float32)
                             if np.asarray(other).dtype.kind == "f" else np.float64)
                if k == j:
                    z.reshape(-1)[i] = 1.0
                parts.append(z if np.ndim(other) else float(z) if type(other) is float
                             else z[()])
            yield parts[0] if rebuild is None else tree_unflatten(rebuild, parts)


def jacfwd(fn, wrt=0, *, backend="python"):
    """The Jacobian of ``fn`` with respect to argument ``wrt`` (an index or
    name, or a tuple of them: a tuple of Jacobians), by forward mode:
    ``jacfwd(f)(x)`` has shape ``f(x).shape + x.shape`` (a number in or out
    contributes no axes).  One compiled jvp, called once per number of the
    differentiated arguments (n calls for n inputs)."""
    single = not isinstance(wrt, (tuple, list))
    if hasattr(fn, "jacobian_of"):        # jacfwd(jacfwd(f)), jacfwd(jacrev(f))
        return COMPOSE["jacfwd_of_jacobian"](fn, wrt, backend)

    def jacobian(*args, **kwargs):
        jf = _jvp_function(fn, (wrt,) if single else tuple(wrt), backend)
        vals = jf._bind(list(args), dict(kwargs))
        xs = [vals[k] for k in jf.wrt]
        for k, x in zip(jf.wrt, xs):
            if is_node(x):
                raise TypeError(f"jacfwd: argument '{jf.arg_names[k]}' is a container; "
                                "differentiate with respect to its arrays, or use jvp")
        zeros = [_zero_tangent(x) for x in xs]
        out, jacs = None, []
        for i, x in enumerate(xs):
            cols = []
            for e in _basis(x):
                tangents = zeros[:i] + [e] + zeros[i + 1:]
                out, col = jf.call(tuple(vals), tuple(tangents))
                if is_node(out):
                    raise TypeError(f"jacfwd: {jf.__name__} returns a container; it must "
                                    "return a number or an array")
                cols.append(np.asarray(col))
            jacs.append(_assemble(cols, out, x, fn, jf, vals))
        return jacs[0] if single else tuple(jacs)
    jacobian.__name__ = f"jacfwd_{getattr(fn, '__name__', 'f')}"
    jacobian.jacobian_of = ("fwd", fn, wrt)
    return jacobian


def _assemble(cols, out, x, fn, jf, vals):
    """Columns J e_j stacked into shape out.shape + x.shape."""
    if out is None:                      # x has no numbers: run once for the output's shape
        out = jf.call(tuple(vals), tuple(_zero_tangent(vals[k]) for k in jf.wrt))[0]
    out_shape, x_shape = np.shape(out), np.shape(x)
    if not cols:
        return np.zeros(out_shape + x_shape)
    J = np.stack(cols, axis=-1).reshape(out_shape + x_shape)
    return J if J.shape else float(J)


def linearize(fn, *primals, backend="python"):
    """``(fn(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the
    Jacobian-vector product at ``primals`` (each call runs the compiled
    forward mode again: the primal is recomputed, not stored)."""
    jf = _jvp_function(fn, tuple(range(len(primals))), backend)
    zeros = [_zero_tangent(p) for p in primals]
    out, _ = jf.call(tuple(primals), tuple(zeros))

    def f_jvp(*tangents):
        return jf.call(tuple(primals), tuple(tangents))[1]
    return out, f_jvp


def _zero_tangent(x):
    from .rules.tangents import tangent_zero
    return tangent_zero(x) if not isinstance(x, (int, float)) else 0.0
