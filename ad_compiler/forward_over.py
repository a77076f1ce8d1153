"""Forward mode over a compiled function: ``jvp``/``jacfwd`` of a gradient
(or of a gradient of a gradient, or of a jvp).

Example::

    g = adc.grad(f)                       # f_grad(x, seed) -> (f(x), df/dx)
    adc.jvp(g, (x,), (v,))                # (df/dx, H v): forward over reverse
    adc.jacfwd(g)(x)                      # the Hessian, x.size calls of one f_grad_jvp

``ForwardOver(g)`` is a ``JvpFunction`` whose graph is not parsed from
source: it is the SSA graph ``g`` generated for these kinds of arguments
(``CompiledFunction.pure_graph``, from before the in-place rewrites),
turned into an ordinary function of ``g``'s caller's arguments as
``nested.gradient_as_function`` does (the seed ``None``, the result the
gradient alone), then compiled by the pipeline in mode ``"fwd"`` with
``prepared=True``.  The runtime helpers reverse code calls have forward
rules (``rules/helpers_forward.py``) and a loop stack that receives a value
with a tangent gets a tangent stack beside it, so the result is one
generated function, ``f_grad_jvp``, compiled once per kind of arguments.

With ``seeded=True`` the gradient's ``seed`` stays a parameter (after the
globals), so ``jacfwd(jacrev(f))`` of a function with an array output
differentiates each row ``grad(f)(x, seed=e_i)`` by forward mode.

A ``JvpFunction`` (forward mode of ``f``) has ``differentiable_graph``:
its graph as the function ``(*params, *tangents) -> output_dot`` with the
tangents moved before the globals, so ``grad`` of it (reverse over forward,
``nested.NestedGrad``) and forward over it (``jacfwd(jacfwd(f))``) see an
ordinary function whose caller passes ``(*primals, *tangents)``.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import forward_api
from .api import GradFunction
from .compiled import Arguments, Request, ResultLayout
from .errors import WrtError
from .forward_api import JvpFunction
from .ir import ops
from .ir.nodes import Block, Return
from .ir.verify import verify
from .nested import OfCompiled, _user_locations, gradient_as_function, memo_on_inner
from .pipeline import compile_graph
from .transforms.simplify import simplify

__all__ = ["ForwardOver", "forward_over", "tangent_as_function", "TangentFunction",
           "tangent_function"]


def _seeded_gradient(joint, name):
    """The joint graph ``f_grad(*params, seed) -> (out, grad)`` as the graph
    of ``name(*params, seed) -> grad`` (the seed stays a parameter)."""
    blocks = []
    for b in joint.blocks:
        term = b.term
        if isinstance(term, Return):
            result = next(i for i in b.instrs if i.out == term.value)
            assert result.fn is ops.make_tuple and len(result.args) == 2, result
            term = Return(result.args[1])
        blocks.append(Block(b.label, b.params, tuple(_user_locations(b.instrs, joint.filename)),
                            term))
    return verify(simplify(replace(joint, blocks=tuple(blocks), name=name)))


def tangent_as_function(fwd, n_params, n_passed, n_tangents, name):
    """The forward-mode graph ``f_jvp(*params, *tangents) -> (out, out_dot)``
    (``params``: bound, passed, then ``n_params - n_passed`` globals) as the
    graph of ``name(*passed..., *tangents, *globals) -> out_dot``: what a
    caller of the jvp function passes, in that order, then the globals."""
    entry = fwd.entry
    ps, ts = entry.params[:n_params], entry.params[n_params:n_params + n_tangents]
    params = ps[:n_passed] + ts + ps[n_passed:]
    blocks = []
    for b in fwd.blocks:
        term = b.term
        if isinstance(term, Return):
            result = next(i for i in b.instrs if i.out == term.value)
            assert result.fn is ops.make_tuple and len(result.args) == 2, result
            term = Return(result.args[1])
        instrs = tuple(_user_locations(b.instrs, fwd.filename))
        blocks.append(Block(b.label, params if b is entry else b.params, instrs, term))
    names = tuple(fwd.arg_names[:n_passed]) + tuple(
        fwd.arg_names[n_params:n_params + n_tangents]) + tuple(fwd.arg_names[n_passed:n_params])
    return verify(simplify(replace(fwd, blocks=tuple(blocks), name=name, arg_names=names)))


class ForwardOver(OfCompiled, JvpFunction):
    """Forward mode over ``inner`` (a ``GradFunction``, a ``NestedGrad``, or
    anything with ``differentiable_graph(kinds)``): ``self.call(args,
    tangents)`` -> ``(inner(*args), d inner(*args) . tangents)``."""

    def __init__(self, inner, wrt=0, backend="python", seeded=False, tangent_only=False):
        self.inner = inner
        self.seeded = seeded
        self.tangent_only = tangent_only     # call returns (None, tangent): hvp
        pf = inner.parsed
        where = dict(fn_name=pf.name, filename=pf.filename, lineno=pf.lineno)
        if isinstance(inner, GradFunction) and not hasattr(inner, "differentiable_graph"):
            if not getattr(inner, "single", True):
                raise WrtError(f"forward mode over a gradient needs the gradient to have one "
                               f"wrt (it has wrt={inner._wrt_spec!r}); take the jvp of each",
                               **where)
            if inner.has_aux or inner.return_value:
                raise WrtError("forward mode over a gradient needs a plain gradient (not "
                               "has_aux=True or value_and_grad)", **where)
        super().__init__(inner, wrt, False, backend, False, freeze_globals=inner.freeze_globals)
        self.__name__ = f"{inner.__name__}_grad" if not hasattr(
            inner, "differentiable_graph") else f"{inner.__name__}_dot"

    def _graph(self, kinds):
        own = getattr(self.inner, "differentiable_graph", None)
        if own is not None:
            return own(kinds)
        inner_kinds = kinds[:-1] if self.seeded else kinds
        pure = self.inner.variant(inner_kinds).pure_graph
        if self.seeded:
            return _seeded_gradient(pure, pure.name + "_grad")
        return gradient_as_function(pure, pure.name + "_grad")

    def _request(self, kinds):
        n_bound = len(self._bound)
        n_passed = len(self._sig.param_names) if self._sig else len(self.arg_names)
        layout = ResultLayout(tuple(k + n_bound for k in self.wrt), single=self.single,
                              tangent_only=self.tangent_only)
        return Request("fwd", Arguments(tuple(kinds), n_bound, n_passed), layout,
                       self.backend, self.origin, tuple(self.arg_names))

    def _compile(self, kinds):
        return compile_graph(self._graph(tuple(kinds)), self._request(kinds), prepared=True)

    def __reduce__(self):
        """By the inner compiled function (itself pickled by reference) and the options."""
        return forward_over, (self.inner, self._wrt_spec, self.backend, self.seeded,
                              self.tangent_only)

    def call_seeded(self, args, seed, tangents):
        """``call`` with the inner gradient's ``seed`` (``seeded=True``)."""
        return self.call(args, tangents, extra=(seed,))

    def __repr__(self):
        return f"<ad_compiler jvp of {self.inner!r} wrt={self.wrt} backend={self.backend}>"


def forward_over(inner, wrt=0, backend="python", seeded=False, tangent_only=False):
    """``ForwardOver(inner, ...)``, memoized on ``inner``: asking twice gives
    the same compiled object."""
    key = ("fwd", tuple(wrt) if isinstance(wrt, list) else wrt, backend, seeded, tangent_only)
    return memo_on_inner(inner, key, lambda: ForwardOver(inner, wrt, backend, seeded,
                                                         tangent_only))


def _differentiable_graph(jf, kinds):
    """``JvpFunction.differentiable_graph``: the jvp of ``jf`` for the caller's
    arguments ``(*primals, *tangents)`` of ``kinds`` (plus the globals')."""
    n_bound = len(jf._bound)
    n_passed = len(jf._sig.param_names) if jf._sig else len(jf.arg_names)
    n_t = len(jf.wrt)
    head, free = kinds[:n_bound + n_passed], kinds[n_bound + n_passed + n_t:]   # (tangents between)
    fwd = jf.variant(head + free).pure_graph
    return tangent_as_function(fwd, len(head + free), n_bound + n_passed, n_t,
                               fwd.name + "_dot")


forward_api.COMPOSE["fwd"] = forward_over
forward_api.COMPOSE["differentiable_graph"] = _differentiable_graph


class TangentFunction:
    """The forward mode of ``fn`` as an ordinary function of the primals and
    the tangents: ``tf(*primals, *tangents)`` -> ``J @ tangents`` (the output's
    tangent alone), one tangent per ``wrt`` argument, after all the primals.
    ``grad(tf)`` differentiates it by reverse mode (reverse over forward:
    ``grad(tf)(x, v)`` of a scalar ``fn`` is ``H v``), ``jvp``/``jacfwd`` by
    forward mode (forward over forward), both over its generated graph."""

    single, has_aux, return_value = True, False, False

    def __init__(self, fn, wrt=0, backend="python"):
        self.jf = forward_api._jvp_function(fn, tuple(wrt) if isinstance(wrt, (tuple, list))
                                            else (wrt,), backend)
        jf = self.jf
        pf = jf.parsed
        if jf._sig is not None:
            raise WrtError("the jvp function of a function with *args or **kwargs cannot be "
                           "differentiated again; give it plain parameters", fn_name=pf.name,
                           filename=pf.filename, lineno=pf.lineno)
        self.parsed = pf
        self.arg_names = list(jf.arg_names) + [f"{jf.arg_names[k]}_dot" for k in jf.wrt]
        self._bound, self._sig, self._defaults = jf._bound, None, {}
        self.freeze_globals = jf.freeze_globals
        self.backend = backend
        self.__name__ = f"{jf.__name__}_jvp"
        self.emit_name = self.__name__

    @property
    def ir(self):
        return self.jf.ir

    @property
    def _bindings(self):
        return self.jf._bindings

    @property
    def _prologue(self):
        return self.jf._prologue

    def _setup(self):
        self.jf._setup()

    def _free_values(self):
        return self.jf._free_values()

    def differentiable_graph(self, kinds):
        return _differentiable_graph(self.jf, kinds)

    def __call__(self, *args):
        n = len(self.jf.arg_names)
        if len(args) != n + len(self.jf.wrt):
            raise TypeError(f"{self.__name__}() takes the {n} primal(s) then "
                            f"{len(self.jf.wrt)} tangent(s) ({', '.join(self.arg_names)}); "
                            f"got {len(args)} arguments")
        return self.jf.call(tuple(args[:n]), tuple(args[n:]))[1]

    def __repr__(self):
        return f"<ad_compiler jvp function of {self.jf.__name__} wrt={self.jf.wrt}>"


def tangent_function(fn, wrt=0, backend="python"):
    """``TangentFunction(fn, wrt)``, memoized on ``fn`` (a function, or a
    compiled one: ``jvp(grad(f))`` is ``(x, v) -> H v``)."""
    from . import cache
    key = ("tangent_fn", tuple(wrt) if isinstance(wrt, list) else wrt, backend)
    if isinstance(fn, GradFunction) or hasattr(fn, "differentiable_graph"):
        table = fn.__dict__.setdefault("_nested", {})
        if key not in table:
            table[key] = TangentFunction(fn, wrt, backend)
        return table[key]
    return cache.memoized(fn, key, lambda: TangentFunction(fn, wrt, backend))




def _columns(x):
    """The unit tangents of the array or number ``x``, in C order."""
    return list(forward_api._basis(x))


def jacfwd_of_jacobian(jac, wrt=0, backend="python"):
    """``jacfwd(J, wrt)`` for ``J = jacfwd(f, w)`` or ``J = jacrev(f, w)``: the
    derivative of ``J(*args)`` with respect to argument ``wrt``, shape
    ``J.shape + x.shape``.  ``jacfwd(jacfwd(f))``: forward over forward, one
    compiled ``f_jvp_dot_jvp`` (forward mode over the jvp function's graph)
    called once per pair of basis tangents; ``jacfwd(jacrev(f))``: forward
    over reverse, each row ``grad(f)(x, seed=e_i)`` differentiated by one
    compiled ``f_grad_jvp`` that keeps the seed as a parameter."""
    kind, fn, w = jac.jacobian_of
    if kind not in ("fwd", "rev"):
        raise TypeError(f"jacfwd of {getattr(jac, '__name__', 'a Jacobian')}: a third "
                        "derivative is taken by nesting grad and jvp (e.g. "
                        "grad(grad(grad(f))) or jacfwd(grad(grad(f, seed...)))), not jacfwd "
                        "of a Jacobian of a Jacobian")
    if isinstance(w, (tuple, list)) or isinstance(wrt, (tuple, list)):
        raise TypeError("jacfwd of a Jacobian takes one wrt at each level (an index or a name)")
    if kind == "fwd":
        tf = tangent_function(fn, w, backend="python")
        k = tf.jf.wrt[0]
        outer = forward_over(tf, wrt=tf.jf._wrt_index(wrt), backend=backend)
    else:
        g = jac.gradient
        k = g.wrt[0]
        scalar = forward_over(g, wrt=g._wrt_index(wrt), backend=backend)
        outer = forward_over(g, wrt=g._wrt_index(wrt), backend=backend, seeded=True)

    def second(*args, **kwargs):
        args = list((tf.jf if kind == "fwd" else g)._bind(list(args), dict(kwargs)))
        j = outer.wrt[0]
        x, y = args[k], args[j]
        for name, a in ((k, x), (j, y)):
            if forward_api.is_node(a):
                raise TypeError(f"jacfwd of a Jacobian: argument {name} is a container; "
                                "differentiate with respect to its arrays")
        out_shape = np.shape(fn(*args))
        cols = _columns(y)
        if kind == "fwd":
            rows = [[np.asarray(outer.call(tuple(args) + (e,), (c,))[1]) for c in cols]
                    for e in _columns(x)]
            # rows[a][b]: d/dy_b of (J e_a), shaped like the output
            J = np.array(rows).reshape((np.size(x), np.size(y)) + out_shape)
            J = np.moveaxis(J.reshape((np.size(x) * np.size(y),) + out_shape), 0, -1)
            J = J.reshape(out_shape + np.shape(x) + np.shape(y))
        elif out_shape == ():
            cols_out = [np.asarray(scalar.call(tuple(args), (c,))[1]) for c in cols]
            J = np.stack(cols_out, axis=-1).reshape(np.shape(x) + np.shape(y))
        else:
            seeds = list(forward_api._basis(np.zeros(out_shape)))
            rows = [[np.asarray(outer.call_seeded(tuple(args), e, (c,))[1]) for c in cols]
                    for e in seeds]
            # rows[i][b]: d/dy_b of grad(f)(x, seed=e_i), shaped like x
            J = np.array(rows)                              # (out, y, *x.shape)
            J = np.moveaxis(J, 1, -1).reshape(out_shape + np.shape(x) + np.shape(y))
        return J if J.shape else float(J)

    second.__name__ = f"jacfwd_{getattr(jac, '__name__', 'jacobian')}"
    second.jacobian_of = ("nested", jac, wrt)
    return second


forward_api.COMPOSE["tangent_function"] = tangent_function
forward_api.COMPOSE["jacfwd_of_jacobian"] = jacfwd_of_jacobian
