"""Store or recompute: the cost model the reverse pass asks about each loop
value its adjoint reads.

Example: in ``for i in range(n): s = s * 0.9 + math.sin(x * i) * x`` the
adjoint of trip ``i`` reads ``t3 = math.sin(t2)`` with ``t2 = x * i``.
Recomputing it costs ``cost(math.sin) + cost(operator.mul) = 20 + 1``, its
operands being available (``x`` from outside the loop, ``i`` the reverse
loop's own counter).  Storing it costs one entry: in a preallocated tape
(a counted loop: a store and a load in trip order, which the hardware
prefetches, :data:`TAPE_COST`) or on a growable stack (push, pop, and the
cache misses of a stack that outgrows the cache, :data:`STORE_COST`)::

    plan = Budget("cheap", tape=True)      plan = Budget("cheap")
    plan.take(operator.mul) -> True        plan.take(operator.mul) -> True
    plan.take(math.sin)     -> False       plan.take(math.sin)     -> True
          (21 > 8: stored in the tape)           (21 <= 40: recomputed)

whereas ``np.linalg.solve`` has no cost on the table: its result is stored.
The costs live on the rule table (``props(fn).cost``, rules/registry.py);
a primitive marked ``remat="cheap"`` without one counts 1.  Device code
(``remat="pure"``: CUDA kernels have no tapes) recomputes every pure
function whatever it costs.
"""
from __future__ import annotations

from ..rules.registry import props

__all__ = ["STORE_COST", "TAPE_COST", "MAX_DEPTH", "call_cost", "Budget"]

STORE_COST = 40       # one entry of a growable stack (push, pop, its share of cache misses)
TAPE_COST = 8         # one entry of a preallocated tape: a store and a load in trip order,
#                       which the hardware prefetches (a sin is dearer: it is stored)
MAX_DEPTH = 8         # the longest chain of definitions recomputed for one value


def call_cost(fn, mode="cheap"):
    """What recomputing one call of ``fn`` costs (None: never recomputed).
    ``mode="pure"`` (device code): a pure function without a cost counts 0."""
    p = props(fn)
    if p.cost is not None:
        return p.cost
    if p.remat == "cheap":
        return 1
    if mode == "pure" and p.remat == "pure":
        return 0
    return None


class Budget:
    """The cost of recomputing one value's chain of definitions, taken
    call by call; ``take`` says whether the chain still fits."""

    def __init__(self, mode="cheap", tape=False):
        self.mode = mode
        self.spent = 0
        self.limit = (TAPE_COST if tape else STORE_COST) if mode == "cheap" else float("inf")

    def take(self, fn):
        c = call_cost(fn, self.mode)
        if c is None or self.spent + c > self.limit:
            return False
        self.spent += c
        return True
