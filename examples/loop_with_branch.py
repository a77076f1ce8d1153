"""The example docs/how_it_works.md walks through: a loop with a data-dependent branch."""
import math


def f(x, n):
    s = 0.0
    for i in range(n):
        if s < 1.0:
            s = s + math.sin(x * i)
        else:
            s = s * 0.5
    return s * x
