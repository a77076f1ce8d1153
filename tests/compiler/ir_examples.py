"""Small functions whose IR and generated source are frozen as golden text
(test_ir.py, test_emit.py).  Line numbers in the golden text are relative to
each function's ``def`` line, so editing this file above a function does not
break its golden text; editing a function does, on purpose."""
import math

import numpy as np


def straight(x, y):
    z = x * y
    w = np.sin(z) + y
    return np.sum(w * 2.0)


def branch(x):
    if x > 0.0:
        y = x * x
    else:
        y = -x
    return y * 3.0


def loop(x, n):
    s = 0.0
    for i in range(n):
        s = s * 0.9 + math.sin(x * i) * x
    return s


def scalar_product(x, y):
    return x * y + math.exp(x)


def normalize(text, fn):
    """``text`` with ``line N`` made relative to ``fn``'s def line
    (``line +K``) and the absolute path of this file reduced to its name."""
    import os
    import re
    first = fn.__code__.co_firstlineno
    text = text.replace(os.path.abspath(__file__), os.path.basename(__file__))
    text = re.sub(r"(ir_examples\.py:)(\d+)", lambda m: f"{m.group(1)}+{int(m.group(2)) - first}", text)
    return re.sub(r"\bline (\d+)", lambda m: f"line +{int(m.group(1)) - first}", text)
