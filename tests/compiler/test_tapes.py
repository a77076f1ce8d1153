"""Loop tapes: a counted loop stores what its adjoint reads in preallocated
tapes indexed by the trip number (nested ones: test_nested_tapes.py); loops
whose trip count is not known before they run (while, break) keep growable
stacks; the cost model decides what is stored and what is recomputed."""
import math
import re

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.transforms.remat_cost import STORE_COST, TAPE_COST, Budget, call_cost
from .fd import numerical_grad


def _fd(fn, *args, wrt=0, rtol=1e-6):
    g = adc.grad(fn, wrt=wrt)
    np.testing.assert_allclose(g(*args), numerical_grad(fn, list(args), wrt), rtol=rtol, atol=1e-8)
    return g


def counted(x, n):
    s = 0.0
    for i in range(n):
        if s < 1.0:
            s = s + math.sin(x * s + i)
        else:
            s = s * x
    return s


def strided(x, a, n):
    s = 1.0
    for i in range(a, n, 3):
        s = s * math.cos(x * s) + i
    return s


def while_many(x):
    s = 0.0
    while s < 40.0:                        # about 4000 trips, decided by the data
        s = s + 0.01 * (1.0 + 0.5 * math.sin(x * s))
    return s


def with_break(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * math.sin(s)
        if s > 3.0:
            break
    return s


def nested(x, n, m):
    s = 0.0
    for i in range(n):
        t = s * x
        for j in range(m):
            t = math.sin(t * x) + j
        s = s + t * t
    return s


A = np.array([[3.0, 1.0], [0.5, 2.0]])


def with_solve(b, n):
    s = 0.0
    for i in range(n):
        y = np.linalg.solve(A * (1.0 + i), b * s + 1.0)
        s = s + np.sum(y * y)
    return s


def with_sin(x, n):
    s = 0.0
    for i in range(n):
        s = s * 0.9 + math.sin(x * i) * s
    return s


def test_a_counted_loop_stores_in_preallocated_tapes_indexed_by_the_counter():
    g = _fd(counted, 0.3, 7)
    src = g.source
    assert ".append(" not in src and ".pop()" not in src and "= []" not in src
    tapes = re.findall(r"^\s*(\w+_tape) = \[None\] \* n_trips$", src, re.M)
    assert tapes and len(tapes) == len(set(tapes))
    loop_var = re.search(r"for (\w+) in range\(n\):", src).group(1)
    back = re.search(r"for (\w+) in range\(r, -1, -1\):", src).group(1)
    for t in tapes:
        assert re.search(rf"^\s*{t}\[{loop_var}\] = \w+$", src, re.M), t
        assert re.search(rf"^\s*\w+ = {t}\[{back}\]$", src, re.M), t
    assert g(0.3, 0) == 0.0                 # zero trips: empty tapes


def test_a_strided_range_stores_at_its_trip_number():
    g = _fd(strided, 0.4, 2, 17)
    assert re.search(r"^\s*\w+ = \w+ // 3$", g.source, re.M)     # (i - a) // 3
    assert "[None] * n_trips" in g.source and ".append(" not in g.source
    np.testing.assert_allclose(g(0.4, 2, 17), numerical_grad(strided, [0.4, 2, 17], 0),
                               rtol=1e-6)
    assert g(0.4, 17, 2) == 0.0


def test_a_while_loop_with_many_trips_grows_its_stack():
    g = _fd(while_many, 0.01, rtol=1e-5)
    assert ".append(" in g.source and "[None] *" not in g.source


def test_a_loop_with_break_has_no_known_trip_count_and_stays_growable():
    for n in (3, 50):                      # runs to the end / leaves by the break
        g = _fd(with_break, 0.7, n)
        assert ".append(" in g.source and "[None] *" not in g.source


def test_nested_loops_with_an_invariant_inner_range_share_preallocated_tapes():
    g = _fd(nested, 0.6, 4, 3)
    src = g.source
    assert "[None] * n_trips" in src       # the outer loop's values, and the inner
    assert ".append(" not in src           # loop's (n * m entries: test_nested_tapes.py)
    d2 = adc.grad(adc.grad(nested))
    np.testing.assert_allclose(d2(0.6, 4, 3), numerical_grad(adc.grad(nested), [0.6, 4, 3], 0,
                                                              eps=1e-5), rtol=1e-5)


def test_second_derivative_and_forward_over_reverse_through_a_tape():
    d2 = adc.grad(adc.grad(counted))
    assert "_tape_bar = [None] * n_trips" in d2.source
    ref = numerical_grad(adc.grad(counted), [0.3, 7], 0, eps=1e-5)
    np.testing.assert_allclose(d2(0.3, 7), ref, rtol=1e-5)
    np.testing.assert_allclose(adc.hessian(counted)(0.3, 7), ref, rtol=1e-5)


def with_product(x, n):
    s = 0.0
    for i in range(n):
        s = s * 0.9 + (x * i + 1.0) * s
    return s


def test_the_cost_model_stores_a_sin_recomputes_arithmetic_and_stores_a_solve():
    g = _fd(with_sin, 0.8, 9)                # a tape entry is cheaper than a sin
    src = g.source
    sin_value = re.search(r"^\s*(\w+) = math\.sin\(", src, re.M).group(1)
    assert re.search(rf"^\s*{sin_value}_tape\[i\] = {sin_value}$", src, re.M)
    assert not re.search(r"= math\.sin\(", src.split("for r_")[1])   # loaded, not recomputed
    g = _fd(with_product, 0.8, 9)            # ...and dearer than two arithmetic operations
    back = g.source.split("for r_")[1]
    assert re.search(r"= x \* r_\d+$", back, re.M)      # x * i recomputed from the counter
    assert "_tape[i] = t" not in g.source.replace("s_tape[i]", "")
    b = np.array([0.3, -0.2])
    g = _fd(with_solve, b, 4)
    y = re.search(r"^\s*(\w+) = np\.linalg\.solve\(", g.source, re.M).group(1)
    assert re.search(rf"^\s*{y}_tape\[i\] = {y}$", g.source, re.M)     # stored, not re-solved
    assert len(re.findall(r"^\s*\w+ = np\.linalg\.solve\(", g.source, re.M)) == 1  # the primal


def test_the_cost_model_weighs_a_chain_against_a_tape_entry():
    import operator
    assert call_cost(operator.mul) == 1 and call_cost(math.sin) == 20
    assert call_cost(np.linalg.solve) is None
    plan = Budget()                          # a growable stack's entry
    assert plan.take(operator.mul) and plan.take(math.sin) and plan.spent == 21
    assert not plan.take(math.exp)          # 41 > STORE_COST
    assert STORE_COST == 40 and TAPE_COST == 8
    tape = Budget(tape=True)                 # a preallocated tape's entry
    assert tape.take(operator.mul) and not tape.take(math.sin)
    device = Budget("pure")                 # device code: no tapes, every pure function
    assert all(device.take(math.sin) for _ in range(10))
    assert not device.take(np.linalg.solve)


@pytest.mark.parametrize("n", [0, 1, 6])
def test_tapes_survive_every_trip_count(n):
    _fd(counted, 0.2, n)
    _fd(nested, 0.2, n, 2)
