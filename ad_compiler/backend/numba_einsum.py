"""``np.einsum`` with constant subscripts on the Numba backend, and its
gradient: Numba has no einsum, so the contraction is written out as loops
when Numba types the call (the subscripts are a literal string then).

Example: ``np.einsum("ij,j->i", a, b)`` becomes the kernel::

    def kernel(a0, a1):
        n_i = a0.shape[0]; n_j = a0.shape[1]     # (and a1.shape[0] == n_j checked)
        out = np.zeros((n_i,), dtype)
        for i_i in range(n_i):
            for i_j in range(n_j):
                out[i_i] += a0[i_i, i_j] * a1[i_j]
        return out

The cotangent of operand k is again a fixed contraction, of ``g`` with the
other operands (``"i,j->ij"`` for ``a`` above).  The reverse pass passes
the operands as one tuple (``einsum_operand_adjoint(g, operands, k)``),
where Numba loses the literal; ``einsum_as_fixed`` (a lowering rewrite)
calls ``einsum_cotangent(g, k, subscripts, *arrays)`` instead.
Ellipses, repeated indices within one operand, and an operand's index that
appears nowhere else stay a BackendError naming np.einsum.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable

from ..ir import ops
from ..ir.nodes import Block, Call, Const, Var
from ..rules.numpy_einsum import einsum_operand_adjoint
from ..rules.registry import declare
from .numba_twins import _twin

__all__ = ["einsum_as_fixed", "einsum_cotangent"]


def _parse(subscripts, nargs, what="np.einsum"):
    s = subscripts.replace(" ", "")
    if "." in s:
        raise TypingError(f"{what}: '...' in the subscripts is not supported by the Numba backend")
    ins, arrow, out = s.partition("->")
    ins = ins.split(",")
    if len(ins) != nargs:
        raise TypingError(f"{what}: {len(ins)} subscripts for {nargs} operands")
    if not arrow:
        counts = {}
        for c in "".join(ins):
            counts[c] = counts.get(c, 0) + 1
        out = "".join(sorted(c for c, n in counts.items() if n == 1))
    for sub in ins + [out]:
        if len(set(sub)) != len(sub):
            raise TypingError(f"{what}: a repeated index within one operand ({sub!r}) is not "
                              "supported by the Numba backend")
    return ins, out


@lru_cache(maxsize=None)
def _kernel(ins, out, dtype):
    """The jitted loops of the contraction ``ins -> out`` (tuples of strs)."""
    args = [f"a{k}" for k in range(len(ins))]
    lines = [f"def kernel({', '.join(args)}):"]
    seen = {}
    for k, sub in enumerate(ins):
        for d, c in enumerate(sub):
            if c in seen:
                lines.append(f"    if a{k}.shape[{d}] != n_{c}:")
                lines.append("        raise ValueError('einsum: operands do not match the "
                             "subscripts')")
            else:
                seen[c] = True
                lines.append(f"    n_{c} = a{k}.shape[{d}]")
    for c in out:
        if c not in seen:
            raise TypingError(f"np.einsum: output index {c!r} appears in no operand")
    order = list(out) + [c for c in seen if c not in out]
    if out:
        lines.append(f"    out = np.zeros(({''.join(f'n_{c}, ' for c in out)}), dtype)")
    else:
        lines.append("    out = np.zeros((1,), dtype)")
    depth = 1
    for c in order:
        lines.append("    " * depth + f"for i_{c} in range(n_{c}):")
        depth += 1
    term = " * ".join(f"a{k}[{', '.join(f'i_{c}' for c in sub)}]" if sub else f"a{k}"
                      for k, sub in enumerate(ins))
    target = f"out[{', '.join(f'i_{c}' for c in out)}]" if out else "out[0]"
    lines.append("    " * depth + f"{target} += {term}")
    lines.append("    return out" if out else "    return out[0]")
    scope = {"np": np, "dtype": np.dtype(dtype)}
    exec(compile("\n".join(lines), f"<einsum {','.join(ins)}->{out}>", "exec"), scope)
    return register_jitable(scope["kernel"])


def _dtype(arrays):
    dts = [np.dtype(str(a.dtype)) if isinstance(a, types.Array) else np.dtype(np.float64)
           for a in arrays]
    return str(np.result_type(*dts))


@overload(np.einsum, prefer_literal=True)
def _einsum(subscripts, *operands):
    if not isinstance(subscripts, types.StringLiteral):
        raise TypingError("np.einsum: the Numba backend needs the subscripts as a constant "
                          "string")
    if not all(isinstance(a, (types.Array, types.Number)) for a in operands):
        return None
    ins, out = _parse(subscripts.literal_value, len(operands))
    for sub, a in zip(ins, operands):
        if len(sub) != (a.ndim if isinstance(a, types.Array) else 0):
            raise TypingError(f"np.einsum: subscripts {sub!r} for an operand of rank "
                              f"{getattr(a, 'ndim', 0)}")
    k = _kernel(tuple(ins), out, _dtype(operands))
    return lambda subscripts, *operands: k(*operands)


def einsum_cotangent(g, k, subscripts, *arrays):
    """The cotangent of ``operands[k]`` of ``np.einsum(subscripts, *arrays)``
    (``operands[0]`` is the subscripts)."""
    return einsum_operand_adjoint(g, (subscripts,) + tuple(arrays), k)


declare(einsum_cotangent, pure=True, raises=True)


@_twin(einsum_cotangent, prefer_literal=True)
def _einsum_cotangent(g, k, subscripts, *arrays):
    if not (isinstance(subscripts, types.StringLiteral) and isinstance(k, types.IntegerLiteral)):
        raise TypingError("the gradient of np.einsum: the Numba backend needs constant subscripts")
    what = "the gradient of np.einsum"
    ins, out = _parse(subscripts.literal_value, len(arrays), what)
    j = k.literal_value - 1
    target = ins[j]
    others = [s for i, s in enumerate(ins) if i != j]
    present = set(out).union(*others)
    if any(c not in present for c in target):
        raise TypingError(f"{what}: an index summed within one operand only ({target!r}) is "
                          "not supported by the Numba backend")
    kern = _kernel(tuple([out] + others), target, _dtype((g,) + arrays))
    if j == 0:
        pick = register_jitable(lambda g, arrays: kern(g, *arrays[1:]))
    elif j == len(arrays) - 1:
        pick = register_jitable(lambda g, arrays: kern(g, *arrays[:-1]))
    else:
        def mid(g, arrays):
            return kern(g, *(arrays[:j] + arrays[j + 1:]))
        pick = register_jitable(mid)
    return lambda g, k, subscripts, *arrays: pick(g, arrays)


def einsum_as_fixed(g):
    """``einsum_operand_adjoint(g, t, k)`` with ``t = (subscripts, *arrays)``
    built in the graph -> ``einsum_cotangent(g, k, subscripts, *arrays)``."""
    tuples = {i.out: i.args for i in g.instructions() if i.fn is ops.make_tuple and i.out}
    blocks, changed = [], False
    for b in g.blocks:
        instrs = []
        for i in b.instrs:
            items = tuples.get(i.args[1]) if i.fn is einsum_operand_adjoint and \
                len(i.args) == 3 and isinstance(i.args[1], Var) else None
            if items and isinstance(items[0], Const) and isinstance(items[0].value, str) \
                    and not i.kwargs:
                i = Call(i.out, einsum_cotangent, (i.args[0], i.args[2], items[0]) +
                         tuple(items[1:]), (), i.loc)
                changed = True
            instrs.append(i)
        blocks.append(Block(b.label, b.params, tuple(instrs), b.term))
    return replace(g, blocks=tuple(blocks)) if changed else g
