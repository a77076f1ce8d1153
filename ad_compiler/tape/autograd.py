"""``torch.autograd``'s two entry points: ``backward`` and ``grad``.

Example::

    x = tensor([1., 2.], requires_grad=True)
    (gx,) = grad((x ** 3).sum(), x)    # tensor([ 3., 12.]); x.grad stays None
    backward([y1, y2], [None, v])      # one sweep, even through shared nodes

Both run the one engine (``engine.backward``), which calls the rule table.
"""
from __future__ import annotations

from . import engine
from .tensors import Tensor

__all__ = ["backward", "grad"]

UNUSED_MSG = ("One of the differentiated Tensors appears to not have been used in the graph. "
              "Set allow_unused=True if this is the desired behavior.")


def _seq(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def backward(tensors, grad_tensors=None, retain_graph=None):
    """Accumulate the gradients of ``tensors`` (seeded with ``grad_tensors``)
    into the leaves' ``.grad``, in a single sweep."""
    tensors = _seq(tensors)
    grads = _seq(grad_tensors) if grad_tensors is not None else [None] * len(tensors)
    engine.backward(tensors, grads, retain_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple of
    tensors, without touching any ``.grad``."""
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not "
                                  "supported by the tape; use ad_compiler.grad")
    outputs, inputs = _seq(outputs), _seq(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _seq(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    found = engine.backward(outputs, grads, retain_graph, inputs=inputs)
    if not allow_unused and any(g is None for g in found):
        raise RuntimeError(UNUSED_MSG)
    return tuple(None if g is None else Tensor(_like(g, t)) for g, t in zip(found, inputs))


def _like(g, t):
    import numpy as np
    dtype = t.dtype if t.dtype.kind in "fc" else np.float64
    return np.array(np.broadcast_to(g, t.shape), dtype=dtype)
