"""Which loops store their adjoint's values in preallocated tapes, how
long the tapes are and at which entry each trip stores.

Example: in ::

    for i in range(n):              # top level: n_trips = max(0, n)
        for j in range(m):          # m is defined before the outer loop
            s = s + math.sin(x * s) * j

the inner trip count does not change from one outer trip to the next, so
it is computed once before the outer loop, next to the outer one (but
only if the outer loop makes a trip: ``ops.trips_within``, so that
``range(m)`` is evaluated only where Python evaluates it), and a value of
the inner body is stored in ONE tape of ``n * m`` entries::

    n_trips = max(0, n)
    n_trips_1 = trips_within(n_trips, 0, m, 1)    # hoisted out of the outer loop
    n_trips_2 = n_trips * n_trips_1
    t1_tape = [None] * n_trips_2
    for i in range(n):
        for i_1 in range(m):
            k = i * n_trips_1 + i_1         # the forward trip numbers, flattened
            t1_tape[k] = t1
    ...
    for r_1 in range(r, -1, -1):
        for r_3 in range(r_2, -1, -1):
            k_1 = r_1 * n_trips_1 + r_3     # the mirrored trip numbers, flattened
            t1_1 = t1_tape[k_1]

The same holds at any depth: a counted loop in the body of a tape loop
(directly, or in an ``if`` there: it runs at most once per outer trip, and
the entries of the trips that skip it stay unused; in a user's ``if`` only
where its trip count needs no arithmetic, ``range(len(xs))``) whose ``range``
operands are defined before the OUTERMOST loop of the nest is a tape loop
too; its tapes have the product of the trip counts of the nest as length,
and its flat trip number is ``parent_k * n_trips + k``.  The outermost
loop is one at the top level, or one in the guard ``if 0 < n:`` that
loop-invariant code motion puts around a loop it hoists values out of
(``licm.py``); its tapes are made before that ``if``.  Trip numbers are
ints: they carry no cotangent, and ``grad(grad(f))`` recomputes them like
any other loop value (``reverse_stacks.py`` differentiates the stores).

Everything else keeps the growable stacks of ``reverse.py``
(``append``/``pop``), which are correct whatever the trip counts are:
a counted loop whose range depends on the outer trip (``range(i)``), a loop
whose ``range`` uses a value that code motion hoisted into the guard
(``range(m, -m, -1)``: ``-m`` is computed in the guard), a loop in a
user's ``if`` inside a loop whose count needs arithmetic (``max(0, m)``
could raise where Python, skipping the ``if``, does not), a loop in any
other top-level ``if``, and loops whose trip count is only known when
they end (``while``, ``break``, an early ``return``).  A counted loop in a
top-level ``if`` runs at most once and could have a tape made in its arm;
it keeps a stack because the adjoint's mirror of the arm does not see the
arm's values (they would have to pass through the join, as
``reverse._export`` does for values, and so would their cotangent tapes in
``grad(grad(f))``), and computing its trip count before the ``if`` could
raise where Python does not (``if n is not None: for i in range(n)``).
Stacks grow geometrically (a Python list's ``append``; on Numba a Numba
list, or an array that doubles: ``backend/numba_tapes.py``).
"""
from __future__ import annotations

import operator

from ..ir.nodes import Call, Const, Var
from ..ir.walk import loop_blocks

__all__ = ["TapeLoop", "nested_tape_loop", "guards", "nest_count", "trip_index", "reverse_index",
           "prepare_nest"]


class TapeLoop:
    """A counted loop (its header label, its ``CountedLoop``) whose values the adjoint reads are stored in tapes of
    ``count`` entries, allocated in ``pre`` (the block before the OUTERMOST
    loop of its nest), at the flat trip number ``index`` (made on first
    use in ``body_entry``); ``parent``: the tape loop it is nested in
    (None at the top level), ``trips``: its own trip count, ``region``:
    the outermost loop of the nest, ``rev``: the mirrored flat trip
    number while its adjoint loop is being built."""

    def __init__(self, header, loop, trips, count, pre, body_entry, parent=None, region=None):
        self.header, self.loop, self.trips, self.count, self.pre = header, loop, trips, count, pre
        self.body_entry, self.parent, self.region = body_entry, parent, region
        self.index = None
        self.rev = None
        self.rev_base = None      # parent.rev * trips, made before this loop's adjoint loop
        self.rev_last = None      # trips - 1, made before the outermost adjoint loop


def _invariant(rv, v, region):
    """``v`` is the same on every trip of the loop ``region`` (or of the
    loop a guard ``region`` holds): a constant, or a value defined outside
    it (so before it)."""
    if isinstance(v, Const):
        return True
    site = rv.def_site.get(v)
    return isinstance(v, Var) and site is not None and site[0] not in set(loop_blocks(region))


def guards(rv, region, c):
    """``region`` (an IfRegion at the top level) is the guard loop-invariant
    code motion put around the counted loop ``c`` (``if 0 < n:``, the
    values it hoisted, then the loop: transforms/licm.py): the loop runs at
    most once, and its trip count can be computed before the ``if``."""
    head = rv.bm[region.head]
    cond = head.term.cond if hasattr(head.term, "cond") else None
    test = [i for i in head.instrs if i.out is not None and i.out == cond]
    return bool(test) and test[0].fn in (operator.lt, operator.gt) and \
        tuple(test[0].args) == (c.init, c.stop)


def nested_tape_loop(rv, parent, c, reached, count):
    """Whether the counted loop ``c`` (a ``CountedLoop`` in the body of the
    tape loop ``parent``, directly or in an ``if`` there: it runs at most
    once per trip of ``parent``) gets tapes of its own: its ``range``
    operands are the same on every trip of the outermost loop (defined
    before it, and before its guard if it has one), and computing its trip
    count there cannot raise where Python would not: ``reached``, it sits
    directly in the body (or in its code-motion guard), so Python evaluates
    its range on every trip of ``parent``; else (a user's ``if``) ``count``,
    the instructions of the count, is empty (a constant, a ``len``)."""
    return parent is not None and parent.region is not None and (reached or not count) and \
        all(_invariant(rv, v, parent.region) for v in (c.init, c.stop))


def nest_count(parent, trips, fresh):
    """``(instructions, count)``: the length of a nested loop's tapes,
    ``parent.count * trips``."""
    a, b = parent.count, trips
    if isinstance(a, Const) and isinstance(b, Const):
        return [], Const(a.value * b.value)
    n = fresh("n_trips")
    return [Call(n, operator.mul, (a, b))], n


def trip_index(rv, header):
    """The forward loop's flat trip number where tapes are stored: the
    counter itself for ``range(n)`` at the top level, else ``(i - a) //
    step`` and, nested, ``parent_k * n_trips + k``, computed once at the
    start of the body (``parent_k * n_trips`` at the start of the parent's)."""
    tl = rv.tape_loops[header]
    if tl.index is None:
        cl = tl.loop
        k = cl.var
        instrs = []

        def emit(fn, *args):
            nonlocal k
            k2 = rv.b.fresh("k")
            instrs.append(Call(k2, fn, args))
            k = k2
        if not (isinstance(cl.init, Const) and cl.init.value == 0):
            emit(operator.sub, k, cl.init)
        if cl.step.value != 1:
            emit(operator.floordiv, k, cl.step)
        if tl.parent is not None:
            outer = trip_index(rv, tl.parent.header)
            t = rv.b.fresh("k")
            # where the parent's trip number is made: invariant in this loop, and
            # left there, LICM would wrap this loop in a guard (``if 0 < n:``),
            # whose other arm Numba cannot type when it passes an empty list on
            rv.pushes.setdefault(tl.parent.body_entry, []).append(
                (-1, Call(t, operator.mul, (outer, tl.trips))))
            emit(operator.add, t, k)
        rv.pushes.setdefault(tl.body_entry, []).extend((-1, c) for c in instrs)
        tl.index = k
    return tl.index


def reverse_index(rv, header, r):
    """Set (and return) the mirrored flat trip number of the adjoint loop of
    ``header`` whose own trip number is ``r``, emitted where its body starts
    (the reverse trips count down, so trip ``r`` reads what forward trip
    ``r`` stored)."""
    tl = rv.tape_loops.get(header)
    if tl is None:
        return None
    if tl.parent is None:
        tl.rev = r
    else:
        tl.rev = rv.b.emit(operator.add, (tl.rev_base, r), hint="k")
    return tl.rev


def prepare_nest(rv, top):
    """Before the adjoint loop of the top-level tape loop ``top``: the first
    reverse trip number (``n_trips - 1``) of every loop nested in it, whose
    count is the same on every trip.  Made inside the outer adjoint loop,
    it would be invariant there, and loop-invariant code motion would wrap
    that loop in a guard (``if 0 <= r:``): the guard's other arm would make
    the accumulators the loop updates in place shared (no ``index_add``)
    and pass Numba values it cannot type.  ``parent.rev * n_trips``, made
    before each nested adjoint loop (``rev_base``), varies with the parent's
    trip and stays where it is."""
    for tl in rv.tape_loops.values():
        p = tl.parent
        while p is not None and p is not top:
            p = p.parent
        if p is top and tl.rev_last is None:
            tl.rev_last = rv.b.emit(operator.sub, (rv.read(rv.counters[tl.header]), Const(1)),
                                    hint="r")
