"""The NumPy ufunc twins of Python's arithmetic operators.

Example: ``np.multiply(x, w)`` is ``x * w``, so it shares ``operator.mul``'s
rules from ``arithmetic``:
    mul_a(g, ans, a, b) -> unbroadcast(g * b, a)
The wider NumPy surface lives in the other ``numpy_*`` modules: elementwise
(``numpy_ufuncs``), reductions, shapes, products, linear algebra, indexing
and the non-differentiable callables.
"""
import numpy as np

from .arithmetic import (abs_x, add_a, add_b, matmul_a, matmul_b, mul_a, mul_b, neg_a, pos_a,
                         pow_a, pow_b, sub_b, truediv_a, truediv_b)
from .registry import defvjp

defvjp(np.add, add_a, add_b, linear=True)
defvjp(np.subtract, add_a, sub_b, linear=True)
defvjp(np.multiply, mul_a, mul_b)
defvjp(np.divide, truediv_a, truediv_b, doc="zero cotangent gives 0 even at x2 == 0")
defvjp(np.power, pow_a, pow_b, doc="d/dx2 = ans log(x1), 0 where ans == 0")
defvjp(np.negative, neg_a, linear=True)
defvjp(np.positive, pos_a, linear=True)
defvjp(np.absolute, abs_x, doc="sign(x); 0 at 0 (subgradient)")
defvjp(np.matmul, matmul_a, matmul_b, doc="1-D, 2-D and batched (broadcast) operands")
