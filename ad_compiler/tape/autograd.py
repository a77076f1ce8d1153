"""``torch.autograd``'s two entry points, ``backward`` and ``grad``, and
``grad_of``, the compiler's ``grad`` contract computed by the tape.

Example::

    x = tensor([1., 2.], requires_grad=True)
    (gx,) = grad((x ** 3).sum(), x)    # tensor([ 3., 12.]); x.grad stays None
    backward([y1, y2], [None, v])      # one sweep, even through shared nodes
    grad_of(poly)(2.0)                 # 93.0: ad_compiler.grad's contract, on the tape

All three run the one engine (``engine.backward``), which calls the rule table.
"""
from __future__ import annotations

import inspect
import warnings

import numpy as np

from . import engine, tensors
from .tensors import Tensor

__all__ = ["backward", "grad", "grad_of"]

UNUSED_MSG = ("One of the differentiated Tensors appears to not have been used in the graph. "
              "Set allow_unused=True if this is the desired behavior.")


def _seq(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]

FLOAT_MSG = ("{name} turned a Tensor that requires grad into a Python float {n} time(s) "
             "(math.*, float(), .item(), .tolist(), or storing it into a NumPy array): as in PyTorch, no "
             "gradient flows through those values, so the tape's gradient leaves them out")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulate the gradients of ``tensors`` (seeded with ``grad_tensors``)
    into the leaves' ``.grad``, in a single sweep (recorded, so it can be
    differentiated again, with ``create_graph``)."""
    tensors = _seq(tensors)
    grads = _seq(grad_tensors) if grad_tensors is not None else [None] * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    engine.backward(tensors, grads, retain_graph, create_graph=create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple of
    tensors, without touching any ``.grad``.  With ``create_graph`` the
    backward pass is recorded (the results have a ``grad_fn``), so they can
    be differentiated again; ``retain_graph`` then defaults to True."""
    if retain_graph is None:
        retain_graph = create_graph
    outputs, inputs = _seq(outputs), _seq(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _seq(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    found = engine.backward(outputs, grads, retain_graph, inputs=inputs,
                            create_graph=create_graph)
    if not allow_unused and any(g is None for g in found):
        raise RuntimeError(UNUSED_MSG)
    return tuple(None if g is None else _recorded_like(g, t) if isinstance(g, Tensor)
                 else Tensor(_like(g, t)) for g, t in zip(found, inputs))


def _recorded_like(g, t):
    """A cotangent computed with create_graph, in ``t``'s shape (still recorded)."""
    if g.shape != t.shape:
        g = tensors.record(np.broadcast_to, g, t.shape)
    return g


def _like(g, t):
    dtype = t.dtype if t.dtype.kind in "fc" else np.float64
    return np.array(np.broadcast_to(g, t.shape), dtype=dtype)


def grad_of(f, wrt=0):
    """``ad_compiler.grad``'s contract, computed by the tape: ``grad_of(f)(x, y)``
    is d f / d x as a NumPy array (a float for a Python scalar); ``wrt`` takes
    ints or parameter names, a tuple of them gives a tuple of gradients;
    ``seed=v`` is the cotangent of a non-scalar output; an output that does
    not depend on the arguments (``for i in range(0)``) gives zeros, as the
    compiler does.  For running one plain NumPy function through both the
    compiler and the tape."""
    names = list(inspect.signature(f).parameters)
    single = not isinstance(wrt, (tuple, list))
    argnums = [names.index(w) if isinstance(w, str) else w for w in ([wrt] if single else wrt)]

    def gradient(*original, seed=None):
        args, leaves = list(original), []
        for k in argnums:
            value = np.asarray(args[k])
            if value.dtype.kind not in "fc":
                value = value.astype(np.float64)
            leaves.append(Tensor(np.array(value), requires_grad=True))
            args[k] = leaves[-1]
        floats = []
        tensors._FLOAT_WATCH.append(floats)
        try:
            out = f(*args)
        finally:
            tensors._FLOAT_WATCH.pop()
        if floats:
            warnings.warn(FLOAT_MSG.format(name=getattr(f, "__name__", "f"), n=len(floats)),
                          UserWarning, stacklevel=2)
        if isinstance(out, Tensor) and out.requires_grad:
            found = grad(out, leaves, grad_outputs=seed, allow_unused=True)
        else:       # no path from the arguments to the output (on this input): zeros,
            found = [None] * len(leaves)    # as ad_compiler.grad gives
        result = []
        for k, g, leaf in zip(argnums, found, leaves):
            g = np.zeros_like(leaf.data) if g is None else g.data
            result.append(float(g) if isinstance(original[k], (int, float)) else g)
        return result[0] if single else tuple(result)

    return gradient
