"""Functions for test_statements.py (the compiler needs them in a file)."""
import numpy as np


def checked(x, n):
    assert n >= 0, f"n must be >= 0, got {n}"
    if x.ndim != 1:
        raise ValueError(f"expected a vector, got shape {x.shape}")
    s = 0.0
    for i in range(n):
        s = s + np.sum(x * i)
    print(f"s = {s:.3f} ({s!r})")
    return s * s


def assert_without_message(x):
    assert x > 0
    return x * x


def raise_in_loop(x):
    s = x
    for i in range(5):
        if s > 100.0:
            raise OverflowError("diverged")
        s = s * 3.0
    return s
