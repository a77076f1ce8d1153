"""Functions for test_issue9_rules: the rule cases of issue 9, family 5
(rules that were silently zero or wrong) and the valid code the rule
inliner refused."""
import math

import numpy as np

W3 = np.array([1.0, -2.0, 0.5])
LOG = []


# -- family 5: silently zero or wrong ------------------------------------------------------------
def mod_scalar(x, c):
    return x % c


def mod_array(a, c):
    return np.sum(np.mod(a, c) * W3) + np.sum((a % c) ** 2)


def copysign_scalar(x, y):
    return math.copysign(x, -1) * 3.0 + math.copysign(x, y)


def copysign_array_sign_source(a, b):
    return np.sum(np.copysign(a, b) * W3) + np.sum(b * b)


def full_scalar(x):
    return np.sum(np.full(3, x) * W3)


def full_array_fill(v):
    return np.sum(np.full((2, 3), v) * np.arange(6.0).reshape(2, 3))


def full_like_first(a):
    return np.sum(np.full_like(a, a[0]) * W3)


def linspace_ends(x):
    return np.sum(np.linspace(x, 2.0 * x + 1.0, 5) ** 2)


def linspace_no_endpoint(a, b):
    return np.sum(np.linspace(a, b, 4, endpoint=False, axis=1) * np.arange(8.0).reshape(2, 4))


def logspace_start(x):
    return np.sum(np.logspace(x, 2.0, 4))


def logspace_base(x, base):
    return np.sum(np.logspace(x, 1.5, 3, True, base))


def geomspace_ends(x, y):
    return np.sum(np.geomspace(x, y, 4) * W3[0])


def arange_start_step(x, step):
    return np.sum(np.arange(x, x + 3.0, step) ** 2)


def sum_of_tolist(a):
    return sum(a.tolist())


def tolist_items(a):
    items = a.tolist()
    s = 0.0
    for v in items:
        s = s + v * v
    return s + items[1] * 3.0


def nextafter_scale(x):
    return np.nextafter(x, 10.0) * 2.0


def std_of_equal_entries(x):
    return np.std(x * np.ones(3))


def std_rows(a):
    return np.sum(np.std(a, axis=1))


def power_zero_array(u):
    return np.sum(u ** 0) + np.sum(u ** 2)


def power_zero_scalar(u):
    return u ** 0 + u ** 2 + math.pow(u, 0.0)


def setitem_repeated(v):
    out = np.zeros(4)
    out[[1, 1, 2]] = v
    return np.sum(out * np.array([1.0, 2.0, 3.0, 4.0]))


def setitem_repeated_scalar(x):
    out = np.zeros(4)
    out[[1, 1, 2]] = x
    return np.sum(out * np.array([1.0, 2.0, 3.0, 4.0]))


def setitem_repeated_add(v):
    out = np.ones(4)
    out[[1, 1, 2]] += v
    return np.sum(out * np.array([1.0, 2.0, 3.0, 4.0]))


def heaviside_value_at_zero(a, h):
    return np.sum(np.heaviside(a, h) * W3)


def bincount_weights(w):
    return np.sum(np.bincount(np.array([0, 2, 2]), w) * W3)


def unique_values(a):
    return np.sum(np.unique(a) ** 2)


def histogram_weights(w):
    counts, edges = np.histogram(np.array([0.1, 0.5, 0.9, 0.2]), 2, None, None, w)
    return np.sum(counts * np.array([1.0, 3.0]))


def histogram_edges(a):
    counts, edges = np.histogram(a, 3)
    return np.sum(edges * np.array([1.0, 2.0, 3.0, 4.0]))


def atleast_two_arrays(x, y):
    a, b = np.atleast_1d(x, y)
    return np.sum(a) * 2.0 + np.sum(b * b)


def atleast_two_arrays_one_used(x, y):
    r = np.atleast_2d(x, y)
    return np.sum(r[0]) * 2.0


def unique_with_counts(a):
    values, counts = np.unique(a, return_counts=True)
    return np.sum(values * counts)


def linspace_with_step(x, y):
    samples, step = np.linspace(x, y, 5, retstep=True)
    return np.sum(samples ** 2) + step * 3.0


# -- refused or crashing before --------------------------------------------------------------
def transpose_no_axes(m):
    return np.sum(m.transpose() * np.arange(6.0).reshape(3, 2))


def transpose_int_axes(m):
    return np.sum(m.transpose(1, 0) * np.arange(6.0).reshape(3, 2))


def transpose_tuple_axes(t):
    return np.sum(t.transpose((2, 0, 1)) * np.arange(24.0).reshape(4, 2, 3))


def atleast(x):
    return np.sum(np.atleast_1d(x) * 2.0 + np.atleast_2d(x) + np.atleast_3d(x) ** 2)


def max_of_three(x):
    return max(x, 0.1, -0.2) * 2.0


def min_of_four(x, y):
    return min(x, y, 0.9, x * 2.0)


def append_scalar(a, x):
    return np.sum(np.append(a, x) ** 2)


def log_to_global_list(x):
    LOG.append(1)
    return x * 2.0


def names_like_a_rules_own(g, ans, unbroadcast):
    np_ = g * ans
    return np.sum(np.sin(np_) * unbroadcast)


def shadow_np(x):
    np = 3.0
    return x * np


def sum_with_too_many_arguments(a):
    return np.sum(a, 0, None, None, False, 0, True, 5)


def std_with_where(a):
    return np.std(a, where=np.array([True, False, True]))


def clip_with_keyword_bounds(a, lo):
    return np.sum(np.clip(a, min=lo, max=1.0) * W3)


def pad_with_active_constant(a, c):
    return np.sum(np.pad(a, 1, constant_values=c))


RNG = np.random.default_rng(0)


def normal_with_active_loc(mu):
    return np.sum(RNG.normal(mu, 1.0, 3))


def module_normal_with_active_scale(s):
    return np.sum(np.random.normal(0.0, s, 3))
