"""``grad`` of a gradient: differentiate the gradient's generated graph again.

Example::

    def f(x):                 df = grad(f)            d2f = grad(df)
        return x ** 3         df.source: f_grad       d2f.source: f_grad_grad
                              (3 x**2)                (6 x)

``grad(df)`` does not wrap ``df`` and does not take finite differences: it
takes the SSA graph that ``df`` emitted for these kinds of arguments (the
joint graph ``f_grad(x, seed)``, from before the in-place rewrites of
``transforms/accumulate.py``), turns it back into an ordinary function of
``f``'s parameters (the inner seed is ``None``: the output's own cotangent
1; the result is the gradient alone), and runs the whole reverse pipeline
on that graph.  Every helper the gradient's code calls has a rule
(``rules/runtime_helpers.py``) and the loop tape's pushes and pops have
adjoints (``transforms/reverse_stacks.py``), so the result is again one
readable generated function, and ``grad`` nests to any depth.

Another transform's compiled function (forward mode's jvp) composes the same
way if it provides what ``GradFunction`` does (``parsed``, ``arg_names``,
``ir``, ``_setup``...) and ``differentiable_graph(kinds)``: the SSA graph
of the function of its caller's arguments to differentiate.

``seed=`` of the outer gradient is the cotangent of the inner gradient:
``grad(grad(f))(x, seed=v)`` is the Hessian-vector product ``H v``.
"""
from __future__ import annotations

import os
from dataclasses import replace

from . import api, cache
from .api import GradFunction, _unbuilt, location_of
from .errors import WrtError
from .ir import ops
from .ir.nodes import Block, Const, Loc, Return
from .ir.verify import verify
from .transforms.simplify import simplify, substitute

__all__ = ["OfCompiled", "NestedGrad", "nested_grad", "memo_on_inner", "frozen_gradient", "gradient_as_function"]


def gradient_as_function(joint, name):
    """The joint graph ``f_grad(*params, seed) -> (out, grad)`` of a gradient
    with one ``wrt`` as the graph of ``name(*params) -> grad`` (seed None)."""
    seed = joint.entry.params[-1]
    blocks = []
    for b in joint.blocks:
        instrs = tuple(_user_locations(b.instrs, joint.filename))
        term = b.term
        if isinstance(term, Return):
            result = next(i for i in b.instrs if i.out == term.value)
            assert result.fn is ops.make_tuple and len(result.args) == 2, result
            term = Return(result.args[1])
        params = b.params[:-1] if b is joint.entry else b.params
        blocks.append(Block(b.label, params, instrs, term))
    g = replace(joint, blocks=tuple(blocks), name=name, arg_names=joint.arg_names[:-1])
    g = substitute(g, {seed: Const(None)})
    return verify(simplify(g))


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _user_locations(instrs, filename):
    """The instructions without their comments (the reverse pass makes them
    again from locations), each inlined rule's instruction given the user's
    line its comment named (``# line 3: ...``), not the rule's own line, so
    the second derivative's comments and errors point at the user's code."""
    current = None
    for ins in instrs:
        if ins.fn is ops.comment:
            text = ins.args[0].value if ins.args and isinstance(ins.args[0], Const) else ""
            if text.startswith("line "):
                line, _, src = text[len("line "):].partition(": ")
                if line.isdigit():
                    current = Loc(filename, int(line), src)
            continue
        loc = ins.loc
        if loc is None or _compiler_file(loc.filename):
            ins = replace(ins, loc=current)
        yield ins


def _compiler_file(filename):
    """Whether ``filename`` is the compiler's own (a rule module, or a rule
    derived into the cache), not the user's."""
    path = os.path.abspath(filename)
    return path.startswith(_PACKAGE) or path.startswith(os.path.abspath(cache.cache_dir()))


class OfCompiled:
    """What a compiled function of a compiled function (a gradient of a
    gradient, forward mode over a gradient: forward_over.py) reads from the
    one inside, ``self.inner``: its parameters, bindings, location and the
    globals it reads."""

    def _setup(self):
        inner = self.inner
        if getattr(self, "_ir", None) is not None:   # a binding changed: the inner recompiles too
            inner._setup()
        self.parsed = inner.parsed
        self._loc = location_of(inner)            # (origin: where f is defined)
        self._front_digest = None                 # (never stored on disk: see cache/entries.py)
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
        self._prologue = _unbuilt
        self._variants = {}
        self._last = None

    @property
    def ir(self):
        """The graph of the function the inner one differentiates (``f``'s SSA graph)."""
        if self._ir is None:
            self._ir = self.inner.ir
            self._bindings, self._prologue = self.inner._bindings, self.inner._prologue
        return self._ir

    def _free_values(self):
        return self.inner._free_values()


class NestedGrad(OfCompiled, GradFunction):
    """The gradient of a ``GradFunction`` (itself possibly nested)."""

    def __init__(self, inner, wrt=0, has_aux=False, backend="python", return_value=False):
        self.inner = inner                 # (pickled by reference: __reduce__)
        pf = inner.parsed
        where = dict(fn_name=pf.name, filename=pf.filename, lineno=pf.lineno)
        if not getattr(inner, "single", True):
            raise WrtError(f"grad of a gradient needs the inner gradient to have one wrt "
                           f"(it has wrt={inner._wrt_spec!r}); take the gradient of each", **where)
        if getattr(inner, "has_aux", False) or getattr(inner, "return_value", False):
            raise WrtError("grad of a gradient needs a plain gradient inside (not has_aux=True or "
                           "value_and_grad)", **where)
        if has_aux:
            raise WrtError("has_aux=True: a gradient returns no auxiliary value", **where)
        super().__init__(inner, wrt, False, backend, return_value,
                         freeze_globals=inner.freeze_globals)
        self.__name__ = f"{inner.__name__}_grad"

    def _primal_graph(self, kinds):
        own = getattr(self.inner, "differentiable_graph", None)
        if own is not None:          # another transform's function (a jvp): its own graph
            return own(kinds)
        pure = self.inner.variant(kinds).pure_graph
        return gradient_as_function(pure, pure.name + "_grad")

    def __reduce__(self):
        """By the inner gradient (itself pickled by reference) and the options."""
        return nested_grad, (self.inner, self._wrt_spec, self.has_aux, self.backend,
                             self.return_value)

    def __repr__(self):
        return (f"<ad_compiler gradient of {self.inner!r} wrt={self.wrt} "
                f"backend={self.backend}>")


def frozen_gradient(inner, wrt, backend):
    """``grad(inner, wrt)`` for device code: every level specialised on the
    values of the globals it reads (a kernel cannot take them as arguments)."""
    def frozen(gf):
        if isinstance(gf, NestedGrad):
            return NestedGrad(frozen(gf.inner), gf._wrt_spec)
        return GradFunction(gf.fn, gf._wrt_spec, has_aux=gf.has_aux, freeze_globals=True)
    return NestedGrad(frozen(inner), wrt, backend=backend)


def nested_grad(inner, wrt=0, has_aux=False, backend="python", return_value=False):
    """``grad(inner)`` for a ``GradFunction`` ``inner``, memoized on ``inner``
    like ``grad`` is on a function: asking twice gives the same object."""
    key = (tuple(wrt) if isinstance(wrt, list) else wrt, has_aux, backend, return_value)
    return memo_on_inner(inner, key, lambda: NestedGrad(inner, wrt, has_aux, backend,
                                                        return_value))


def memo_on_inner(inner, key, make):
    """``make()`` kept on the compiled function ``inner`` under ``key`` (so a
    compiled function of it lives as long as it does); unhashable options
    (a list of lists for wrt) get a new object each time."""
    try:
        hash(key)
    except TypeError:
        return make()
    table = inner.__dict__.setdefault("_nested", {})
    if key not in table:
        table[key] = make()
    return table[key]


api.COMPOSE["grad"] = nested_grad
