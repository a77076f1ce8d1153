"""Functions for test_builtins.py (the compiler needs them in a file)."""
import numpy as np


def sum_of_list(x):
    return sum([x[i] ** 2 for i in range(len(x))])


def sum_with_start(x, y):
    return sum([x * 2.0, x * y], y)


def sum_of_rows(x):
    return np.sum(sum(x) ** 2)


def max_min(x, y):
    return max(x, y) * 2.0 + min(x, 0.5)


def relu(x):
    return max(0.0, x) * x


def max_of_list(x):
    return max([x[0] * 2.0, x[1], x[2] - 1.0])
