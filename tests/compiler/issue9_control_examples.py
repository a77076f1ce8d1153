"""Functions for test_issue9_control.py: returns nested in branches and
loops, locals bound on some paths only, factories, has_aux with several
returns, values that change shape in a loop.  Plain NumPy (no math.*), so
the tape can run them too."""
import numpy as np

LOG = []


# -- family 1: a return nested in if / elif / loops ----------------------------------------------
def return_in_nested_if(x):
    if x > 0.0:
        if x < 5.0:
            return 2.0 * x
    return x


def return_in_elif(x):
    if x < -10:
        y = x
    elif x > 0:
        return 5 * x
    return x


def return_in_loop_in_if(x):
    if x > 0:
        for i in range(3):
            if i == 1:
                return 5 * x
    return x


def return_three_deep(x):
    if x > -1.0:
        if x > 0.0:
            if x > 1.0:
                return x * x * x
            y = 3.0 * x
        else:
            y = -x * x
        if x > 0.5:
            return y + x
    else:
        y = 7.0 * x
    return y * 2.0


def return_in_else_of_nested_if(x):
    if x > 0.0:
        if x > 2.0:
            z = x * x
        else:
            return np.sin(x)
        z = z + x
    else:
        z = -x
    return z * 3.0


def return_in_loop_in_branch_in_loop(x):
    s = 0.0
    for j in range(3):
        if x > j - 1.0:
            for i in range(4):
                s = s + x * (i + j)
                if s > 6.0:
                    return s * x
        s = s + 1.0
    return s


def return_after_break_and_continue(x):
    s = x
    for i in range(6):
        if i == 1:
            continue
        if s > 8.0:
            break
        s = s * 1.5 + x
        if s > 4.0 and i > 2:
            return s * s
    return s - x


def return_in_while_in_if(x):
    if x > 0.0:
        k = 0
        while k < 10:
            x = x * 1.3
            if x > 3.0:
                return x + k
            k = k + 1
    return -x


def returns_of_different_kinds(x):
    if x > 1.0:
        return np.sum(x * np.ones(3))       # a NumPy float
    if x > 0.0:
        return 2                             # an int constant
    return x * x                             # a Python float


def return_in_nested_loops_with_breaks(x):
    t = 0.0
    for i in range(3):
        for j in range(3):
            if j > i:
                break
            t = t + x * (i + 1)
            if t > 5.0 and x > 1.5:
                return t
        if t > 3.0:
            break
    return t * 2.0


def _helper_with_nested_return(x):
    if x > 0.0:
        for i in range(2):
            if x > 1.0:
                return x * 3.0
    return x


def calls_helper_with_nested_return(x):
    return _helper_with_nested_return(x) + _helper_with_nested_return(x - 1.0)


def loop_only_returns_from_inside(x):
    while True:
        x = x * 2.0
        if x > 10.0:
            return x


def for_loop_may_end_without_return(x):
    for i in range(3):
        if x > i:
            return x * i
    # Python returns None when x <= 0


# -- family 2: locals bound on some paths only ------------------------------------------------
def break_before_assignment(x):
    for i in range(3):
        if i == 0:
            if x > 5:
                break
            y = x
        else:
            y = 2 * x
        x = x + y
    return x


def continue_before_assignment(x):
    s = 0.0
    for i in range(4):
        if i == 2:
            continue
        y = x * i
        s = s + y
    return s + y


def bound_in_loop_read_after(x, n):
    for i in range(n):
        y = x * (i + 1)
    return y


def bound_on_a_later_trip(x):
    s = x
    for i in range(3):
        if i > 0:
            s = s + t
        t = s * 0.5
    return s


def unbound_name_in_untaken_arm_local(x):
    if x > 100.0:
        y = (x if x > 0.0 else z) * 2.0   # z is a local: only assigned below
        return y
    z = x
    return z * 3.0


def unbound_when_branch_not_taken(x):
    if x > 0.0:
        y = x * x
    return y


def _make_scaler(c):
    def scale(v):
        return v * c
    return scale


def factory_called_inside(x):
    s = _make_scaler(3.0)
    return s(x) + x


def factory_defined_inside(x):
    def make(c):
        def inner(v):
            return v * c
        return inner
    g = make(2.0)
    h = make(x)
    return g(x) + h(x)


def closure_sees_late_binding(x):
    c = 1.0

    def g(v):
        return v * c
    c = 3.0
    return g(x)


def nested_default_evaluated_at_def(x):
    c = 2.0

    def g(v, k=c):
        return v * k
    c = 5.0
    return g(x) + c


def appends_to_global_list(x):
    LOG.append(1)
    return x * 2.0


def np_append_is_not_a_local(a, x):
    return np.sum(np.append(a, x) * a[0])


def loop_target_kept_after_loop(x):
    i = 5
    for i in range(3):
        x = x * 1.5
    return x * i


# -- family 3: has_aux with several returns ----------------------------------------------------
def aux_two_returns(x):
    if x > 0:
        return x * 2.0, 1
    return x * 3.0, 2


def aux_returns_in_loop(x):
    for i in range(3):
        if x > i:
            return x * (i + 1.0), "loop"
    return x * x, "end"


def aux_array_value(x):
    if np.sum(x) > 0.0:
        return np.sum(x * x), x.shape
    return np.sum(np.sin(x)), None


# -- family 5: a loop-carried value that changes from array to scalar -------------------------
def array_becomes_scalar_over_rows(x):
    v = x
    s = 0.0
    for r in x:
        v = np.sum(v * r)
        s = s + v
    return s


def array_becomes_scalar_then_returned(x):
    v = x
    for i in range(3):
        if i == 2:
            return v
        v = np.sum(v * v)
    return 0.0


def matrix_to_row_to_number(x):
    v = x
    for i in range(2):
        v = v[0] * 2.0
    return v


def array_to_scalar_read_after(x, w):
    v = x
    s = 0.0
    for i in range(3):
        v = np.sum(v * w[i]) * 0.5
        s = s + v * v
    return s


def _apply(fn, v):
    return fn(v) * 2.0


def functions_passed_to_a_helper(x):
    c = 3.0

    def inner(v):
        return v * c
    h = np.cos
    k = _apply
    return _apply(inner, x) + _apply(np.sin, x) + h(x) + k(np.exp, x)
