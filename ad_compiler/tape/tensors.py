"""``Tensor``: a NumPy array that records the calls made on it.

Example::

    x = tensor([1., 2.], requires_grad=True)
    y = np.exp(x) * 3          # np.exp -> __array_ufunc__ -> record(np.exp, x)
    y.sum().backward()         # x.grad == tensor([ 8.1548, 22.1672])

Every operation goes through :func:`record`, which calls the primal on the
raw arrays and, when an input requires grad, stores a ``grad_fn`` holding
``ad_compiler.rules.lookup(primal)``: the tape has no derivative formulas
of its own, it runs the compiler's rules.
"""
from __future__ import annotations

import operator
import warnings
import weakref

import numpy as np

from ..errors import NoRuleError
from ..ir import ops as ir_ops
from ..rules import lookup
from ..rules.registry import primal_name
from . import engine
from .function import AccumulateGrad, node_class, torch_name
from .grad_mode import is_grad_enabled

__all__ = ["Tensor", "record", "as_tensor"]

LEAF_INPLACE_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
NONLEAF_FLAG_MSG = ("you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
FLOAT_ONLY_MSG = "only Tensors of floating point and complex dtype can require gradients"
NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor.")


# grad_of pushes a list here while it runs f: every Tensor that requires grad
# and is turned into a Python float (math.sin(t), out[i] = t on a NumPy array)
_FLOAT_WATCH: list = []


def _unwrap(a):
    if isinstance(a, Tensor):
        return a.data
    if type(a) in (list, tuple) and any(isinstance(x, Tensor) for x in a):
        return type(a)(_unwrap(x) for x in a)
    return a


def _requires_grad(a):
    if isinstance(a, Tensor):
        return a.requires_grad
    if type(a) in (list, tuple):
        return any(_requires_grad(x) for x in a)
    return False


def _wrap(ans):
    if isinstance(ans, (np.ndarray, np.generic)):
        return Tensor(np.asarray(ans))
    if isinstance(ans, tuple) and any(isinstance(x, np.ndarray) for x in ans):
        return tuple(_wrap(x) for x in ans)
    return ans


def _can_carry_grad(ans):
    if isinstance(ans, (np.ndarray, np.generic, float, complex)):
        return np.asarray(ans).dtype.kind in "fc"
    return isinstance(ans, (tuple, list)) and any(_can_carry_grad(a) for a in ans)


def record(primal, *args, name=None, **kwargs):
    """Call ``primal`` on the raw arrays of ``args``; when any argument
    requires grad (and grad mode is on), give the result a ``grad_fn`` that
    differentiates it with ``lookup(primal)``.  ``name`` overrides the
    PyTorch-style class name's stem (``"Relu"`` -> ``ReluBackward0``)."""
    raw = tuple(_unwrap(a) for a in args)
    raw_kw = {k: _unwrap(v) for k, v in kwargs.items()}
    ans = primal(*raw, **raw_kw)
    if not is_grad_enabled() or not (any(map(_requires_grad, args))
                                     or any(map(_requires_grad, kwargs.values()))):
        return _wrap(ans)
    rule = lookup(primal)
    if rule is None and not _can_carry_grad(ans):    # shapes, counts, booleans
        return _wrap(ans)
    if rule is None:
        raise NoRuleError(f"no derivative rule for {primal_name(primal)}")
    if rule.nondiff:
        return _wrap(ans)
    for key, v in kwargs.items():
        if _requires_grad(v):
            raise NoRuleError(f"{rule.name}: pass the differentiable argument {key!r} "
                              "positionally")
    inputs, saved = [], []         # inputs: ((k, j), producer node, its output number)
    for k, a in enumerate(args):
        items = a if type(a) in (list, tuple) else None
        saved.extend(t for t in (items or (a,)) if isinstance(t, Tensor))
        if rule.vjp(k) is None:                    # no rule for this argument
            if _requires_grad(a):
                raise NoRuleError(f"no derivative rule for argument {k} of {rule.name}")
            continue
        if items is None:
            inputs.append(((k, None), *_producer(a)))
        elif _requires_grad(items):                # np.concatenate([a, b]): one per item
            inputs.extend(((k, j), *_producer(t)) for j, t in enumerate(items))
    if all(fn is None for _, fn, _ in inputs):    # only non-differentiable slots need grad
        return _wrap(ans)
    if name is None:
        cls_name = torch_name(primal, raw, raw_kw, [isinstance(a, Tensor) for a in args])
    else:
        cls_name = name + "Backward0"
    if rule.returns_tuple(*raw, **raw_kw):
        kind = type(ans)                     # tuple, list (np.split), namedtuple (svd)
        ans = tuple(np.asarray(a) for a in ans)
        node = node_class(cls_name)(rule, raw, raw_kw, ans, inputs, saved, len(ans))
        results = [Tensor(a, _grad_fn=node, _output_nr=i) for i, a in enumerate(ans)]
        if hasattr(kind, "_fields"):
            return kind(*results)
        return results if kind is list else tuple(results)
    ans = np.asarray(ans)
    node = node_class(cls_name)(rule, raw, raw_kw, ans, inputs, saved)
    return Tensor(ans, _grad_fn=node)


def _producer(a):
    if _requires_grad(a):
        return a._grad_node(), a._output_nr
    return None, 0


class _TensorHook:
    """A hook registered on a tensor, called by the engine with the gradient
    as an array: passes it on as a ``Tensor``."""

    def __init__(self, hook):
        self.hook = hook

    def __call__(self, g):
        return self.hook(Tensor(np.asarray(g)))


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _format(a):
    opts = dict(separator=", ", precision=4, floatmode="maxprec_equal",
                formatter={"bool": str})
    if a.ndim == 0:
        return np.array2string(a.reshape(1), **opts)[1:-1]
    return np.array2string(a, prefix="tensor(", **opts)


class Tensor:
    """A NumPy array with PyTorch's autograd attributes: ``requires_grad``,
    ``grad``, ``grad_fn``, ``is_leaf``, ``backward()``.  Use
    :func:`ad_compiler.tape.tensor` to build one from data (it copies)."""

    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, *, _grad_fn=None, _output_nr=0):
        self.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        self.grad_fn = _grad_fn
        self._output_nr = _output_nr          # which result of a multi-result grad_fn
        self._requires_grad = _grad_fn is not None
        self._grad = None
        self._accumulator = None
        self._version = 0
        if requires_grad:
            self.requires_grad = True

    # -- autograd attributes ------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if not self.is_leaf:
            if value:
                return
            raise RuntimeError(NONLEAF_FLAG_MSG)
        if value and self.data.dtype.kind not in "fc":
            raise RuntimeError(FLOAT_ONLY_MSG)
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        return not self.is_leaf and self._output_nr in self.grad_fn._retained

    @property
    def grad(self):
        if not self.is_leaf and not self.retains_grad and self._grad is None:
            warnings.warn(NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            value = as_tensor(value)
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has data of a different size: "
                                   f"{value.shape} vs {self.shape}")
        self._grad = value

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor during backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if not self.is_leaf:
            self.grad_fn._retain(self._output_nr, weakref.ref(self))

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate gradients of this tensor into the leaves' ``.grad``.
        ``gradient`` is the cotangent (needed unless the tensor has one element)."""
        if create_graph:
            raise NotImplementedError("create_graph=True (higher-order gradients) is not "
                                      "supported by the tape; use ad_compiler.grad")
        engine.backward([self], [gradient], retain_graph)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a
        non-None return value replaces the gradient.  Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        hooks = self._grad_node()._hooks.setdefault(self._output_nr, [])
        on_array = _TensorHook(hook)             # the engine passes arrays; the hook sees a Tensor
        hooks.append(on_array)
        return _HookHandle(hooks, on_array)

    def detach(self):
        """The same data (shared, like PyTorch), cut off from the graph."""
        return Tensor(self.data)

    def detach_(self):
        self.grad_fn, self._output_nr = None, 0
        self._requires_grad = False
        return self

    def _grad_node(self):
        if self.grad_fn is not None:
            return self.grad_fn
        if self._accumulator is None:
            self._accumulator = AccumulateGrad(self)
        return self._accumulator

    def _accumulate_grad(self, g):
        g = np.asarray(g)
        if self._grad is None:
            dtype = self.data.dtype if self.data.dtype.kind in "fc" else np.float64
            self._grad = Tensor(np.array(np.broadcast_to(g, self.shape), dtype=dtype))
        else:
            self._grad.data += g

    # -- array facts ------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self):
        return self.data.ndim

    def numel(self):
        return self.data.size

    def __len__(self):
        return len(self.data)

    def item(self):
        if self.requires_grad and _FLOAT_WATCH:     # a Python number: the path ends here
            _FLOAT_WATCH[-1].append(self)
        if self.data.size != 1:
            raise RuntimeError(f"a Tensor with {self.data.size} elements cannot be "
                               "converted to Scalar")
        return self.data.item()

    def tolist(self):
        if self.requires_grad and _FLOAT_WATCH:     # Python numbers: the path ends here
            _FLOAT_WATCH[-1].append(self)
        return self.data.tolist()

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def __float__(self):
        return float(self.item())                   # (item() tells grad_of's watch)

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        return bool(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    __hash__ = object.__hash__

    def __repr__(self):
        extra = []
        if self.data.dtype not in (np.float64, np.int64, np.bool_):
            extra.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extra.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + ", ".join([_format(self.data)] + extra) + ")"

    # -- the NumPy protocol: np.exp(t), np.sum(t), arr * t all record -------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or "out" in kwargs:
            return NotImplemented
        return record(ufunc, *inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return record(func, *args, **kwargs)

    def __ad_function__(self, func, args, kwargs):
        """The same protocol for callables of the rule table that NumPy does not
        dispatch (``stop_gradient``, ``custom_vjp`` functions): they may call
        this when an argument has it, so the tape records ``func`` as one step."""
        return record(func, *args, **kwargs)

    # -- operators ------------------------------------------------------------------
    def __add__(self, o): return record(operator.add, self, o)
    def __radd__(self, o): return record(operator.add, o, self)
    def __sub__(self, o): return record(operator.sub, self, o)
    def __rsub__(self, o): return record(operator.sub, o, self)
    def __mul__(self, o): return record(operator.mul, self, o)
    def __rmul__(self, o): return record(operator.mul, o, self)
    def __truediv__(self, o): return record(operator.truediv, self, o)
    def __rtruediv__(self, o): return record(operator.truediv, o, self)
    def __pow__(self, o): return record(operator.pow, self, o)
    def __rpow__(self, o): return record(operator.pow, o, self)
    def __matmul__(self, o): return record(operator.matmul, self, o)
    def __rmatmul__(self, o): return record(operator.matmul, o, self)
    def __neg__(self): return record(operator.neg, self)
    def __pos__(self): return record(operator.pos, self)
    def __abs__(self): return record(operator.abs, self)
    def __lt__(self, o): return record(operator.lt, self, o)
    def __le__(self, o): return record(operator.le, self, o)
    def __gt__(self, o): return record(operator.gt, self, o)
    def __ge__(self, o): return record(operator.ge, self, o)
    def __eq__(self, o): return record(operator.eq, self, o)
    def __ne__(self, o): return record(operator.ne, self, o)
    def __getitem__(self, idx): return record(operator.getitem, self, _unwrap(idx))

    # -- in place: only outside the graph (parameter updates under no_grad) -------
    def _inplace(self, op, other):
        if is_grad_enabled() and self.requires_grad:
            if self.is_leaf:
                raise RuntimeError(LEAF_INPLACE_MSG)
            raise RuntimeError("in-place operations on tensors that are part of a graph "
                               "are not supported by the tape; use the out-of-place op")
        if _requires_grad(other) and is_grad_enabled():
            raise RuntimeError("in-place operations with an operand that requires grad "
                               "are not supported by the tape")
        op(self.data, _unwrap(other), out=self.data, casting="same_kind")
        self._version += 1
        return self

    def __iadd__(self, o): return self._inplace(np.add, o)
    def __isub__(self, o): return self._inplace(np.subtract, o)
    def __imul__(self, o): return self._inplace(np.multiply, o)
    def __itruediv__(self, o): return self._inplace(np.divide, o)
    def add_(self, o, alpha=1): return self._inplace(np.add, _unwrap(o) * alpha)
    def sub_(self, o, alpha=1): return self._inplace(np.subtract, _unwrap(o) * alpha)
    def mul_(self, o): return self._inplace(np.multiply, o)
    def zero_(self): return self.fill_(0)
    def fill_(self, v): return self._inplace(lambda a, b, **kw: np.copyto(a, b), v)

    def __setitem__(self, idx, value):
        """``out[idx] = value``, in place.  When ``out`` or ``value`` requires grad,
        ``out`` becomes the result of a ``CopySlices`` node (as in PyTorch): its
        cotangent goes to ``value`` at ``idx`` and to the old ``out`` elsewhere."""
        idx = _unwrap(idx)
        if not is_grad_enabled() or not (self.requires_grad or _requires_grad(value)):
            self.data[idx] = _unwrap(value)
            self._version += 1
            return
        if self.is_leaf and self.requires_grad:
            raise RuntimeError(LEAF_INPLACE_MSG)
        before = Tensor(self.data.copy(), _grad_fn=self.grad_fn, _output_nr=self._output_nr)
        after = record(ir_ops.setitem, before, idx, value)
        after.grad_fn.__class__ = node_class("CopySlices")
        self.data[idx] = after.data[idx]
        self.grad_fn, self._output_nr, self._requires_grad = after.grad_fn, 0, True
        self._version += 1

