"""What the pipeline hands to a backend and to the caller: one compiled variant.

Example: ``adc.value_and_grad(f, wrt=(0, 1), has_aux=True)`` called on two
arrays compiles a joint function whose result tuple is
``(value, aux, grad_x, grad_y)``; its ``CompiledFunction`` records::

    arguments = Arguments(kinds=("a1", "a1"), n_bound=0, n_passed=2)
    layout    = ResultLayout(params=(0, 1), has_aux=True, single=False, return_value=True)
    layout.first_grad == 2;  layout.arrange(res, 2) == ((value, aux), (grad_x, grad_y))

so the backends (which run the joint function) and ``GradFunction`` (which
hands its result to the caller) read one description instead of each
recomputing where the gradients sit.  Nothing here imports a stage of the
compiler: the stages import this.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

__all__ = ["Origin", "Arguments", "ResultLayout", "Request", "CompiledFunction"]


@dataclass(frozen=True)
class Origin:
    """Where the differentiated function is defined (for error messages)."""
    fn_name: str
    filename: str
    lineno: int

    def kw(self):
        """The keyword arguments every ``ADError`` takes to name the function."""
        return dict(fn_name=self.fn_name, filename=self.filename, lineno=self.lineno)


@dataclass(frozen=True)
class Arguments:
    """The values the joint function takes, in order: ``n_bound`` fixed ones
    (a bound method's instance, a ``functools.partial``'s arguments), then
    the ``n_passed`` the caller passes (positional parameters, then the
    ``*args`` tuple and ``**kwargs`` dict), then the globals and closure
    cells read as data.  ``kinds`` has one entry per value: ``"s"`` a
    number, ``"b"`` a bool, ``"a<ndim>"`` an array of that rank (``"a"``:
    unknown rank), ``"q"`` a tuple or list, ``"d"`` a dict."""
    kinds: tuple
    n_bound: int = 0
    n_passed: int = 0

    def params_of_kind(self, params, *kinds):
        """The graph parameters whose argument is one of ``kinds``."""
        return [p for p, k in zip(params, self.kinds) if k in kinds]

    def array_ranks(self, params):
        """``{param: ndim}`` for the parameters that are arrays of known rank."""
        return {p: int(k[1:]) for p, k in zip(params, self.kinds) if k[:1] == "a" and k[1:].isdigit()}


@dataclass(frozen=True)
class ResultLayout:
    """Where things sit in the joint function's result tuple
    ``(value, [aux], grad_1, ..., grad_n)`` and how they reach the caller.

    ``params``: the graph parameter (an index into ``Arguments.kinds``) of
    each gradient, in result order.  ``single``: ``wrt`` was one index or
    name, so the caller gets the gradient itself rather than a 1-tuple.
    ``return_value``: ``value_and_grad``.  ``signature``/``picks``: for a
    function with ``*args``, which item of which gradient each requested
    position is (``arguments.Signature.plan``)."""
    params: tuple
    has_aux: bool = False
    single: bool = True
    return_value: bool = False
    signature: Any = None
    picks: Optional[tuple] = None
    tangent_only: bool = False       # mode "fwd": the result is (None, output_dot)

    @property
    def first_grad(self):
        """Index of the first gradient in the result tuple."""
        return 2 if self.has_aux else 1

    @property
    def n_results(self):
        return self.first_grad + len(self.params)

    def grads(self, res):
        return res[self.first_grad:]

    def arrange(self, res, n_args, origin=None):
        """What the caller gets from the result tuple ``res`` of a call that
        passed ``n_args`` positional arguments."""
        grads = self.grads(res)
        if self.picks is not None:
            grads = self.signature.pick(grads, self.picks, n_args, origin.kw() if origin else {})
        grads = grads[0] if self.single else tuple(grads)
        if self.return_value:
            return ((res[0], res[1]) if self.has_aux else res[0]), grads
        return (grads, res[1]) if self.has_aux else grads


@dataclass(frozen=True)
class Request:
    """What to compile: the differentiation ``mode`` (``"rev"``: the
    joint forward-and-adjoint function), for which arguments, for which
    backend.  ``layout.params`` are the parameters differentiated."""
    mode: str
    arguments: Arguments
    layout: ResultLayout
    backend: str
    origin: Origin
    arg_names: tuple = ()            # the caller's names of the positional parameters

    @property
    def wrt(self):
        return self.layout.params


@dataclass(frozen=True)
class CompiledFunction:
    """One compiled variant: ``fn(*values, seed)`` returns the result tuple
    that ``layout`` describes, for arguments of ``arguments.kinds``.

    ``python_fn``/``python_source``/``python_graph``/``python_path`` are the
    emitted Python function, its source, the joint graph it was emitted
    from and the cache file it was imported from; ``pure_graph`` the joint
    graph before ``accumulate``'s in-place updates (what ``grad`` of this
    gradient differentiates: nested.py).  ``lowered`` is the
    backend's runner (``backend != "python"``), whose ``fn``, ``source``,
    ``graph`` and ``path`` are those of its last specialisation; ``fn``,
    ``source``, ``graph`` and ``path`` read the lowered ones when there
    are."""
    request: Request
    python_fn: Callable
    python_source: str
    python_graph: Any
    python_path: str
    pure_graph: Any = field(default=None, compare=False)   # before the in-place rewrites
    python_lines: dict = field(default_factory=dict, compare=False)  # generated line -> Loc
    lowered: Any = field(default=None, compare=False)

    @property
    def layout(self):
        return self.request.layout

    @property
    def arguments(self):
        return self.request.arguments

    @property
    def origin(self):
        return self.request.origin

    @property
    def fn(self):
        return self.lowered.fn if self.lowered is not None else self.python_fn

    @property
    def source(self):
        return self.lowered.source if self.lowered is not None else self.python_source

    @property
    def lines(self):
        """Generated line -> ``Loc`` of the user's line it came from."""
        return self.lowered.lines if self.lowered is not None else self.python_lines

    @property
    def graph(self):
        return self.lowered.graph if self.lowered is not None else self.python_graph

    @property
    def path(self):
        return self.lowered.path if self.lowered is not None else self.python_path
