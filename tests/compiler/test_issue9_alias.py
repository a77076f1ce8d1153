"""Issue 9, family 6: Python's aliasing and in-place semantics.

Every array the function updates in place — through a view (``r = b[0]``),
an alias (``v = b``), the rows a loop iterates over, or an argument — ends
as Python leaves it: the returned value and the caller's arrays after the
call equal running the function itself (on copies), and the gradient, with
respect to the values at entry, matches central finite differences of a
function that copies its inputs first.  What cannot be modelled exactly is
a MutationError naming the construct, the function and the line.
"""
import inspect
import os

import numpy as np
import pytest

import ad_compiler as adc
from . import alias_examples as ex
from .fd import assert_close, numerical_grad

RNG = np.random.default_rng(9)
M = RNG.normal(size=(3, 4))
V = RNG.normal(size=4)


def _copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def check_like_python(fn, args, wrt=(0,)):
    """Value, caller's arrays after the call, and gradients vs Python / FD."""
    py_args = _copies(args)
    expected = fn(*py_args)
    ad_args = _copies(args)
    value, grads = adc.value_and_grad(fn, wrt=wrt)(*ad_args)
    assert_close(value, expected, rtol=1e-12, atol=1e-12, what=f"{fn.__name__} value")
    for k, (got, want) in enumerate(zip(ad_args, py_args)):
        np.testing.assert_array_equal(got, want, err_msg=f"{fn.__name__}: argument {k} after the call")
    copying = lambda *a: fn(*_copies(a))
    for k, g in zip(wrt, grads):
        assert_close(g, numerical_grad(copying, _copies(args), k), rtol=1e-5, atol=1e-6,
                     what=f"{fn.__name__} d/d arg {k}")
    return grads


CASES = {
    # the reproducers of the issue
    "row_view_scaled": ((M,), (0,)),
    "row_view_assigned": ((M,), (0,)),
    "parameter_incremented": ((V,), (0,)),
    "alias_incremented_in_loop": ((0.7,), (0,)),
    "rows_iterated_while_updated": ((M, 0.3), (0, 1)),
    "items_iterated_while_scaled": ((np.array([1.1, 0.9, 1.2]),), (0,)),
    # chains of aliases, views of views, what is a view and what a copy
    "chain_of_aliases": ((V,), (0,)),
    "view_of_view": ((0.8,), (0,)),
    "transposed_view": ((M,), (0,)),
    "reshaped_view": ((M,), (0,)),
    "reshape_of_non_contiguous_is_a_copy": ((M,), (0,)),
    "fancy_index_is_a_copy": ((M,), (0,)),
    "item_of_vector_is_a_number": ((V,), (0,)),
    "ellipsis_and_full_slice": ((M,), (0,)),
    "zero_dim_view": ((M,), (0,)),
    "base_updated_view_sees_it": ((M,), (0,)),
    "sibling_views": ((M,), (0,)),
    "asarray_is_the_same_array": ((M,), (0,)),
    "asarray_of_a_list_is_new": ((V, 0.4), (0, 1)),
    # branches and loops
    "view_mutated_in_a_branch": ((M,), (0,)),
    "view_updated_every_iteration": ((M, 3), (0,)),
    "nested_loops_over_rows": ((M,), (0,)),
    "while_with_alias": ((V,), (0,)),
    "accumulate_scalar_alias": ((0.6,), (0,)),
    # arguments: mutated once, as Python does; differentiated at their entry values
    "parameter_view_updated": ((M,), (0,)),
    "parameter_index_assigned": ((V, 0.5, 1.5), (0, 1, 2)),
    "parameter_aliased_twice": ((V,), (0,)),
    "parameter_rebound_then_not_mutated": ((V,), (0,)),
    "parameter_mutated_in_branch": ((V,), (0,)),
    "parameter_mutated_in_loop": ((V, 3), (0,)),
    "scalar_parameter_incremented": ((0.3,), (0,)),
    "int_array_incremented": ((V, 0.5), (0, 1)),
    # helpers, break/continue/return inside the loop, unpacking, enumerate and zip
    "via_helper_view": ((M,), (0,)),
    "rows_in_loop": ((M[:3, :3],), (0,)),
    "with_break": ((M,), (0,)),
    "early_return": ((M,), (0,)),
    "tuple_unpack": ((M,), (0,)),
    "enum_rows": ((M,), (0,)),
    "zip_rows": ((M,), (0,)),
    "param_view_loop": ((M,), (0,)),
    "param_returned": ((M,), (0,)),
    "ifexp_alias": ((M,), (0,)),
    "alias_then_unchanged_in_loop": ((1.0, 1.3), (0, 1)),
    "alias_updated_through_its_base_in_loop": ((V,), (0,)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_in_place_updates_do_what_python_does(name):
    args, wrt = CASES[name]
    check_like_python(getattr(ex, name), args, wrt)


def test_the_issue_reproducers_give_pythons_values():
    a = np.ones((2, 2))
    assert adc.value_and_grad(ex.row_view_scaled)(a)[0] == pytest.approx(3.0)
    assert adc.value_and_grad(ex.alias_incremented_in_loop)(1.0)[0] == pytest.approx(
        ex.alias_incremented_in_loop(1.0))
    x = np.ones(3)
    adc.grad(ex.parameter_incremented)(x)
    np.testing.assert_array_equal(x, [2.0, 2.0, 2.0])      # the caller's array changed once


def test_parameter_in_place_update_happens_once_per_call():
    x = np.array([1.0, 2.0])
    g = adc.value_and_grad(ex.parameter_incremented)
    for expected in ([2.0, 3.0], [3.0, 4.0]):
        value, grad = g(x)
        np.testing.assert_array_equal(x, expected)
        np.testing.assert_allclose(grad, 2 * x)          # d/dx sum((x+1)^2) at entry x


def test_unmutated_arguments_are_not_copied_or_written():
    src = adc.grad(ex.parameter_rebound_then_not_mutated)
    src(np.ones(2))
    assert "entry_copy" not in src.source and "write_back" not in src.source


def test_no_aliasing_leaves_the_generated_code_unchanged():
    def plain(x):
        s = 0.0
        acc = np.zeros(3)
        for i in range(3):
            s += x[i]
            acc += x
        return s * np.sum(acc)
    g = adc.grad(plain)
    g(np.ones(3))
    for name in ("write_view", "read_view", "alias_update", "refuse_inplace", "entry_copy"):
        assert name not in g.source


# -- what cannot be modelled is a clear error ---------------------------------------------
HERE = os.path.abspath(__file__)


def _marked_line(fn):
    lines, start = inspect.getsourcelines(fn)
    return start + [i for i, ln in enumerate(lines) if "# <-" in ln][0]


def view_on_one_path_only(x, c):
    b = x * 1.0
    if c > 0.0:
        r = b[0]
    else:
        r = np.zeros(4)
    r += 1.0  # <-
    return np.sum(b)


def base_rebound_on_one_path(x):
    b = x * 1.0
    r = b[0]
    if np.sum(x) > 0.0:
        b = b * 2.0          # a new array on this path only: r is a view of the old one
    r *= 3.0  # <-
    return np.sum(b * x) + np.sum(r)


def alias_changes_between_iterations(x):
    b = x * 1.0
    r = b[0]
    for i in range(2):  # <-
        r += 1.0
        r = b[1]
    return np.sum(b)


def out_argument(x):
    a = x * 1.0
    np.add(a, 1.0, out=a)  # <-
    return np.sum(a)


def in_place_method(x):
    a = x * 1.0
    a.sort()  # <-
    return np.sum(a * x)


def in_place_function(x):
    a = np.zeros(4)
    np.copyto(a, x)  # <-
    return np.sum(a * x)


def updated_after_storing(x):
    b = x * 1.0
    items = [b]
    b += 1.0  # <-
    return np.sum(items[0])


def _helper_mutating(a):
    a += 1.0  # <-
    return a


def mutates_through_a_helper(x):
    b = x * 1.0
    _helper_mutating(b)
    return np.sum(b)


GLOBAL = np.ones(4)


def assigns_into_a_global(x):
    GLOBAL[0] = 2.0  # <-
    return np.sum(GLOBAL * x)


def updates_a_view_of_a_global(x):
    r = GLOBAL[1:]
    r *= 2.0  # <-
    return np.sum(r) * np.sum(x)


ERRORS = [
    (view_on_one_path_only, (M, 1.0), "augmented assignment to 'r': 'r' shares memory with 'b' "
                                      "on some paths only"),
    (base_rebound_on_one_path, (M,), "augmented assignment to 'r': 'r' shares memory with 'b' "
                                     "on some paths only"),
    (alias_changes_between_iterations, (M,), "which arrays 'r' shares memory with changes from "
                                             "one iteration to the next"),
    (out_argument, (V,), "out= writes the result into an existing array in place"),
    (in_place_method, (V,), "'.sort()' changes the array in place"),
    (in_place_function, (V,), "np.copyto() changes an array in place"),
    (updated_after_storing, (V,), "augmented assignment to 'b': it (or an array it shares "
                                  "memory with) was put in a list or tuple"),
    (mutates_through_a_helper, (V,), "augmented assignment to 'a': it would modify an array "
                                     "of the calling function"),
    (assigns_into_a_global, (V,), "assignment into 'GLOBAL' would modify a global array"),
    (updates_a_view_of_a_global, (V,), "augmented assignment to 'r': it may change another "
                                       "array through a view of a global array"),
]


@pytest.mark.parametrize("fn, args, message", ERRORS, ids=[e[0].__name__ for e in ERRORS])
def test_what_cannot_be_modelled_is_a_mutation_error(fn, args, message):
    before = GLOBAL.copy()
    with pytest.raises(adc.MutationError) as info:
        adc.grad(fn)(*_copies(args))
    text = str(info.value)
    assert message in text, text
    where = fn if fn is not mutates_through_a_helper else _helper_mutating
    assert f"{where.__name__} ({HERE}:{_marked_line(where)}): " in text, text
    np.testing.assert_array_equal(GLOBAL, before)


def test_an_item_of_a_vector_updated_in_place_is_rebound_like_a_number():
    def f(x):
        items = [x[0] * 1.0]
        s = items[0]
        s += 1.0                     # a number: the list keeps its item
        return items[0] * s
    check_like_python(f, (V,))


# -- Numba: the same-object step and mutated arguments lower; a view step is a clear error ---
NUMBA_CASES = ["parameter_incremented", "chain_of_aliases", "alias_incremented_in_loop",
               "while_with_alias", "parameter_index_assigned"]


@pytest.mark.parametrize("name", NUMBA_CASES)
def test_numba_backend_agrees_with_python(name):
    pytest.importorskip("numba")
    fn = getattr(ex, name)
    args, wrt = CASES[name]
    py_args, nb_args = _copies(args), _copies(args)
    want = adc.value_and_grad(fn, wrt=wrt)(*py_args)
    got = adc.value_and_grad(fn, wrt=wrt, backend="numba")(*nb_args)
    assert_close(got[0], want[0], what=f"{name} value")
    for g, w in zip(got[1], want[1]):
        assert_close(g, w, what=f"{name} gradient")
    for a, b in zip(nb_args, py_args):
        np.testing.assert_array_equal(a, b)


def test_numba_backend_names_the_line_of_a_view_update_it_cannot_lower():
    pytest.importorskip("numba")
    with pytest.raises(adc.BackendError) as info:
        adc.grad(ex.row_view_scaled, backend="numba")(M)
    assert "write_view" in str(info.value) and "r *= 0.5" in str(info.value)


# -- NumPy's rules of ``a op= v`` for arrays: the result must fit into ``a`` ---------------------
def int_array_plus_float(x):
    a = np.arange(3)
    a += x
    return np.sum(a) * x


def broadcast_grows(x):
    a = np.zeros(3)
    a += np.ones((2, 3)) * x
    return np.sum(a)


def slice_of_int_array_plus_float(x):
    a = np.arange(4)
    a[1:3] += x
    return np.sum(a) * x


@pytest.mark.parametrize("fn, exc, message", [
    (int_array_plus_float, TypeError, "Cannot cast ufunc"),
    (broadcast_grows, ValueError, "non-broadcastable output operand with shape (3,)"),
    (slice_of_int_array_plus_float, TypeError, "Cannot cast ufunc"),
])
def test_an_in_place_result_that_does_not_fit_raises_as_in_python(fn, exc, message):
    with pytest.raises(exc, match="non-broadcastable|Cannot cast"):
        fn(0.5)
    with pytest.raises(exc) as info:
        adc.grad(fn)(0.5)
    assert message in str(info.value)
