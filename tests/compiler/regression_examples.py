"""Minimal reproductions of bugs found by the fuzz test (kept as regressions)."""
import math


def nested_conditional_expression(x):
    # the inner `and` builds its own branch inside the outer conditional's arm
    y = x * 2.0 if (x > 0.0 and x < 2.0) else -x
    return y * x


def while_after_early_return_loop(x):
    # the while test is guarded by the returned flag; its `and` builds a branch
    for i in range(3):
        if math.sin(x * 3.0 + i) > 0.9:
            return x * x
    v = x
    k = 0
    while k < 3 and math.tanh(v) < 0.9:
        v = v * 1.1 + 0.05 * x
        k += 1
    return v + x


def shape_bug(x, w):
    y = x @ w          # the caller passes mismatched shapes
    return (y * 2.0).sum()


def carried_value_not_in_output(x, n):
    # y is carried by the loop but the output only depends on the final u
    u, y = 1.0, 0.5
    for _ in range(n):
        u, y = u + 0.1 * x * y, y * 0.9 + u * x
    return (u - 2.0) ** 2


def power_in_scalar_loop(x, n):
    s = x
    for i in range(n):
        s = s + 0.01 * (s - 1.0) ** 2
    return (s - 0.5) ** 2
