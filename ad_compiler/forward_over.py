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

from . import forward_api
from .api import GradFunction, _kind
from .compiled import Arguments, Request, ResultLayout
from .errors import WrtError
from .forward_api import JvpFunction
from .ir import ops
from .ir.nodes import Block, Return
from .ir.verify import verify
from .nested import gradient_as_function
from .pipeline import compile_graph
from .transforms.simplify import simplify

__all__ = ["ForwardOver", "forward_over", "tangent_as_function"]


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
        blocks.append(Block(b.label, b.params, b.instrs, term))
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
        blocks.append(Block(b.label, params if b is entry else b.params, b.instrs, term))
    names = tuple(fwd.arg_names[:n_passed]) + tuple(
        fwd.arg_names[n_params:n_params + n_tangents]) + tuple(fwd.arg_names[n_passed:n_params])
    return verify(simplify(replace(fwd, blocks=tuple(blocks), name=name, arg_names=names)))


class ForwardOver(JvpFunction):
    """Forward mode over ``inner`` (a ``GradFunction``, a ``NestedGrad``, or
    anything with ``differentiable_graph(kinds)``): ``self.call(args,
    tangents)`` -> ``(inner(*args), d inner(*args) . tangents)``."""

    def __init__(self, inner, wrt=0, backend="python", seeded=False):
        self.inner = inner
        self.seeded = seeded
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

    def _setup(self):
        inner = self.inner
        if getattr(self, "_ir", None) is not None:   # a binding changed: the inner recompiles too
            inner._setup()
        self.parsed = inner.parsed
        self.arg_names = inner.arg_names
        self._bound = inner._bound
        self._sig = inner._sig
        self._defaults = inner._defaults
        wrt = self._wrt_spec
        self.single = not isinstance(wrt, (tuple, list))
        self.wrt = tuple(self._wrt_index(w) for w in ((wrt,) if self.single else wrt))
        self._picks = None
        if self._sig is not None:
            self.wrt, self._picks = self._sig.plan(self.wrt, self._where_kw())
        self._ir = None
        self._bindings = None
        self._prologue = inner._prologue
        self._variants = {}
        self._last = None

    @property
    def ir(self):
        """The graph of the function ``inner`` differentiates."""
        if self._ir is None:
            self._ir = self.inner.ir
            self._bindings, self._prologue = self.inner._bindings, self.inner._prologue
        return self._ir

    def _free_values(self):
        return self.inner._free_values()

    def _graph(self, kinds):
        own = getattr(self.inner, "differentiable_graph", None)
        if own is not None:
            return own(kinds)
        inner_kinds = kinds[:-1] if self.seeded else kinds
        pure = self.inner.variant(inner_kinds).pure_graph
        if self.seeded:
            return _seeded_gradient(pure, pure.name + "_grad")
        return gradient_as_function(pure, pure.name + "_grad")

    def _compile(self, kinds):
        n_bound = len(self._bound)
        n_passed = len(self._sig.param_names) if self._sig else len(self.arg_names)
        layout = ResultLayout(tuple(k + n_bound for k in self.wrt), single=self.single)
        request = Request("fwd", Arguments(tuple(kinds), n_bound, n_passed), layout,
                          self.backend, self.origin, tuple(self.arg_names))
        return compile_graph(self._graph(tuple(kinds)), request, prepared=True)

    def call_seeded(self, args, seed, tangents):
        """``call`` with the inner gradient's ``seed`` (``seeded=True``)."""
        return self.call(args, tangents, extra=(seed,))

    def __repr__(self):
        return f"<ad_compiler jvp of {self.inner!r} wrt={self.wrt} backend={self.backend}>"


def forward_over(inner, wrt=0, backend="python", seeded=False):
    """``ForwardOver(inner, ...)``, memoized on ``inner``: asking twice gives
    the same compiled object."""
    key = ("fwd", tuple(wrt) if isinstance(wrt, list) else wrt, backend, seeded)
    try:
        hash(key)
    except TypeError:
        return ForwardOver(inner, wrt, backend, seeded)
    table = inner.__dict__.setdefault("_nested", {})
    if key not in table:
        table[key] = ForwardOver(inner, wrt, backend, seeded)
    return table[key]


def _differentiable_graph(jf, kinds):
    """``JvpFunction.differentiable_graph``: the jvp of ``jf`` for the caller's
    arguments ``(*primals, *tangents)`` of ``kinds`` (plus the globals')."""
    n_bound = len(jf._bound)
    n_passed = len(jf._sig.param_names) if jf._sig else len(jf.arg_names)
    n_t = len(jf.wrt)
    head, tangents, free = (kinds[:n_bound + n_passed], kinds[n_bound + n_passed:
                            n_bound + n_passed + n_t], kinds[n_bound + n_passed + n_t:])
    fwd = jf.variant(head + free).pure_graph
    return tangent_as_function(fwd, len(head + free), n_bound + n_passed, n_t,
                               fwd.name + "_dot")


forward_api.COMPOSE["fwd"] = forward_over
forward_api.COMPOSE["differentiable_graph"] = _differentiable_graph
