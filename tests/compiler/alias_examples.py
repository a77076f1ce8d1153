"""Functions that update arrays in place through views and aliases (issue 9,
family 6).  Each is plain Python: the compiled value, the caller's arrays
after the call and the gradient must be what Python gives."""
import numpy as np


# -- the reproducers of the issue ---------------------------------------------------------
def row_view_scaled(a):
    b = a.copy()
    r = b[0]
    r *= 0.5
    return np.sum(b * a)


def row_view_assigned(a):
    b = a.copy()
    r = b[0]
    r[0] = 5.0 * a[1, 1]
    return np.sum(b * b)


def parameter_incremented(a):
    a += 1.0
    return np.sum(a * a)


def alias_incremented_in_loop(x):
    b = np.zeros(3) + x
    for i in range(2):
        v = b
        v += x
    return np.sum(b * b)


def rows_iterated_while_updated(a, x):
    a = a.copy()
    for r in a:
        a -= np.sum(r) * x
    return np.sum(a * a)


def items_iterated_while_scaled(v):
    v = v * 1.0
    for t in v:
        v *= t
    return np.sum(v)


# -- chains of aliases, views of views ------------------------------------------------------
def chain_of_aliases(x):
    a = x * 1.0
    b = a
    c = b
    c += 2.0
    c *= a
    return np.sum(a) + np.sum(b * x)


def view_of_view(x):
    b = np.ones((3, 4)) * x
    r = b[1:]
    q = r[0]
    q[1:3] *= 3.0
    q -= 1.0
    return np.sum(b * x)


def transposed_view(x):
    b = x * 2.0
    t = b.T
    t[0] += x[:, 1]
    return np.sum(b * b)


def reshaped_view(x):
    b = x * 1.0
    flat = b.reshape(-1)
    flat *= np.arange(1.0, flat.size + 1.0)
    return np.sum(b * x)


def reshape_of_non_contiguous_is_a_copy(x):
    b = x * 1.0
    t = b.T
    flat = t.reshape(-1)        # t is not C-contiguous: a copy
    flat += 10.0
    return np.sum(b * x) + np.sum(flat)


def fancy_index_is_a_copy(x):
    b = x * 1.0
    c = b[[0, 2]]
    c *= 10.0
    return np.sum(b * x) + np.sum(c)


def item_of_vector_is_a_number(x):
    b = x * 1.0
    r = b[0]
    s = r
    r *= 4.0
    return np.sum(b) + r + s


def ellipsis_and_full_slice(x):
    b = x * 1.0
    c = b[...]
    c += 1.0
    d = b[:]
    d *= x
    b[...] = b * 2.0
    return np.sum(b * c) + np.sum(d)


def zero_dim_view(x):
    b = x * 1.0
    c = b[1, ...]
    c *= 3.0
    return np.sum(b * x)


def base_updated_view_sees_it(x):
    b = x * 1.0
    r = b[1]
    b *= 2.0
    b[1] += 1.0
    return np.sum(r * x)


def sibling_views(x):
    b = x * 1.0
    left = b[:, :2]
    right = b[:, 1:]
    left *= 2.0
    right += left[:, 1:]
    return np.sum(b * x)


def asarray_is_the_same_array(x):
    b = x * 1.0
    c = np.asarray(b)
    c += 1.0
    return np.sum(b * x)


def asarray_of_a_list_is_new(a, x):
    v = np.asarray([a, a])
    v[0, 1:3] += x
    return np.sum(v * v)


# -- branches and loops ---------------------------------------------------------------------
def view_mutated_in_a_branch(x):
    b = x * 1.0
    r = b[0]
    if np.sum(x) > 0.0:
        r *= 3.0
    else:
        b[0, 0] = 7.0
    r += 1.0
    return np.sum(b * x)


def view_updated_every_iteration(x, n):
    b = x * 1.0
    r = b[1]
    for i in range(n):
        r *= 1.5
        b[0] += r
    return np.sum(b * x)


def nested_loops_over_rows(x):
    b = x * 1.0
    for i in range(2):
        for r in b:
            r += np.sum(b) * 0.1
    return np.sum(b * x)


def while_with_alias(x):
    b = x * 1.0
    v = b
    k = 0
    while k < 3:
        v *= 1.1
        k += 1
    return np.sum(b * x)


def accumulate_scalar_alias(x):
    s = 0.0
    t = s
    for i in range(3):
        s += x
    return s * t + s


# -- parameters -----------------------------------------------------------------------------
def parameter_view_updated(a):
    r = a[0]
    r *= 2.0
    return np.sum(a * a)


def parameter_index_assigned(x, a, b):
    x[0] = a * b
    return np.sum(x) * a


def parameter_aliased_twice(a):
    b = a
    b += 1.0
    a *= 2.0
    return np.sum(a * b)


def parameter_rebound_then_not_mutated(a):
    a = a + 1.0
    a += 1.0
    return np.sum(a * a)


def parameter_mutated_in_branch(a):
    if np.sum(a) > 0.0:
        a[0] = 0.0
    return np.sum(a * a)


def parameter_mutated_in_loop(a, n):
    for i in range(n):
        a[i] *= 2.0
    return np.sum(a * a)


def scalar_parameter_incremented(x):
    x += 1.0
    return x * x


def int_array_incremented(a, x):
    b = np.arange(3)
    b += 1
    return np.sum(b * x) + np.sum(a)


# -- helpers, break/continue/return, unpacking, enumerate/zip -------------------------------
def first(a):
    return a[0]
def via_helper_view(x):
    b = x * 1.0
    r = first(b)
    r *= 2.0
    return np.sum(b * x)
def rows_in_loop(x):
    b = x * 1.0
    for i in range(3):
        r = b[i]
        r += np.sum(b) * 0.1
    return np.sum(b * x)
def with_break(x):
    b = x * 1.0
    v = b
    for i in range(5):
        if i == 3:
            break
        v *= 1.5
        if i == 1:
            continue
        b[0] += 1.0
    return np.sum(b * x) + np.sum(v)
def early_return(x):
    b = x * 1.0
    r = b[1]
    for i in range(4):
        r *= 2.0
        if np.sum(b) > 10.0:
            return np.sum(b * x)
    return np.sum(b) * 2.0
def tuple_unpack(x):
    a, b = x * 1.0, x
    c = a
    a += b
    return np.sum(c * x)
def enum_rows(x):
    b = x * 1.0
    for i, r in enumerate(b):
        r *= (i + 1.0)
    return np.sum(b * x)
def zip_rows(x):
    b = x * 1.0
    c = x * 2.0
    for r, s in zip(b, c):
        r += s
        s -= r
    return np.sum(b * x) + np.sum(c * x)
def param_view_loop(a):
    for r in a:
        r *= 2.0
    return np.sum(a * a)
def param_returned(a):
    a *= 2.0
    return np.sum(a)
def ifexp_alias(x):
    b = x * 1.0
    c = b if np.sum(x) > 0 else b
    c += 1.0
    return np.sum(b * x)


def alias_then_unchanged_in_loop(x, y):
    # (found by the fuzz test) v2 and x share a value, a loop leaves both unchanged
    v2 = x
    v2 += np.sin(x)
    v4 = x
    k = 0
    while k < 3 and np.tanh(v4) < 0.9:
        v4 = v4 * 1.1 + 0.05 * x
        k += 1
    return v2 + v4 * y


def alias_updated_through_its_base_in_loop(a):
    b = a * 1.0
    v = b
    v += 1.0
    k = 0
    while k < 2:
        b[0] += 1.0
        k += 1
    return np.sum(v * a)
