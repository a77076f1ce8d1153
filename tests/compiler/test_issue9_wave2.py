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


# -- dicts inside pytree arguments iterated directly ---------------------------------------
from .test_issue9_pytree import _check  # noqa: E402  (value, structure, finite differences)

A = np.arange(6.0).reshape(3, 2) / 7.0
P = {"sub": {2: 1.5, 0: 3.0}, "A": A, "l": [1.25, 2.0], "other": {1: 0.25, 3: 2.0}}
PS = {"sub": {"b": 1.5, "a": 3.0, "c": -0.5}}


def int_keys_item(p):
    s = 0.0
    for k in p["sub"]:
        s = s + p["sub"][k] * (k + 1.0)      # read by position this gave a wrong value
    return s


def str_keys_item(p):
    s = 0.0
    for k in p["sub"]:
        s = s + p["sub"][k] ** 2 * len(k)    # read by position this was a KeyError
    return s


def dict_argument(d):
    s = 0.0
    for k in d:                              # was refused at compile time
        s = s + d[k] * d[k] * (k + 2.0)
    return s


def item_aliased(p):
    d = p["sub"]
    s = 0.0
    for k in d:
        s = s + d[k] * k
    return s


def list_of_dicts(q):
    s = 0.0
    for d in q:
        for k in d:
            s = s + d[k] * (k + 1.0)
    return s


def dict_of_dicts(p):
    s = 0.0
    for name in p:
        for k in p[name]:
            s = s + p[name][k] * len(name) * (k + 1.0)
    return s


def enumerate_and_zip(p):
    s = 0.0
    for i, k in enumerate(p["sub"]):
        s = s + p["sub"][k] * (i + 1) * k
    for k, v in zip(p["sub"], p["l"]):
        s = s + p["sub"][k] * v * (k + 1.0)
    return s


def merged_at_a_join(p, c):
    d = p["sub"] if c > 0 else p["other"]
    s = 0.0
    for k in d:
        s = s + d[k] * (k + 0.5)
    return s


def in_nested_loops(p):
    s = 0.0
    for i in range(2):
        for k in p["sub"]:
            s = s + p["sub"][k] * k * (i + 1.0)
    return s


def in_a_comprehension(p):
    return sum([p["sub"][k] * (k + 1.0) for k in p["sub"]])


def rows_of_an_array_item(p):
    s = 0.0
    for row in p["A"]:
        s = s + np.sum(row ** 2) * p["l"][0]
    return s


def methods_len_and_in(p):
    s = 0.0
    for k, v in p["sub"].items():
        s = s + v * k
    for k in p["sub"].keys():
        s = s + p["sub"][k]
    s = s * len(p["sub"]) + sum(p["sub"].values())
    return s + (2 in p["sub"]) * p["sub"][0] + ("sub" in p) * 1.0 + ("zz" in p) * 5.0


def builtins_over_a_dict(p):
    return sum(p["sub"]) * p["sub"][0] + max(p["sub"]) * p["sub"][2] + \
        min(p["sub"]) * p["sub"][2] + list(p["sub"])[0] * p["sub"][0]


@pytest.mark.parametrize("f, args", [
    (int_keys_item, (P,)), (str_keys_item, (PS,)), (dict_argument, ({2: 1.5, 0: 3.0, 1: -2.0},)),
    (item_aliased, (P,)), (list_of_dicts, ([{2: 1.5, 0: 3.0}, {1: 0.5}],)),
    (dict_of_dicts, ({"ab": {3: 1.0, 0: 2.0}, "c": {5: 3.0}},)),
    (enumerate_and_zip, (P,)), (merged_at_a_join, (P, 1.0)), (merged_at_a_join, (P, -1.0)),
    (in_nested_loops, (P,)), (in_a_comprehension, (P,)), (rows_of_an_array_item, (P,)),
    (methods_len_and_in, (P,)), (builtins_over_a_dict, (P,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_iterating_a_dict_in_a_pytree_gives_its_keys(f, args):
    _check(f, args)


def test_int_keys_out_of_order_give_pythons_value():
    p = {"sub": {2: 1.5, 0: 3.0}}
    assert adc.value_and_grad(int_keys_item)(p)[0] == int_keys_item(p) == 7.5
    assert adc.grad(int_keys_item)(p) == {"sub": {2: 3.0, 0: 1.0}}


def rows_of_an_array(a):
    s = 0.0
    for row in a:
        s = s + np.sum(row ** 2)
    return s


def test_an_array_parameter_loop_has_no_run_time_dict_test():
    g = adc.grad(rows_of_an_array)
    assert_close(g(A), 2.0 * A)
    assert "iteration_keys" not in g.source
    g({1: A[0], 0: A[1]})                    # a dict argument: its own variant, keys at run time
    assert "iteration_keys" in g.source


def rows_of_a_slice(a):
    s = 0.0
    for row in a[1:]:                        # not a parameter: iteration_keys at run time
        s = s + np.sum(row ** 2)
    return s


def test_numba_array_loops_unchanged():
    pytest.importorskip("numba")
    assert_close(adc.grad(rows_of_an_array, backend="numba")(A), 2.0 * A)
    want = 2.0 * A
    want[0] = 0.0
    assert "iteration_keys" in adc.grad(rows_of_a_slice).variant().source
    assert_close(adc.grad(rows_of_a_slice, backend="numba")(A), want)
    assert_close(adc.grad(rows_of_a_slice)(A), want)


# -- nested lists as cotangents ------------------------------------------------------------
def nested_list(x, y):
    lst = [[x, y], [y * x]]
    return sum(lst[0]) * lst[1][0]


def tolist_item(a):
    return a.reshape(2, 3).tolist()[1][1] * a[0]


def test_nested_lists_carry_gradients():
    for k in (0, 1):
        assert_close(adc.grad(nested_list, wrt=k)(1.5, -0.7),
                     numerical_grad(nested_list, [1.5, -0.7], k))
    assert adc.value_and_grad(nested_list)(1.5, -0.7)[0] == nested_list(1.5, -0.7)
    a = np.arange(1.0, 7.0)
    v, g = adc.value_and_grad(tolist_item)(a)
    assert v == tolist_item(a)
    assert_close(g, numerical_grad(tolist_item, [a], 0))


# -- other in-place list/dict methods (siblings of the lost append) --------------------------
def extend_in_comprehension(x):
    out = []
    [out.extend([x, x * i]) for i in range(3)]
    return sum(out)


def extend_in_loop(x):
    out = [x]
    for i in range(2):
        out.extend([x * i])
    return sum(out)


def insert_then_read(x):
    out = [x]
    out.insert(0, x * 2.0)
    return out[0] + out[1] * 3.0


def update_in_comprehension(x):
    d = {}
    [d.update({i: x * i}) for i in range(3)]
    return sum(d.values())


def pop_value(x):
    out = [x, x * 2.0]
    v = out.pop()
    return sum(out) + v * 10.0


@pytest.mark.parametrize("f, method", [
    (extend_in_comprehension, "extend"), (extend_in_loop, "extend"), (insert_then_read, "insert"),
    (update_in_comprehension, "update"), (pop_value, "pop")])
def test_in_place_methods_on_differentiated_containers_are_refused(f, method):
    with pytest.raises(adc.NoRuleError,
                       match=rf"'\.{method}\(\)' changes a list or dict that carries a gradient "
                             "in place, which is not supported"):
        adc.grad(f)(1.7)


def in_place_methods_without_gradient(x):
    axes = [0, 1, 2]
    axes.remove(1)
    axes.insert(0, 1)
    d = {"a": 1}
    d.update({"b": 2})
    [axes.extend([k]) for k in range(2)]
    return x[axes[0]] * d["b"] * len(d) + x[axes[-1]] * len(axes)


def test_in_place_methods_on_containers_without_gradient_run_as_python():
    x = np.arange(1.0, 4.0)
    v, g = adc.value_and_grad(in_place_methods_without_gradient)(x)
    assert v == in_place_methods_without_gradient(x)
    assert_close(g, numerical_grad(in_place_methods_without_gradient, [x], 0))


def extend_an_item(x):
    c = [[x]]
    c[0].extend([x])
    return sum(c[0])


def test_in_place_method_on_an_item_is_refused():
    with pytest.raises(MutationError, match=r"'\.extend\(\)' on an item or attribute of another "
                                            "value changes it in place"):
        adc.grad(extend_an_item)(1.7)


# -- generator expressions consumed at once (built as the list comprehension) -----------------
def gen_sum(x):
    return sum(x * i for i in range(3))


def gen_max_min(x):
    return max(x * i for i in range(3) if i != 2) + min(x * x * i for i in range(1, 3))


def gen_list_tuple(x):
    return sum(list(x * i for i in range(3))) * sum(tuple(x for _ in range(2)))


def gen_nested(x):
    return sum(sum(x * i * j for j in range(2)) for i in range(3))


def gen_appends(x):
    out = []
    s = sum(out.append(x * i) or x for i in range(3))
    return s * sum(out)


@pytest.mark.parametrize("f", [gen_sum, gen_max_min, gen_list_tuple, gen_nested, gen_appends])
def test_generator_expression_consumed_by_a_builtin(f):
    _check_scalar_arg(f, 1.3)


def gen_rows(a):
    return sum(np.sum(r ** 2) for r in a) * all(v > -100.0 for v in a.ravel())


def test_generator_over_array_rows():
    a = np.arange(4.0).reshape(2, 2) / 3.0
    v, g = adc.value_and_grad(gen_rows)(a)
    assert_close(v, gen_rows(a))
    assert_close(g, numerical_grad(gen_rows, [a], 0))


def _sum_of(it):
    return sum(it)


def gen_to_helper(x):
    return _sum_of(x * i for i in range(3))


def gen_stored(x):
    g = (x * i for i in range(3))
    return sum(g) + sum(g)          # (Python: the second sum is 0, the generator is spent)


def gen_shadowed(x):
    sum = max
    return sum(x * i for i in range(3))


@pytest.mark.parametrize("f", [gen_to_helper, gen_stored, gen_shadowed])
def test_other_generator_expressions_are_refused(f):
    with pytest.raises(adc.UnsupportedSyntaxError,
                       match=r"generator expressions are not supported here \(only as the single "
                             "argument of"):
        adc.grad(f)(1.3)
