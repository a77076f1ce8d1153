"""The compiler's pipeline: its passes, by name and in order.

Example: the first call of ``adc.grad(f)(x)`` with an array ``x`` runs::

    parsed = parse(f)                               # frontend (when grad(f) is made)
    graph = build_graph(parsed, Bindings())         # build -> dead_raises -> simplify
    compiled = compile_graph(graph, request)        # split_aux -> iteration -> activity
                                                    #   -> reverse -> specialise -> same_shape
                                                    #   -> reduce_first -> simplify -> twice
                                                    #   -> contract -> accumulate -> stack_shapes -> dce -> reuse
                                                    #   -> emit -> lower
    compiled.fn(x, None)                            # (value, grad_x)

``passes(mode)`` is that list as data: each ``Pass`` maps a graph to a
graph, given the ``Job`` (the request, and what earlier passes found: the
active values).  The mode chooses the differentiation passes
(``DIFFERENTIATE[mode]``); the passes before and after are shared, so a
forward mode is one more entry there.  ``compile_graph`` takes any graph,
the output of an earlier compilation included, which is how a transform is
applied to its own result.

The graph is checked (``ir.verify``) after the passes marked ``verify``
and, in debug mode (``AD_COMPILER_DEBUG=1``, or ``debug=True``), after
every pass, so a pass that breaks an invariant is named at once.
"""
from __future__ import annotations

import contextlib
import gc
import os
from dataclasses import dataclass
from typing import Callable

from . import cache
from .backend import dispatch
from .backend.emit import emit_function
from .compiled import CompiledFunction, Request
from .errors import BackendError
from .ir import ops
from .ir.build import build
from .ir.nodes import Var
from .ir.verify import verify
from .ir.walk import definitions
from .transforms.accumulate import accumulate_in_place
from .transforms.contract import contract_products
from .transforms.activity import activity
from .transforms.aux import split_aux
from .transforms.dead_raises import keep_dead_raises
from .transforms.forward import drop_primal_output, drop_scalar_helpers, forward
from .transforms.iteration import resolve_iteration
from .transforms.reduce_first import reduce_first
from .transforms.reuse import reuse_buffers
from .transforms.reverse import reverse
from .transforms.same_shape import drop_same_shape
from .transforms.shapes import stack_shapes_only
from .transforms.simplify import dce, simplify
from .transforms.ranks import infer_ranks
from .transforms.specialize import known_scalars, specialize_scalars
from .transforms.twice import move_doublings

__all__ = ["Pass", "Job", "BUILD", "PREPARE", "DIFFERENTIATE", "FINISH", "passes", "debug_mode",
           "build_graph", "compile_graph", "run_passes", "describe", "lower",
           "collector_paused"]


@dataclass(frozen=True)
class Pass:
    """A named pass: ``run(graph, job) -> graph``; ``verify``: check the
    graph after it even outside debug mode; ``doc``: what it does and what
    it leaves true (docs/pipeline.md lists them)."""
    name: str
    run: Callable
    verify: bool = False
    doc: str = ""


class Job:
    """One compilation: the ``request``, and the facts passes record for
    later ones (``params``: the primal's parameters, ``active``: the values
    on a path from ``wrt`` to the output)."""

    def __init__(self, request: Request):
        self.request = request
        self.params = ()
        self.active = None
        self.pure = None           # the joint graph before the in-place rewrites
        self.scalars, self.arrays = (), {}     # what specialise knew of the parameters
        self.numbers = frozenset()             # and of the values: those that are numbers

    @property
    def name(self):
        return self.request.origin.fn_name


def debug_mode():
    """Whether to verify the graph after every pass (``AD_COMPILER_DEBUG``)."""
    return os.environ.get("AD_COMPILER_DEBUG", "") not in ("", "0")


def run_passes(g, pass_list, job, debug=None):
    """``g`` through ``pass_list`` in order, verified as each pass asks (or
    after every pass in debug mode)."""
    debug = debug_mode() if debug is None else debug
    for p in pass_list:
        g = p.run(g, job)
        if p.verify or debug:
            verify(g)
    return g


# -- once per function: the simplified primal graph --------------------------------------------
BUILD = (
    Pass("dead_raises", lambda g, job: keep_dead_raises(g),
         doc="marks unused user operations that may raise (`escape`), so DCE keeps what "
             "Python would run"),
    Pass("simplify", lambda g, job: simplify(g), verify=True,
         doc="constant and branch folding, CSE, DCE, loop-invariant code motion"),
)


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector off while a graph is built or
    compiled, and back on after (if it was on).  A compilation makes tens of
    thousands of objects that all stay alive until it ends, so every
    collection meanwhile walks them for nothing: 1.3-2 ms of a 30 ms cold
    compile.  Nothing cyclic is lost: the next collection finds it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def build_graph(parsed, bindings, debug=None):
    """The SSA graph of a parsed function, verified and simplified
    (``bindings`` records the globals it reads; see frontend/bindings.py)."""
    with collector_paused():
        g = verify(build(parsed, bindings))
        return run_passes(g, BUILD, None, debug)


# -- once per kind of arguments: the differentiated graph --------------------------------------
def _split_aux(g, job):
    return split_aux(g, job.name) if job.request.layout.has_aux else g


def _aux_value(g):
    """The primal output of a graph whose result is ``(output, aux)``."""
    out = g.blocks[-1].term.value
    for ins in g.instructions():
        if ins.out == out and len(ins.args) == 2:
            return ins.args[0]
    return out


def _activity(g, job):
    job.params = g.entry.params
    out = _aux_value(g) if job.request.layout.has_aux else g.blocks[-1].term.value
    job.active = activity(g, [job.params[k] for k in job.request.wrt], out)
    return g


def _reverse(g, job):
    req = job.request
    return reverse(g, req.wrt, job.active, job.name, has_aux=req.layout.has_aux,
                   remat="pure" if req.backend == "cuda" else "cheap",
                   sequence_params=req.arguments.params_of_kind(job.params, "q", "d"))


def _forward(g, job):
    req = job.request
    g = forward(g, req.wrt, job.active, job.name,
                sequence_params=req.arguments.params_of_kind(job.params, "q", "d"))
    return drop_primal_output(g) if req.layout.tangent_only else g


def _specialise(g, job):
    args = job.request.arguments
    scalars, arrays = args.params_of_kind(job.params, "s"), args.array_ranks(job.params)
    if job.request.mode == "fwd":       # a tangent parameter per wrt, of its primal's kind
        tangents = g.entry.params[len(job.params):]
        scalars += [t for t, k in zip(tangents, job.request.wrt) if args.kinds[k] == "s"]
        arrays.update({t: int(args.kinds[k][1:]) for t, k in zip(tangents, job.request.wrt)
                       if args.kinds[k][:1] == "a" and args.kinds[k][1:].isdigit()})
    job.scalars, job.arrays = scalars, arrays
    param_ranks = {p: 0 for p in scalars}
    param_ranks.update(arrays)
    # the ranks hold for the specialised graph too: it only loses the shape helpers of
    # numbers, and a renamed value keeps its rank (0); same_shape reads them again
    job.ranks = infer_ranks(g, param_ranks)
    job.numbers = job.ranks.scalars()
    return specialize_scalars(g, scalars, arrays, job.numbers)


def _same_shape(g, job):
    ranks = {p: 0 for p in job.scalars}
    ranks.update(job.arrays)
    return drop_same_shape(g, ranks, job.ranks)


def _drop_scalar_helpers(g, job):
    return drop_scalar_helpers(g, known_scalars(g, job.scalars, job.arrays))


def _reuse(g, job):
    if job.request.backend != "python":
        return g
    return reuse_buffers(g, job.numbers)      # known before specialise: a subset now


def _python_only(rewrite):
    """A rewrite into helpers of the python backend's own (no rules, no Numba
    twins), after the graph a gradient of the gradient differentiates."""
    def run(g, job):
        if job.request.backend != "python":
            return g
        ranks = getattr(job, "ranks", None)
        return rewrite(g, job.numbers, {} if ranks is None else ranks.known)
    return run


def _primal_slice(g, job):
    """The values the returned value (and aux) are computed from: rewrites
    that round differently (an einsum for a sum of products) leave them as
    written, so the value is the function's own, to the last bit."""
    out = g.blocks[-1].term.value
    defs = definitions(g)
    d = defs.get(out)
    if d is None or d.fn is not ops.make_tuple:
        return frozenset(defs)                    # not the joint layout: keep all
    incoming = g.incoming()
    todo = [a for a in d.args[:len(d.args) - len(job.request.wrt)] if isinstance(a, Var)]
    seen = set(todo)
    while todo:
        v = todo.pop()
        ins = defs.get(v)
        srcs = ins.operands() if ins is not None else incoming.get(v, ())
        for a in srcs:
            if isinstance(a, Var) and a not in seen:
                seen.add(a)
                todo.append(a)
    return frozenset(seen)


def _keep_pure(g, job):
    """Record ``g``, the joint graph before ``accumulate`` makes updates in
    place: a gradient of the gradient (nested.py) differentiates it."""
    job.pure = g
    return g


PREPARE = (
    Pass("split_aux", _split_aux,
         doc="`has_aux`: the returned operand becomes `make_tuple(value, aux)` on every path"),
    Pass("iteration", lambda g, job: resolve_iteration(g, job.request.arguments.kinds),
         doc="a loop over a parameter known to be an array or a number loses its "
             "`iteration_keys` call"),
)
DIFFERENTIATE = {
    "rev": (Pass("activity", _activity,
                 doc="records the active values (depend on `wrt`, reach the output); the "
                     "graph is unchanged"),
            Pass("reverse", _reverse, verify=True,
                 doc="the joint graph: the primal, then the adjoint mirroring its control "
                     "flow; returns `(value, [aux], grads...)`")),
    "fwd": (Pass("activity", _activity,
                 doc="as for reverse mode: what carries a tangent"),
            Pass("forward", _forward, verify=True,
                 doc="the forward-mode graph: `x_dot` beside `x` through the same control "
                     "flow, no stacks; parameters `(*params, *tangents)`, returns "
                     "`(value, value_dot)`")),
}
SUFFIX = {"rev": "grad", "fwd": "jvp"}    # the emitted function's name: f_grad, f_jvp
FINISH = (
    Pass("specialise", _specialise,
         doc="folds what the argument kinds decide (scalars, array ranks)"),
    Pass("same_shape", _same_shape,
         doc="`unbroadcast(g, x)` becomes `g` where g provably has x's shape (same-shape "
             "classes: elementwise ops, cotangents, loop-carried values)"),
    Pass("reduce_first", lambda g, job: reduce_first(g, job.numbers),
         doc="`unbroadcast(-g, a)` becomes `-unbroadcast(g, a)` (and so for a product by a "
             "known number): the sum first, then the smaller negation"),
    Pass("simplify", lambda g, job: _keep_pure(simplify(g), job), verify=True,
         doc="as above, on the joint graph (kept: what `grad` of this gradient differentiates)"),
    Pass("twice", _python_only(lambda g, numbers, ranks: move_doublings(g, numbers)),
         doc="python backend: `u + u` of a float cotangent becomes u with the 2 moved to its "
             "smallest linear operand (the cotangent an `unreduce` broadcasts, a known number)"),
    Pass("contract", lambda g, job: _python_only(
        lambda g, numbers, ranks: contract_products(g, numbers, ranks,
                                                    exact=_primal_slice(g, job)))(g, job),
         doc="python backend: `np.sum(a * b, axis)` and `unbroadcast(a * b, x)` become one "
             "einsum each (`sum_of_products`, `unbroadcast_product`: no product array); "
             "`np.einsum` is planned when large; what the returned value is computed "
             "from stays as written (an einsum rounds otherwise)"),
    Pass("accumulate", lambda g, job: accumulate_in_place(g, job.request.backend == "python"),
         doc="indexed cotangents added in place into arrays the adjoint owns"),
    Pass("stack_shapes", lambda g, job: stack_shapes_only(g),
         doc="a loop stacks only the shape of a value whose adjoint reads only its shape"),
    Pass("dce", lambda g, job: dce(g), verify=True,
         doc="drops what the rewrites above left unused"),
    Pass("reuse", lambda g, job: _reuse(g, job),
         doc="python backend: an elementwise result written into an operand the gradient "
             "allocated and reads no more but for its shape (`add_into(0, t1, b1)`)"),
)


FINISH_FWD = (
    Pass("specialise", _specialise,
         doc="as above; the tangents have their primals' kinds"),
    Pass("simplify", lambda g, job: simplify(g), verify=True, doc="as above"),
    Pass("scalar_tangents", lambda g, job: dce(simplify(_drop_scalar_helpers(g, job))),
         verify=True,
         doc="`broadcast_like`/`tangent_zero` of known numbers become the number / 0.0, so "
             "scalar loops carry plain floats"),
)
FINISHES = {"rev": FINISH, "fwd": FINISH_FWD}


def passes(mode="rev", prepared=False):
    """The graph passes of a compilation in ``mode``, in order (``prepared``:
    the graph is already past PREPARE, as another compilation's is)."""
    if mode not in DIFFERENTIATE:
        raise ValueError(f"unknown mode {mode!r}: one of {tuple(DIFFERENTIATE)}")
    return (() if prepared else PREPARE) + DIFFERENTIATE[mode] + FINISHES[mode]


def describe(mode="rev"):
    """The pass list of ``mode`` as Markdown (docs/pipeline.md holds it)."""
    rows = ["| stage | pass | what it does | verified after |", "|---|---|---|---|",
            "| parse | `frontend.parse` | source → gast, names resolved, unsupported syntax "
            "rejected (file:line) |  |",
            "| build | `ir.build` | gast → SSA graph with block arguments | yes |"]
    stages = [("build", BUILD), ("prepare", PREPARE), (f"differentiate ({mode})",
              DIFFERENTIATE[mode]), ("finish" if mode == "rev" else f"finish ({mode})",
                                     FINISHES[mode])]
    for stage, pass_list in stages:
        for p in pass_list:
            rows.append(f"| {stage} | `{p.name}` | {p.doc} | {'yes' if p.verify else ''} |")
    rows += ["| emit | `backend.emit` | graph → Python source, imported from the cache |  |",
             "| lower | `backend.dispatch` | `backend=\"numba\"`/`\"cuda\"`: the backend's "
             "runner |  |"]
    return "\n".join(rows) + "\n"


def compile_graph(graph, request, debug=None, prepared=False):
    """``graph`` (a built primal graph) compiled as ``request`` asks: the
    passes of its mode, then emit (Python source, imported from the cache)
    and lower (the backend's runner, for ``backend != "python"``)."""
    job = Job(request)
    with collector_paused():
        joint = run_passes(graph, passes(request.mode, prepared), job, debug)
        name = f"{graph.name}_{SUFFIX[request.mode]}"
        emitted = emit_function(joint, name, joint.arg_names)
        module, path = cache.load_module(name, emitted.source, emitted.globals)
    compiled = CompiledFunction(request, getattr(module, name), emitted.source, joint, path,
                                pure_graph=joint if job.pure is None else job.pure,
                                python_lines=emitted.lines)
    if request.backend == "python":
        return compiled
    return lower(compiled)


def lower(compiled):
    """``compiled`` with the runner of its backend (Numba, CUDA)."""
    req = compiled.request
    containers = [req.arg_names[k - req.arguments.n_bound] for k in req.wrt
                  if req.arguments.n_bound <= k < req.arguments.n_bound + len(req.arg_names)
                  and req.arguments.kinds[k] in ("q", "d")]
    if containers:
        raise BackendError(
            f"backend={req.backend!r} cannot differentiate with respect to a tuple, "
            f"list or dict ('{containers[0]}'): pass its arrays as separate "
            "arguments, or use backend='python'", **req.origin.kw())
    return CompiledFunction(req, compiled.python_fn, compiled.python_source,
                            compiled.python_graph, compiled.python_path,
                            pure_graph=compiled.pure_graph, python_lines=compiled.python_lines,
                            lowered=dispatch.lower(compiled))
