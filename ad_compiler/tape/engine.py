"""The backward pass: an iterative topological sort of the ``grad_fn`` graph,
then one sweep from the root that sums each node's incoming cotangents
before calling its rules.

Example: ``z = x * y; z.backward()`` with x, y leaves
    order       [MulBackward0, AccumulateGrad(x), AccumulateGrad(y)]
    cotangents  {MulBackward0: 1.0} -> {Acc(x): y, Acc(y): x}
    result      x.grad == y, y.grad == x;  MulBackward0 freed (retain_graph=False)

No recursion anywhere, so a chain of 100000 operations is fine.
"""
from __future__ import annotations

import numpy as np

__all__ = ["backward", "topological_order"]

NO_GRAD_MSG = "element 0 of tensors does not require grad and does not have a grad_fn"
SCALAR_MSG = "grad can be implicitly created only for scalar outputs"


def topological_order(root):
    """Every node reachable from ``root`` through ``next_functions``, each
    before all the nodes it feeds (root first).  Iterative depth-first search."""
    post, seen = [], {root}
    stack = [(root, iter(root.next_functions))]
    while stack:
        node, children = stack[-1]
        for fn, _ in children:
            if fn is not None and fn not in seen:
                seen.add(fn)
                stack.append((fn, iter(fn.next_functions)))
                break
        else:
            stack.pop()
            post.append(node)
    post.reverse()
    return post


def _seed(tensor, gradient):
    if gradient is None:
        if tensor.data.size != 1:
            raise RuntimeError(SCALAR_MSG)
        return np.ones(tensor.shape, dtype=_float_dtype(tensor.data))
    g = np.asarray(getattr(gradient, "data", gradient))
    if g.shape != tensor.shape:
        raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {g.shape} "
                           f"and output[0] has a shape of {tensor.shape}.")
    return g.astype(_float_dtype(tensor.data), copy=False)


def _float_dtype(a):
    return a.dtype if a.dtype.kind in "fc" else np.float64


def backward(tensor, gradient=None, retain_graph=None):
    """Accumulate d(tensor)/d(leaf), contracted with ``gradient``, into the
    ``.grad`` of every leaf that requires grad (and every tensor that called
    ``retain_grad()``)."""
    if not tensor.requires_grad:
        raise RuntimeError(NO_GRAD_MSG)
    root = tensor.grad_fn if tensor.grad_fn is not None else tensor._grad_node()
    cotangents = {}
    _add_cotangent(cotangents, root, tensor._output_nr, _seed(tensor, gradient))
    for node in topological_order(root):
        g = cotangents.pop(node, None)
        if g is None:
            continue
        for (fn, nr), g_in in zip(node.next_functions, node.apply(g)):
            if fn is not None and g_in is not None:
                _add_cotangent(cotangents, fn, nr, g_in)
        if not retain_graph:
            node.release()


def _add_cotangent(cotangents, fn, nr, g):
    """Sum ``g`` into the cotangent of result ``nr`` of ``fn`` (a tuple, with
    None for results without one, when ``fn`` has several results)."""
    n = getattr(fn, "n_outputs", 1)
    prev = cotangents.get(fn)
    if n == 1:
        cotangents[fn] = g if prev is None else prev + g
    else:
        parts = list(prev) if prev is not None else [None] * n
        parts[nr] = g if parts[nr] is None else parts[nr] + g
        cotangents[fn] = tuple(parts)
