"""Cases found by an independent adversary (a random-program generator with
its own grammar plus a hand-written catalogue), minimised.

Each asserts what Python computes: the compiled value equals running the
function, the gradient equals central finite differences, and the tape
agrees where it runs.
"""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import tape

from .fd import assert_close, numerical_grad

X3 = np.array([0.3, -1.2, 0.7])


def _check(f, x, tape_too=True):
    value, g = adc.value_and_grad(f)(x)
    assert_close(value, f(x), what="value")
    assert_close(g, numerical_grad(f, [x], 0), rtol=1e-4, atol=1e-6, what="gradient vs fd")
    if tape_too:
        assert_close(tape.grad_of(f)(x), g, what="tape vs compiled")


# -- list * n and tuple + tuple are repetition and concatenation, not arithmetic ------------
def list_repeat(x):
    t = [x[0]] * 3
    return sum(t) * x[1]


def list_repeat_left(x):
    t = 2 * [x[0], x[2]]
    return t[0] * t[3] + t[1]


def pair_repeat_index(a):
    t = [a, a] * 2
    return t[0] + t[3]


def tuple_concat(x):
    t = (x[0],) + (x[1], x[2])
    return t[0] * t[2]


def tuple_concat_self(x):
    t = (x[0], x[1])
    u = t + t
    return u[0] * u[3] + u[2]


def list_concat_loop(x):
    acc = []
    for v in x:
        acc = acc + [v * v]
    return acc[0] + 2.0 * acc[2]


def items_added(x):
    t = [x[0], x[1]]
    return t[0] + t[1] * t[0]


def tuple_grown_from_empty(x):
    t = ()
    for v in x:
        t = t + (v * v,)
    return t[0] + t[1] * 3.0 + t[2] * 5.0


def repeat_in_loop(x):
    t = [x[0]]
    for i in range(2):
        t = t * 2
    return sum(t) * x[1]


def list_grown_in_while(x):
    t = [x[0]]
    while len(t) < 4:
        t = t + [t[-1] * x[1]]
    return t[-1]


def arrays_concat(x):
    a = [x, x * 2.0] + [x[::-1]]
    return np.sum(a[0] * a[2]) + np.sum(a[1])


def array_plus_list(x):
    return np.sum(x + [1.0, 2.0, 3.0]) + np.sum([1.0, 2.0, 3.0] * x)


WEIGHTS = np.array([1.0, 3.0])


def array_times_list(x):
    return np.sum(WEIGHTS * [x[0], x[1]]) + np.sum([x[1], x[2]] * WEIGHTS)


def numpy_int_times_list(x):
    broadcast = np.int64(2) * [x[0], x[2]]       # NumPy's __mul__: arithmetic
    repeated = [x[0], x[2]] * np.int64(2)        # list's __mul__: repetition
    return np.sum(broadcast) + sum(repeated) * x[1]


@pytest.mark.parametrize("f", [list_repeat, list_repeat_left, tuple_concat, tuple_concat_self,
                               list_concat_loop, items_added, tuple_grown_from_empty,
                               repeat_in_loop, list_grown_in_while, arrays_concat,
                               array_plus_list])
def test_sequence_concat_and_repeat(f):
    _check(f, X3.copy())


@pytest.mark.parametrize("f", [array_times_list, numpy_int_times_list])
def test_numpy_times_list_is_arithmetic(f):
    _check(f, X3.copy(), tape_too=False)   # the tape refuses NumPy arrays of Tensors, as torch does


def test_repeat_of_scalar_pair():
    _check(pair_repeat_index, 0.5)


# -- a def inside a loop: its name means the function, not a carried value ------------------
def def_in_loop(x):
    s = 0.0
    for k in range(3):
        def g(v):
            return v * 2.0
        s = s + g(x)
    return s


def def_in_nested_loop(x):
    s = 0.0
    for j in range(2):
        for k in range(3):
            def g(v):
                return v * (j + 1.0)
            s = s + g(x)
    return s


@pytest.mark.parametrize("f", [def_in_loop, def_in_nested_loop])
def test_def_inside_loop(f):
    _check(f, 0.5)


# -- `s -= x` after a loop reads s: a local first bound in the loop is carried out ---------
def augassign_after_loop(x):
    for i in range(2):
        s = 0.5
    s -= x
    return x * 2.0


def augassign_after_nested_loop(x):
    for i in range(2):
        for j in range(2):
            v = x
        s = v * 0.5
    s **= 2
    return s + x


def augassign_after_zero_trips(x):
    for i in range(int(x)):
        s = x * 3.0
    s -= x
    return x * 2.0


@pytest.mark.parametrize("f", [augassign_after_loop, augassign_after_nested_loop])
def test_augassign_reads_a_loop_bound_local(f):
    _check(f, 0.7)


def test_augassign_after_zero_trip_loop_raises_like_python():
    _check(augassign_after_zero_trips, 2.5, tape_too=False)   # the tape refuses in-place ops
    # "local variable 's' referenced before assignment" on 3.10,
    # "cannot access local variable 's' ..." from 3.11
    with pytest.raises(UnboundLocalError, match="local variable 's'"):
        augassign_after_zero_trips(0.5)
    with pytest.raises(UnboundLocalError, match="local variable 's'"):
        adc.grad(augassign_after_zero_trips)(0.5)


# -- a dead statement that raises in Python must raise in the compiled code too -------------
# (transforms/dead_raises.py keeps unused user operations that may raise)
def dead_index_error(x):
    y = x[10]
    return x[0] * 2.0


def dead_tuple_plus_list(x):
    t = (x[0], 1.0)
    u = t + [x[1]]
    return x[0] * 2.0


@pytest.mark.parametrize("f, error", [(dead_index_error, IndexError),
                                      (dead_tuple_plus_list, TypeError)])
def test_dead_code_that_raises_still_raises(f, error):
    with pytest.raises(error):
        f(X3.copy())
    with pytest.raises(error):
        adc.grad(f)(X3.copy())


# -- enumerate(seq, start), reversed(seq) and range() inside zip/enumerate --------------------
def enumerate_start(x):
    s = 0.0
    for i, v in enumerate(x, 1):
        s = s + i * v * v
    return s


def reversed_array(x):
    s = 0.0
    k = 1.0
    for v in reversed(x):
        s = s + k * v
        k = k * 2.0
    return s


def zip_range(x):
    s = 0.0
    for i, v in zip(range(5, 0, -2), x):
        s = s + i * v
    return s


def reversed_range(x):
    s = 0.0
    for i in reversed(range(1, 3)):
        s = s * 2.0 + x[i]
    return s


def enumerate_reversed_start(x):
    s = 0.0
    for (i, v), w in zip(enumerate(x[::-1], start=-2), reversed(x[1:])):
        s = s + i * v * w
    return s


def reversed_list(x):
    s = 0.0
    for v in reversed([x[0], x[1] * 2.0]):
        s = s * 3.0 + v
    return s


def enumerate_rows_reversed(x):
    s = 0.0
    for i, row in enumerate(reversed(x.reshape(2, 2)), 1):
        s = s + i * np.sum(row ** 2)
    return s


@pytest.mark.parametrize("f", [enumerate_start, reversed_array, zip_range, reversed_range,
                               enumerate_reversed_start, reversed_list, enumerate_rows_reversed])
def test_enumerate_start_reversed_and_zip_range(f):
    _check(f, np.array([0.3, -1.2, 0.7, 1.1]))


# -- Numba: a return value carried through a loop may be None until the return is taken -----
def first_above(x):
    for i in range(len(x)):
        if x[i] > 0.5:
            return x[i] * 2.0
    return x[0]


def first_above_twice(x):
    return first_above(x) + first_above(x[::-1])


@pytest.mark.parametrize("x", [np.array([0.3, -1.2, 0.7]), np.array([0.1, 0.1, 0.2])])
def test_numba_stacks_a_return_value_that_may_be_none(x):
    pytest.importorskip("numba")
    _check(first_above_twice, x)
    value, g = adc.value_and_grad(first_above_twice, backend="numba")(x)
    expected_value, expected_g = adc.value_and_grad(first_above_twice)(x)
    assert_close(value, expected_value, what="numba value")
    assert_close(g, expected_g, what="numba gradient")
