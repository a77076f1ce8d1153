"""Functions for tests/compiler/test_issue9_reverse.py (the compiler reads
source, so they live in a file): bare values passed through joins inside
loops, loop-invariant assignments, in-place updates of arrays the adjoint
still reads, loops that run zero times."""
import math

import numpy as np


# -- a bare value passed through a join inside a loop -------------------------------------
def branch_bare_param(x):
    s = 0.0
    for i in range(2):
        if x > 100:
            t = 1.0
        else:
            t = x
        s = s + t
    return s


def ternary_bare_param(x):
    s = 0.0
    for i in range(2):
        s = s + (1.0 if x > 100 else x)
    return s


def return_bare_param_in_loop(x, a):
    for i in range(2):
        if np.sum(a) > 0:
            return x
    return 2.0 * x


def alternate_params(x, y):
    s = 0.0
    t = 0.0
    for i in range(4):
        if i % 2 == 0:
            t = x
        else:
            t = y
        s = s + t
    return s


def append_bare_param(x, a):
    lst = []
    for i in range(2):
        lst.append(1.0 if x > 100 else a)
    return lst[0] + lst[1] * x


def bare_param_while_break(x, y):
    s = 0.0
    i = 0
    while i < 5:
        if i == 3:
            break
        if i % 2 == 0:
            t = x
        else:
            t = y
        s = s + t * t
        i = i + 1
    return s


def bare_param_continue(x, y):
    s = 0.0
    for i in range(4):
        t = y
        if i == 1:
            continue
        if x > 0.5:
            t = x
        s = s + t
    return s


def bare_param_nested_loops(x, y):
    s = 0.0
    for j in range(3):
        for i in range(2):
            if (i + j) % 2 == 0:
                t = x
            else:
                t = y
            s = s + t * j
    return s


def bare_param_branch_in_loop_in_branch(x, y):
    s = 0.0
    if y > 0.0:
        for i in range(3):
            if i > 0:
                t = x
            else:
                t = y
            s = s + t
    else:
        s = x
    return s


def alias_of_param_through_branch(x, y):
    z = x
    s = y
    for i in range(3):
        if s > 100.0:
            t = y
        else:
            t = z
        s = s + t
    return s


def bare_array_param_in_branch(x, a):
    s = np.zeros(3)
    for i in range(3):
        if i == 1:
            t = a
        else:
            t = a * x
        s = s + t
    return np.sum(s * s)


def bare_param_into_inner_loop(x, y):
    b = 0.0
    for j in range(2):
        c = y
        for i in range(j):
            c = x
        b = b + c
    return b


def bare_param_loop_zero_trips(x, y, n):
    s = y
    for i in range(n):
        if s > 100.0:
            t = 1.0
        else:
            t = x
        s = s + t
    return s


# -- a loop-invariant assignment in an inner loop -----------------------------------------
def invariant_inner_assignment(x):
    b = 0.0
    for j in range(2):
        c = 0.0
        for i in range(2):
            c = x * 2.0
        b = b + c
    return b


def invariant_inner_assignment_while(x, y):
    b = 0.0
    j = 0
    while j < 3:
        c = y
        for i in range(2):
            c = x * y
        b = b + c
        j = j + 1
    return b


def invariant_three_levels(x, y):
    b = 0.0
    for k in range(2):
        for j in range(2):
            c = 0.0
            for i in range(3):
                c = math.sin(x) * y
            b = b + c
    return b


# -- in-place updates of an array the adjoint still reads ---------------------------------
def sqrt_then_update_in_loop(x):
    v = np.sqrt(x * x + np.ones(3))
    for i in range(2):
        v[i] += 1.0
    return np.sum(v)


def exp_then_update_in_loop(x):
    v = np.exp(x)
    for i in range(3):
        v[i] = v[i] * 2.0
    return np.sum(v * v)


def tanh_then_update_in_nested_loop(x):
    v = np.tanh(x)
    for j in range(2):
        for i in range(2):
            v[i + j] += 0.5
    return np.sum(v ** 2)


def sqrt_then_update_in_branch_in_loop(x, c):
    v = np.sqrt(x)
    for i in range(3):
        if c > 0:
            v[i] = v[i] + c
    return np.sum(v * x)


def sqrt_then_update_in_while(x):
    v = np.sqrt(x)
    i = 0
    while i < 3:
        v[i] += 1.0
        i = i + 2
    return np.sum(v)


def view_read_after_loop_update(x):
    v = np.sin(x)
    w = v[0:2] * 1.0
    for i in range(3):
        v[i] = v[i] * 3.0
    return np.sum(v) + np.sum(w)


def update_loop_reads_pre_loop_value(x):
    v = np.exp(x)
    s = 0.0
    for i in range(3):
        s = s + np.sum(v)
        v[i] = 0.5 * v[i]
    return s + np.sum(v)


def sqrt_updated_twice(x):
    v = np.sqrt(x)
    for i in range(2):
        v[i] += 1.0
    for i in range(2):
        v[i + 1] *= 2.0
    return np.sum(v * v)


# -- loop-invariant code and loops that run zero times ------------------------------------
def invariant_product_zero_trips(x, y, n):
    s = x
    for i in range(n):
        s = s + x * y
    return np.sum(s)


def invariant_sin_zero_trips(x, y, n):
    s = 0.0
    for i in range(n):
        s = s + np.sin(x - y)
    return np.sum(s) + np.sum(x)


def invariant_in_nested_zero_trips(x, y, n):
    s = 0.0
    for j in range(2):
        for i in range(n):
            s = s + np.sum(x * y)
    return s + np.sum(x)


def stencil(u0, k, steps):
    u = u0.copy()
    for _ in range(steps):
        lap = u[2:] - 2.0 * u[1:-1] + u[:-2]
        u[1:-1] = u[1:-1] + k * lap
    return np.sum(u ** 2)


def equal_arrays_one_updated(x, a):
    w2 = a * x                     # CSE makes w2 and w3 one value
    for j in range(1):
        w2[j] += x
    w3 = a * x
    for j in range(2):
        w3[j + 1] *= 0.5
    return np.sum(w2 * w2) + np.sum(w3 * w3)


def equal_arrays_zero_trip_second(x, a):
    w2 = a * x
    for j in range(1):
        w2[j] += x
    w3 = a * x
    for j in range(0):
        w3[j] += 0.5
    return np.sum(w2 * w2) + np.sum(w3 * w3)


def array_bound_in_branch_then_updated(x, a, c):
    v = np.exp(a * x)
    if c > 0:
        u = v
    else:
        u = a
    w = v * 1.0
    for i in range(2):
        w[i] += c
    return np.sum(u * u) + np.sum(w)


def constant_outer_zero_trips(x, y):
    v = 0.0
    for m in range(0):
        c = 0.0
        for q in range(1):
            c = x * y
        v = v + c
    return x + v
