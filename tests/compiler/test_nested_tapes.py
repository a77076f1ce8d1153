"""Nested counted loops store in ONE preallocated tape for the nest, at the
flat trip number (transforms/reverse_tapes.py); loops whose trip count is
not known before the outermost loop (``range(i)``, ``break``, an early
``return``, a range computed in code motion's guard) keep growable stacks:
on Numba, Numba lists, or with ``numba_tapes.GROWABLE_ARRAYS`` arrays that
double (backend/numba_stacks.py).  Every case is checked against running
``f`` and central finite differences."""
import math
import re
import types

import numpy as np
import pytest

import ad_compiler as adc
from .fd import numerical_grad


def double(x, n, m):
    s = 0.5
    for i in range(n):
        t = s * x
        for j in range(m):
            if t < 1.0:
                t = math.sin(t * x) + 0.1 * j
            else:
                t = math.cos(t) * x
        s = s + t * t
    return s


def triple(x, n, m, p):
    s = 0.0
    for i in range(n):
        t = s * x + 0.3
        for j in range(1, m):
            u = math.cos(t)
            for k in range(p, 0, -2):
                u = math.sin(u * x + k) + j
            t = t + u * u
        s = s + math.sin(t)
    return s


def triangle(x, n):
    s = 0.3
    for i in range(n):
        for j in range(i):              # the inner range changes with i: stacks
            s = math.sin(s * x + j)
    return s


def constant_zero(x, n):
    s = x
    for i in range(n):
        for j in range(0):
            s = math.sin(s * x)
        s = s * math.cos(x * s)
    return s


def inner_break(x, n, m):
    s = 0.2
    for i in range(n):
        for j in range(m):
            s = s + x * math.sin(s)
            if s > 1.5:
                break
        s = s * 0.7
    return s


def inner_continue(x, n, m):
    s = 0.2
    for i in range(n):
        for j in range(m):
            if j % 2 == 1:
                continue
            s = s * math.cos(x * s) + 0.3
    return s


def early_return(x, n, m):
    s = 0.2
    for i in range(n):
        for j in range(m):
            s = s + x * math.sin(s + j)
            if s > 2.0:
                return s * s
    return s


def negative_steps(x, n, m):
    s = 0.4
    for i in range(n, 0, -1):
        for j in range(m, 0, -3):
            s = math.sin(s * x + 0.01 * i * j)
    return s


def hoisted_bound(x, n, m):
    s = 0.4
    for i in range(n, 0, -1):
        for j in range(m, -m, -3):      # -m is hoisted into the guard code motion makes
            s = math.sin(s * x + 0.01 * i * j)
    return s


def over_a_list(x, n, ws):
    s = 0.4
    for i in range(n):
        for j in range(len(ws)):        # len(ws): hoisted into the guard as well
            s = math.sin(s * x) + ws[j] * s
    return s


def in_if_over_a_list(x, n, ws):
    s = 0.4
    nw = len(ws)
    for i in range(n):
        if i % 2 == 0:
            for j in range(nw):         # a count without arithmetic: a nest tape
                s = math.sin(s * x) + ws[j]
    return s


def inner_in_if(x, n, m):
    s = 0.4
    for i in range(n):
        if i % 2 == 0:
            for j in range(m):
                s = math.sin(s * x) + 0.2
    return s


def array_state(x, n, m):
    s = np.zeros(3)
    for i in range(n):
        for j in range(m):
            s = np.tanh(s * x + j)
    return np.sum(s * s)


def siblings(x, n, m):
    s = 0.3
    for i in range(2, n, 2):
        for j in range(m):
            s = math.sin(s * x + i * j)
        t = s
        for j in range(3, m + 3):
            t = t * math.cos(x * t) + 0.01 * j
        s = s + t * 0.1
    return s


def in_a_while(x, m):
    s = 0.1
    while s < 3.0:
        for j in range(m):
            s = s + 0.05 * (1.0 + math.sin(x * s * j))
        for j in range(m):
            for k in range(2):
                s = s + 0.01 * math.cos(s * k)
    return s


def while_inside(x, n):
    s = 0.0
    for i in range(n):
        t = 0.1 * (i + 1)
        while t < 2.0:
            t = t + 0.3 * (1.0 + math.sin(x * t))
        for j in range(n):
            s = s + t * math.sin(x * j)
    return s


def while_many(x):
    s = 0.0
    while s < 100.0:                        # about 10^4 trips, decided by the data
        s = s + 0.01 * (1.0 + 0.5 * math.sin(x * s))
    return s


def _check(fn, *args, backend="python", rtol=1e-6):
    g = adc.grad(fn, backend=backend)
    got = g(*args)
    np.testing.assert_allclose(got, numerical_grad(fn, list(args), 0), rtol=rtol, atol=1e-8)
    value, _ = adc.value_and_grad(fn, backend=backend)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    return g


def _tapes(src):
    """The tapes a gradient allocates: name -> the length it is given."""
    return dict(re.findall(r"^    (\w+_tape\w*) = \[None\] \* (\w+)$", src, re.M))


def _one_allocation(src, length):
    tapes = _tapes(src)
    assert tapes, src
    assert length in set(tapes.values())
    # all made once, before the first loop: none inside any loop
    assert not re.search(r"^\s{5,}\w+ = \[None\] \*", src, re.M)
    assert src.index("[None] *") < src.index("for ")
    assert ".append(" not in src and ".pop()" not in src and "= []" not in src
    return tapes


def test_a_doubly_nested_counted_loop_gets_one_tape_of_n_times_m_entries():
    g = _check(double, 0.6, 4, 3)
    src = g.source
    size = re.search(r"^    (\w+) = n_trips \* (n_trips_\d+)$", src, re.M)
    assert size, src
    _one_allocation(src, size.group(1))
    inner = size.group(2)
    assert re.search(rf"^    {inner} = trips_within\(n_trips, 0, m, 1\)$", src, re.M)  # hoisted
    assert re.search(rf"= \w+ \* {inner}$", src.split("seed_cotangent")[1], re.M)  # mirrored
    for args in ((0.6, 4, 3), (1.7, 3, 5), (0.2, 1, 1)):
        _check(double, *args)


def test_a_triply_nested_loop_with_strides_and_a_negative_step():
    g = _check(triple, 0.3, 3, 4, 5)
    src = g.source
    products = re.findall(r"^    (\w+) = (\w+) \* (\w+)$", src, re.M)
    assert len(products) >= 2, src          # n * (m - 1), then times len(range(p, 0, -2))
    _one_allocation(src, products[-1][0])
    for args in ((0.3, 3, 4, 5), (0.7, 2, 3, 4), (0.3, 2, 1, 5), (0.3, 2, 4, 0)):
        _check(triple, *args)


@pytest.mark.parametrize("n, m", [(0, 3), (3, 0), (0, 0), (1, 1)])
def test_zero_trips_at_run_time(n, m):
    g = _check(double, 0.6, n, m)
    assert ".append(" not in g.source
    _check(triple, 0.4, n, m, 3)
    _check(triple, 0.4, 2, m, n)


def test_the_hoisted_inner_range_is_evaluated_only_where_python_evaluates_it():
    g = adc.grad(double)
    assert g(0.6, 0, None) == 0.0           # no outer trip: range(None) never runs
    with pytest.raises(TypeError):
        double(0.6, 2, None)
    with pytest.raises(TypeError):
        g(0.6, 2, None)
    g = adc.grad(inner_in_if)               # a user's if: its count is not hoisted
    assert ".append(" in g.source
    _check(inner_in_if, 0.8, 5, 3)


def test_a_range_of_zero_trips_written_out():
    g = _check(constant_zero, 0.7, 5)
    assert ".append(" not in g.source
    _check(constant_zero, 0.7, 0)


def test_an_inner_range_that_depends_on_the_outer_index_keeps_a_stack():
    g = _check(triangle, 0.8, 6)
    assert ".append(" in g.source         # correctness first: no tape of a guessed size
    for n in (0, 1, 2, 7):
        _check(triangle, 0.8, n)


@pytest.mark.parametrize("fn", [inner_break, inner_continue, early_return])
def test_break_continue_and_return_inside_the_inner_loop(fn):
    for args in ((0.7, 3, 4), (0.9, 5, 6), (0.3, 0, 4), (0.7, 3, 0)):
        _check(fn, *args)


def test_negative_steps_a_loop_inside_an_if_and_a_bound_computed_in_a_guard():
    g = _check(negative_steps, 0.9, 4, 5)
    assert ".append(" not in g.source
    for args in ((0.9, 0, 5), (0.9, 3, 0), (0.9, 3, 1)):
        _check(negative_steps, *args)
    g = _check(in_if_over_a_list, 0.8, 5, [0.2, 0.4])   # runs on some trips: the
    assert ".append(" not in g.source     # entries of the others stay unused
    _check(in_if_over_a_list, 0.8, 0, [0.2, 0.4])
    _check(in_if_over_a_list, 0.8, 5, [])
    _check(inner_in_if, 0.8, 0, 3)
    _check(inner_in_if, 0.8, 5, 0)
    g = _check(hoisted_bound, 0.9, 4, 5)  # the outer loop has tapes (made before the
    assert "[None] * n_trips" in g.source  # guard), the inner one a stack
    assert ".append(" in g.source
    for args in ((0.9, 0, 5), (0.9, 3, 0), (0.9, 3, 1)):
        _check(hoisted_bound, *args)
    for ws in ([0.3, -0.2, 0.5], []):
        _check(over_a_list, 0.7, 4, ws)
        _check(over_a_list, 0.7, 0, ws)


@pytest.mark.parametrize("fn, args", [
    (siblings, (0.6, 9, 4)), (siblings, (0.6, 2, 4)), (siblings, (0.6, 9, 0)),
    (in_a_while, (0.7, 3)), (while_inside, (0.8, 4)), (while_inside, (0.8, -2)),
    (double, (0.6, np.int64(3), np.int64(4))), (double, (0.6, -3, 4)), (triple, (0.3, 2, -1, 3))])
def test_more_shapes_of_nests(fn, args):
    _check(fn, *args)


def test_arrays_in_a_nested_tape():
    g = _check(array_state, 0.4, 3, 2)
    assert ".append(" not in g.source
    _check(array_state, 0.4, 2, 0)


def test_second_derivatives_through_a_nested_tape():
    for fn, args in ((double, (0.6, 3, 2)), (triple, (0.3, 2, 3, 3)), (triangle, (0.8, 4))):
        ref = numerical_grad(adc.grad(fn), list(args), 0, eps=1e-5)
        np.testing.assert_allclose(adc.grad(adc.grad(fn))(*args), ref, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(adc.hessian(fn)(*args), ref, rtol=1e-5, atol=1e-7)
    d2 = adc.grad(adc.grad(double))
    assert "_tape_bar = [None] * " in d2.source     # the tapes' cotangent tapes


numba = pytest.importorskip("numba")


@pytest.mark.parametrize("fn, args", [(double, (0.6, 4, 3)), (triple, (0.3, 3, 4, 5)),
                                      (negative_steps, (0.9, 4, 5))])
def test_numba_nested_tapes_are_typed_arrays_and_agree(fn, args):
    g = _check(fn, *args, backend="numba")
    np.testing.assert_allclose(g(*args), adc.grad(fn)(*args), rtol=1e-12)
    src = g.source
    assert "new_float_tape(" in src or "new_bool_tape(" in src
    assert ".append(" not in src and "= []" not in src, src
    for zero in ((args[0], 0) + args[2:], args[:2] + (0,) + args[3:]):   # no outer / inner trips
        np.testing.assert_allclose(g(*zero), adc.grad(fn)(*zero), rtol=1e-12)


@pytest.fixture
def array_stacks(monkeypatch):
    """Stacks of numbers as numba_stacks arrays (off by default: slower than
    Numba's lists, benchmarks/bench_numba.py --nested); gradients of fresh
    copies of the functions, so no specialisation built without it is reused."""
    from ad_compiler.backend import numba_tapes
    monkeypatch.setattr(numba_tapes, "GROWABLE_ARRAYS", True)
    return lambda fn: types.FunctionType(fn.__code__, fn.__globals__, fn.__name__)


@pytest.mark.parametrize("fn, args", [(siblings, (0.6, 9, 4)), (while_inside, (0.8, 4)),
                                      (hoisted_bound, (0.9, 4, 5))])
def test_numba_nests_mixing_tapes_and_stacks(fn, args):
    g = _check(fn, *args, backend="numba")
    np.testing.assert_allclose(g(*args), adc.grad(fn)(*args), rtol=1e-12)


@pytest.mark.parametrize("fn, args", [(triangle, (0.8, 6)), (inner_break, (0.9, 5, 6)),
                                      (early_return, (0.7, 3, 4))])
def test_numba_stacks_of_numbers_can_be_arrays_that_double(fn, args, array_stacks):
    ref = adc.grad(fn)(*args)
    g = _check(array_stacks(fn), *args, backend="numba")
    np.testing.assert_allclose(g(*args), ref, rtol=1e-12)
    src = g.source
    assert re.search(r"= new_(float|bool|int)_stack\(\)", src), src
    assert "= []" not in src, src           # no Numba list


def test_numba_while_loop_with_ten_thousand_trips(array_stacks):
    ref = adc.grad(while_many)(0.01)
    g = _check(while_many, 0.01, backend="numba", rtol=1e-5)
    assert ".append(" in g.source           # the default: a Numba list
    np.testing.assert_allclose(g(0.01), ref, rtol=1e-12)
    g = _check(array_stacks(while_many), 0.01, backend="numba", rtol=1e-5)
    assert "new_float_stack()" in g.source and "= []" not in g.source   # 64 entries, doubled
    np.testing.assert_allclose(g(0.01), ref, rtol=1e-12)                 # 8 times


def test_the_array_stack_twin_grows_and_pops_in_order():
    from ad_compiler.backend.numba_stacks import new_bool_stack, new_float_stack, new_int_stack
    for make, values in ((new_float_stack, np.linspace(0, 1, 1000)),
                         (new_int_stack, np.arange(300)), (new_bool_stack, np.arange(200) % 3 == 0)):
        s = make()
        for v in values:
            s.append(v)
        assert len(s) == len(values)
        assert [s.pop() for _ in values] == list(values[::-1])
        with pytest.raises(IndexError):
            s.pop()


def test_numba_second_derivative_of_a_nested_loop():
    ref = numerical_grad(adc.grad(double), [0.6, 3, 2], 0, eps=1e-5)
    d2 = adc.grad(adc.grad(double, backend="numba"), backend="numba")
    np.testing.assert_allclose(d2(0.6, 3, 2), ref, rtol=1e-5)
    np.testing.assert_allclose(adc.hessian(double, backend="numba")(0.6, 3, 2), ref, rtol=1e-5)
