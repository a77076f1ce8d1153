"""``grad_fn`` objects: one node per recorded call, holding the rule that
differentiates it (the compiler's rule, from ``ad_compiler.rules``).

Example: ``y = x * 2`` on a tape Tensor ``x`` records
    y.grad_fn                 -> <MulBackward0 object at 0x...>
    y.grad_fn.next_functions  -> ((<AccumulateGrad object at 0x...>, 0), (None, 0))
    backward with cotangent g -> lookup(operator.mul).vjp(0)(g, y.data, x.data, 2)

Node classes are named after PyTorch's (``AddBackward0``, ``MeanBackward1``,
``MmBackward0``...); the name is the only thing a class adds, so
``type(y.grad_fn).__name__ == y.grad_fn.name()``.
"""
from __future__ import annotations

import numpy as np

from ..rules.registry import primal_name

__all__ = ["Node", "AccumulateGrad", "node_class", "torch_name", "FREED_GRAPH_MSG"]

# the rules run on Tensors for backward(create_graph=True): tape/higher_order.py
# (built on tensors.py, above this module) registers its runner here
ON_TENSORS: dict = {}

FREED_GRAPH_MSG = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the "
    "graph are freed when you call .backward() or autograd.grad(). Specify "
    "retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward.")

MODIFIED_MSG = (
    "one of the variables needed for gradient computation has been modified by an "
    "inplace operation: {} is at version {}; expected version {} instead.")


class Node:
    """A recorded call ``ans = primal(*args, **kwargs)``.

    ``next_functions`` has one ``(fn, output_nr)`` pair per input the rule can
    differentiate (per item, for a sequence argument such as
    ``np.concatenate``'s), ``fn`` being the producer's node
    (``AccumulateGrad`` for a leaf) or ``None`` when that input needs no
    gradient.  A multi-result primitive (``np.linalg.eigh``) has
    ``n_outputs > 1`` and receives a tuple of cotangents, ``None`` for unused results.
    """

    def __init__(self, rule, args, kwargs, ans, inputs, saved_tensors=(), n_outputs=1):
        self._rule = rule
        self._args = args                  # raw NumPy values, as the primal got them
        self._kwargs = kwargs
        self._ans = ans
        self._slots = tuple(slot for slot, _, _ in inputs)   # (argument k, item j or None)
        self.next_functions = tuple((fn, nr) for _, fn, nr in inputs)
        self.n_outputs = n_outputs
        # in-place changes to a saved input would silently corrupt its gradient
        self._versions = () if rule.linear else tuple(
            (t, t._version) for t in saved_tensors)
        self._freed = False
        self._tensor_args = self._tensor_kwargs = None   # the Tensors, for create_graph=True
        self._retained = {}                # output_nr -> weakref of a tensor that retains grad
        self._hooks = {}                   # output_nr -> [hook(grad) -> new grad or None]

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def _retain(self, output_nr, ref):
        self._retained[output_nr] = ref

    def apply(self, g, create_graph=False):
        """Cotangents for ``next_functions``, given the cotangent ``g`` of the output
        (with ``create_graph``, computed on Tensors and recorded: higher_order.py)."""
        if self._freed:
            raise RuntimeError(FREED_GRAPH_MSG)
        for t, version in self._versions:
            if t._version != version:
                raise RuntimeError(MODIFIED_MSG.format(
                    f"a tensor of shape {t.shape}", t._version, version))
        out, per_arg = [], {}
        for (k, j), (fn, _) in zip(self._slots, self.next_functions):
            if fn is None:
                out.append(None)
                continue
            if k not in per_arg and create_graph:
                per_arg[k] = ON_TENSORS["run_rule"](self, k, g)
            elif k not in per_arg:
                per_arg[k] = self._rule.vjp(k)(g, self._ans, *self._args, **self._kwargs)
            out.append(per_arg[k] if j is None else per_arg[k][j])
        return out

    def release(self):
        """Free what backward saved (``retain_graph=False``).  A linear rule
        only needs the *shapes* of the arguments it differentiates, so those
        become zero-strided placeholders and the node stays usable, like
        PyTorch's ``AddBackward0``, which saves no tensors."""
        if self._freed:
            return
        if self._rule.linear:
            diff = {k for k, _ in self._slots}
            self._args = tuple(_placeholder(a) if k in diff else a
                               for k, a in enumerate(self._args))
            self._ans = _placeholder(self._ans)
        else:
            self._args = self._kwargs = self._ans = None
            self._tensor_args = self._tensor_kwargs = None
            self._versions = ()
            self._freed = True


def _placeholder(a):
    if isinstance(a, np.ndarray) and a.ndim:
        return np.broadcast_to(np.zeros((), a.dtype), a.shape)
    if type(a) in (list, tuple):
        return type(a)(_placeholder(x) for x in a)
    return a


class AccumulateGrad:
    """The node of a leaf tensor that requires grad: adds the cotangent it
    receives into ``variable.grad``."""

    next_functions = ()
    n_outputs = 1

    def __init__(self, variable):
        self.variable = variable
        self._hooks = {}

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def apply(self, g, create_graph=False):
        self.variable._accumulate_grad(g)
        return []

    def release(self):
        pass


# -- PyTorch's class names ---------------------------------------------------------
_BASE_NAMES = {
    "operator.add": "Add", "np.add": "Add",
    "operator.sub": "Sub", "np.subtract": "Sub",
    "operator.mul": "Mul", "np.multiply": "Mul",
    "operator.truediv": "Div", "np.divide": "Div", "np.true_divide": "Div",
    "operator.pow": "Pow", "pow": "Pow", "np.power": "Pow", "np.square": "Pow",
    "operator.neg": "Neg", "np.negative": "Neg",
    "operator.pos": "Pos", "np.positive": "Pos",
    "operator.abs": "Abs", "abs": "Abs", "np.absolute": "Abs", "np.abs": "Abs",
    "operator.matmul": "Matmul", "np.matmul": "Matmul",
    "np.dot": "Dot", "np.ndarray.dot": "Dot",
    "np.sum": "Sum", "np.ndarray.sum": "Sum",
    "np.mean": "Mean", "np.ndarray.mean": "Mean",
    "np.max": "Max", "np.amax": "Max", "np.ndarray.max": "Max",
    "np.min": "Min", "np.amin": "Min", "np.ndarray.min": "Min",
    "np.prod": "Prod", "np.ndarray.prod": "Prod",
    "np.clip": "Clamp", "np.ndarray.clip": "Clamp",
    "np.transpose": "Permute", "np.ndarray.transpose": "Permute",
    "np.reshape": "View", "np.ndarray.reshape": "View",
    "np.maximum": "Maximum", "np.minimum": "Minimum", "np.where": "Where",
    "np.concatenate": "Cat", "np.stack": "Stack",
}


def torch_name(primal, args, kwargs, is_tensor) -> str:
    """PyTorch's ``grad_fn`` class name for ``primal(*args, **kwargs)``;
    ``is_tensor[k]`` says whether argument ``k`` was a Tensor."""
    key, base = _base_name(primal)
    variant = 0
    scalar = lambda k: not is_tensor[k] and np.ndim(args[k]) == 0   # noqa: E731
    if base in ("Sum", "Mean", "Prod"):
        variant = int(_axis(args, kwargs) is not None)
    elif base in ("Max", "Min"):
        variant = int(_axis(args, kwargs) is None)
    elif base == "Clamp":
        variant = 1
    elif base == "Sub" and scalar(0):
        base, variant = "Rsub", 1
    elif base == "Pow" and len(args) == 2:
        variant = 2 if scalar(0) else (0 if scalar(1) else 1)
    elif base in ("Matmul", "Dot") and len(args) >= 2:
        base = {(2, 2): "Mm", (1, 1): "Dot", (2, 1): "Mv", (3, 3): "Bmm"}.get(
            (np.ndim(args[0]), np.ndim(args[1])), "Matmul")
    elif key == "operator.getitem":
        base = _index_name(args[1])
    return f"{base}Backward{variant}"


_BASE_CACHE: dict = {}


def _base_name(primal):
    try:
        return _BASE_CACHE[primal]
    except (KeyError, TypeError):
        pass
    key = primal_name(primal)
    base = _BASE_NAMES.get(key)
    if base is None:                       # np.linalg.eigh -> LinalgEigh, np.cumsum -> Cumsum
        parts = key.split(".")[1:] if key.startswith("np.") else key.split(".")[-1:]
        parts = [p for p in parts if p != "ndarray"]
        base = "".join(w.capitalize() for p in parts for w in p.split("_"))
    try:
        _BASE_CACHE[primal] = key, base
    except TypeError:
        pass
    return key, base


def _axis(args, kwargs):
    return kwargs.get("axis", args[1] if len(args) > 1 else None)


def _index_name(idx):
    parts = idx if isinstance(idx, tuple) else (idx,)
    if all(isinstance(p, (int, np.integer)) for p in parts):
        return "Select"
    if all(isinstance(p, (int, np.integer, slice, type(None), type(Ellipsis))) for p in parts):
        return "Slice"
    return "Index"


_CLASSES: dict = {}


def node_class(name: str) -> type:
    """The Node subclass called ``name`` (created once, then reused)."""
    cls = _CLASSES.get(name)
    if cls is None:
        cls = _CLASSES[name] = type(name, (Node,), {"__module__": __name__,
                                                    "__doc__": f"PyTorch's {name}."})
    return cls
