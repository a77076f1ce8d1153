"""What kind of number a primitive returns when given numbers, for code
that must type values before they run (Numba's tapes: backend/numba_tapes.py).

Example::

    props(operator.lt).number_kind      -> "bool"      (s < 1.0)
    props(operator.mul).number_kind     -> "promote"   (x * i: a float for a float x)
    props(operator.truediv).number_kind -> "divide"    (always a float)
    props(math.sin).number_kind         -> "float"     (every math function of
                                                        numbers but the few that
                                                        return ints: registry)
"""
import math
import operator

from .registry import declare

declare(operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
        operator.not_, isinstance, bool, math.isnan, math.isinf, math.isfinite,
        number_kind="bool")
declare(operator.add, operator.sub, operator.mul, operator.neg, operator.pos,
        operator.floordiv, operator.mod, number_kind="promote")
declare(max, min, abs, number_kind="promote")      # max(0, n): a trip count, an int
declare(operator.truediv, number_kind="divide")
declare(float, number_kind="float")
declare(int, len, number_kind="int")
