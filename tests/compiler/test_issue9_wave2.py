"""Issue 9, second wave: two silent wrong results of the first wave.

* Comprehensions: the element expression of ``[... for i in ...]`` may
  change outer names (``out.append(x * i)``); those changes must survive the
  comprehension (only its own targets are scoped to it).  Appends Python
  would make through another reference (a helper's parameter, a list stored
  in a container, ``c[k].append``) are refused with a MutationError.
* Dicts inside pytree arguments iterated directly (``for k in p["sub"]``)
  iterate their keys in insertion order, as Python does.

Each case checks the value against running ``f``, the gradient against
central finite differences and, where the tape supports it, the tape.
"""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.errors import MutationError

from .fd import assert_close, numerical_grad


def _check_scalar_arg(f, x):
    v, g = adc.value_and_grad(f)(x)
    assert_close(v, f(x), what="value")
    assert_close(g, numerical_grad(f, [x], 0), rtol=1e-5, atol=1e-6, what="gradient")
    return v, g


# -- comprehensions with side effects on outer names ---------------------------------------
def comp_append(x):
    out = []
    [out.append(x * i) for i in range(3)]
    return sum(out)


def comp_append_nested(x):
    out = []
    [[out.append(x * i + j * x * x) for j in range(2)] for i in range(3)]
    return sum(out)


def comp_append_and_value(x):
    out = [x]
    ys = [x * x * i for i in range(3) if out.append(x + i) is None]
    return sum(out) * sum(ys)


def comp_target_is_scoped(x):
    i = 10.0
    y = [x * i for i in range(3)]
    return sum(y) + i * x


def comp_alias_append(x):
    out = [x * i for i in range(2)]
    a = out
    a.append(x * x)                  # (straight-line: every name bound to the list sees it)
    return sum(out) * out[2]


@pytest.mark.parametrize("f", [comp_append, comp_append_nested, comp_append_and_value,
                               comp_target_is_scoped, comp_alias_append])
def test_comprehension_keeps_outer_mutations(f):
    _check_scalar_arg(f, 1.7)


@pytest.mark.parametrize("f", [comp_append, comp_append_nested, comp_target_is_scoped])
def test_comprehension_mutation_tape_agrees(f):
    from ad_compiler import tape
    assert_close(tape.grad_of(f)(1.7), adc.grad(f)(1.7), what="tape vs compiler")


def _helper_append(lst, v):
    lst.append(v)
    return v


def helper_appends_in_comprehension(x):
    out = []
    y = [_helper_append(out, x * i) for i in range(3)]
    return sum(out) + sum(y)


def helper_appends_in_loop(x):
    out = []
    for i in range(3):
        _helper_append(out, x * i)
    return sum(out)


def append_to_stored_list(x):
    inner = []
    outer = [inner]
    inner.append(x)
    return sum(outer[0]) + 1.0


def append_to_item(x):
    out = [[]]
    out[0].append(x)
    return sum(out[0]) + 1.0


@pytest.mark.parametrize("f, msg", [
    (helper_appends_in_comprehension, "appending to 'lst' would modify a list of the calling function"),
    (helper_appends_in_loop, "appending to 'lst' would modify a list of the calling function"),
    (append_to_stored_list, "appending to 'inner' after it was put in a list, tuple or dict"),
    (append_to_item, "appending to a list that is an item or attribute of another value"),
])
def test_appends_python_would_share_are_refused(f, msg):
    with pytest.raises(MutationError, match=msg.replace("(", r"\(")):
        adc.grad(f)(1.7)
