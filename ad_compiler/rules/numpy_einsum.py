"""``np.einsum`` in both of NumPy's forms: the subscripts string
(``np.einsum("ij,jk->ik", a, b)``) and the sublists
(``np.einsum(a, [0, 1], b, [1, 2], [0, 2])``, ``Ellipsis`` for '...').

Example: for ``b`` in either form the rule is
    einsum_2(g, ans, *operands, ...) -> einsum_operand_adjoint(g, operands, 2)
which evaluates ``np.einsum("ik,ij->jk", g, a)``.  vjp k belongs to
``operands[k]``: array k - 1 in the string form, array k // 2 in the sublist
form (the sublists themselves are constants).  Positions up to 16 have rules
(eight arrays in the string form, eight in the sublist form).
"""
import numpy as np

from .adjoints import _LETTERS, einsum_adjoint
from .derive import multilinear
from .registry import defjvp, defvjp

MAX_OPERANDS = 17


def _letters(sublist):
    """A sublist (``[0, Ellipsis, 1]``) as subscripts (``"a...b"``)."""
    return "".join("..." if s is Ellipsis else _LETTERS[int(s)] for s in sublist)


def einsum_subscripts(operands):
    """``(subscripts, arrays, positions)`` of an einsum call in either form;
    ``positions[i]`` is where array i sits among ``operands``."""
    if isinstance(operands[0], str):
        return operands[0], tuple(operands[1:]), tuple(range(1, len(operands)))
    n = len(operands) // 2
    subscripts = ",".join(_letters(operands[2 * i + 1]) for i in range(n))
    if len(operands) % 2:
        subscripts += "->" + _letters(operands[-1])
    return subscripts, tuple(operands[0:2 * n:2]), tuple(range(0, 2 * n, 2))


def einsum_operand_adjoint(g, operands, k):
    """The cotangent of ``operands[k]`` (an array) of ``np.einsum(*operands)``."""
    subscripts, arrays, positions = einsum_subscripts(operands)
    if k not in positions:
        raise ValueError(f"np.einsum: operand {k} is a subscripts list, which has no gradient")
    return einsum_adjoint(g, (subscripts,) + arrays, positions.index(k))


def einsum_0(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 0)


def einsum_1(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 1)


def einsum_2(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 2)


def einsum_3(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 3)


def einsum_4(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 4)


def einsum_5(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 5)


def einsum_6(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 6)


def einsum_7(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 7)


def einsum_8(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 8)


def einsum_9(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 9)


def einsum_10(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 10)


def einsum_11(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 11)


def einsum_12(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 12)


def einsum_13(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 13)


def einsum_14(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 14)


def einsum_15(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 15)


def einsum_16(g, ans, *operands, out=None, optimize=False, **kwargs):
    return einsum_operand_adjoint(g, operands, 16)


defvjp(np.einsum, *[globals()[f"einsum_{k}"] for k in range(MAX_OPERANDS)],
       doc="subscripts string or sublists (Ellipsis for '...'); explicit/implicit output, "
           "'...', repeated indices; vjp k is operand k (a string or sublist has none)")
# forward mode: linear in each operand apart, so operand k's tangent in its place
defjvp(np.einsum, *multilinear(np.einsum, *[globals()[f"einsum_{k}"] for k in range(MAX_OPERANDS)]))
