"""Issue 9, control flow: every case checks the value against running the
function itself and the gradient against central finite differences (and
the tape where it can run the function).

Families: a ``return`` nested in branches and loops was dropped at a join;
valid code was refused as "may be used before it is assigned"; ``has_aux``
with several returns; deep chains of helper calls; a loop-carried value that
changes from array to scalar.
"""
import importlib.util
import math
import sys

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import tape
from . import issue9_control_examples as ex
from .fd import assert_close, numerical_grad


def _kinked(fn, args, k, eps=1e-6):
    """Whether a branch flips within a few eps of the point (FD unreliable)."""
    a, b = numerical_grad(fn, args, k, eps), numerical_grad(fn, args, k, 4 * eps)
    return not np.allclose(a, b, rtol=1e-4, atol=1e-6)


def check(fn, *args, wrt=0, use_tape=True):
    """value == fn(*args); gradient == finite differences == the tape."""
    expected = fn(*args)
    value, grad = adc.value_and_grad(fn, wrt=wrt)(*args)
    assert_close(value, expected, rtol=1e-12, atol=0, what=f"{fn.__name__} value")
    assert type(value) is type(expected) or isinstance(expected, (float, np.floating)), \
        (type(value), type(expected))
    if not _kinked(fn, args, wrt):
        assert_close(grad, numerical_grad(fn, args, wrt), rtol=1e-5, atol=1e-7,
                     what=f"{fn.__name__} gradient at {args}")
    if use_tape:
        assert_close(grad, tape.grad_of(fn, wrt)(*args), rtol=1e-9, atol=1e-12,
                     what=f"{fn.__name__} tape")
    return grad


# -- family 1: a return nested in branches and loops --------------------------------------------
XS = [-12.0, -3.0, -0.7, 0.2, 0.6, 1.3, 2.6, 4.0, 7.5]
NESTED_RETURNS = [ex.return_in_nested_if, ex.return_in_elif, ex.return_in_loop_in_if,
                  ex.return_three_deep, ex.return_in_else_of_nested_if,
                  ex.return_in_loop_in_branch_in_loop, ex.return_after_break_and_continue,
                  ex.return_in_while_in_if, ex.return_in_nested_loops_with_breaks,
                  ex.calls_helper_with_nested_return]


@pytest.mark.parametrize("x", XS)
@pytest.mark.parametrize("fn", NESTED_RETURNS, ids=lambda f: f.__name__)
def test_a_nested_return_is_never_dropped(fn, x):
    check(fn, x)


def test_the_issues_reproducers():
    assert adc.value_and_grad(ex.return_in_nested_if)(1.0) == (2.0, 2.0)
    assert adc.value_and_grad(ex.return_in_elif)(1.0) == (5.0, 5.0)
    assert adc.value_and_grad(ex.return_in_loop_in_if)(1.0) == (5.0, 5.0)


@pytest.mark.parametrize("x", [-1.0, 0.5, 2.0])
def test_returns_of_different_kinds_keep_their_type(x):
    value, _ = adc.value_and_grad(ex.returns_of_different_kinds)(x)
    expected = ex.returns_of_different_kinds(x)
    assert value == expected and type(value) is type(expected)
    if x != 0.5:
        check(ex.returns_of_different_kinds, x)


@pytest.mark.parametrize("x", [0.3, 1.0, 6.0])
def test_a_loop_left_only_by_return(x):
    check(ex.loop_only_returns_from_inside, x, use_tape=False)


def test_a_loop_that_may_end_without_return():
    check(ex.for_loop_may_end_without_return, 1.5, use_tape=False)
    with pytest.raises(TypeError, match="reached its end without a 'return'"):
        adc.grad(ex.for_loop_may_end_without_return)(-1.0)


def test_a_return_after_the_last_statement_needs_no_run_time_check():
    assert "reached its end" not in adc.grad(ex.return_in_nested_if).variant().source


# -- family 2: locals bound on some paths only ------------------------------------------------
@pytest.mark.parametrize("x", [1.0, 7.0, -2.0])
def test_break_before_an_assignment(x):
    check(ex.break_before_assignment, x)


def test_continue_before_an_assignment():
    check(ex.continue_before_assignment, 0.7)


def test_a_local_bound_in_a_loop_is_read_after_it():
    check(ex.bound_in_loop_read_after, 0.7, 3)
    with pytest.raises(UnboundLocalError) as info:
        ex.bound_in_loop_read_after(0.7, 0)
    with pytest.raises(UnboundLocalError, match="local variable 'y'") as ours:
        adc.grad(ex.bound_in_loop_read_after)(0.7, 0)
    assert "issue9_control_examples.py" in str(ours.value)
    assert type(ours.value) is type(info.value)


def test_a_local_bound_on_a_later_trip():
    check(ex.bound_on_a_later_trip, 0.9)


@pytest.mark.parametrize("x", [3.0, 200.0])
def test_an_unbound_local_in_an_arm_that_does_not_run(x):
    check(ex.unbound_name_in_untaken_arm_local, x)


def test_an_unbound_local_raises_where_python_raises():
    check(ex.unbound_when_branch_not_taken, 0.5)
    with pytest.raises(UnboundLocalError):
        ex.unbound_when_branch_not_taken(-0.5)
    with pytest.raises(UnboundLocalError, match="cannot access local variable 'y'"):
        adc.grad(ex.unbound_when_branch_not_taken)(-0.5)


@pytest.mark.parametrize("fn", [ex.factory_called_inside, ex.factory_defined_inside,
                                ex.closure_sees_late_binding, ex.nested_default_evaluated_at_def,
                                ex.functions_passed_to_a_helper],
                         ids=lambda f: f.__name__)
def test_nested_functions_as_values(fn):
    check(fn, 1.5)


def test_append_to_a_global_list_happens_at_call_time():
    del ex.LOG[:]
    g = adc.value_and_grad(ex.appends_to_global_list)
    assert g(1.5) == (3.0, 2.0)
    assert g(2.5) == (5.0, 2.0)
    assert ex.LOG == [1, 1]


def test_np_append_does_not_make_np_a_local():
    a = np.array([1.5, -0.5])
    check(ex.np_append_is_not_a_local, a, 0.7, use_tape=False)


def test_a_loop_target_keeps_the_last_value():
    check(ex.loop_target_kept_after_loop, 0.8)


# -- family 3: has_aux with several returns ----------------------------------------------------
@pytest.mark.parametrize("fn,x", [(ex.aux_two_returns, 1.5), (ex.aux_two_returns, -1.5),
                                  (ex.aux_returns_in_loop, 1.5), (ex.aux_returns_in_loop, -1.0),
                                  (ex.aux_array_value, np.array([0.5, -0.2])),
                                  (ex.aux_array_value, np.array([-0.5, -0.2]))])
def test_has_aux_with_several_returns(fn, x):
    (value, aux), grad = adc.value_and_grad(fn, has_aux=True)(x)
    expected, expected_aux = fn(x)
    assert value == expected and aux == expected_aux
    g, aux2 = adc.grad(fn, has_aux=True)(x)
    assert aux2 == expected_aux
    assert_close(g, grad)
    assert_close(grad, numerical_grad(lambda v: fn(v)[0], (x,), 0), rtol=1e-6, atol=1e-8)


# -- family 4: deep chains of helper calls ---------------------------------------------------
def _chain_module(tmp_path, n, name):
    lines = [f"def h{n}(x):\n    return x * 1.001\n"]
    lines += [f"def h{k}(x):\n    y = h{k + 1}(x)\n    return y + 0.001 * x\n"
              for k in range(n - 1, 0, -1)]
    lines.append("def f(x):\n    return h1(x)\n")
    path = tmp_path / f"{name}.py"
    path.write_text("\n".join(lines))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_four_hundred_nested_helper_calls(tmp_path):
    mod = _chain_module(tmp_path, 400, "chain400")
    limit = sys.getrecursionlimit()
    value, grad = adc.value_and_grad(mod.f)(1.0)
    assert sys.getrecursionlimit() == limit           # restored after the build
    assert value == pytest.approx(mod.f(1.0), rel=1e-12)
    assert grad == pytest.approx(1.001 + 0.399, rel=1e-12)


def test_an_unreasonably_deep_chain_is_a_clear_error(tmp_path):
    mod = _chain_module(tmp_path, 1100, "chain1100")
    with pytest.raises(adc.ADError, match=r"calls nested 1000 deep \(f -> h1 -> h2 -> \.\.\."):
        adc.grad(mod.f)(1.0)


# -- family 5: a loop-carried value that changes from array to scalar -------------------------
def test_array_to_scalar_over_rows():
    check(ex.array_becomes_scalar_over_rows, np.arange(1.0, 7.0).reshape(2, 3) / 4.0)


def test_array_to_scalar_then_returned():
    # the gradient used to be silently 3x too large (cotangent shaped like the initial array)
    x = np.array([1.0, 0.5, -0.25])
    g = check(ex.array_becomes_scalar_then_returned, x, use_tape=False)
    s = np.sum(x * x)
    assert_close(g, 2 * s * 2 * x)


def test_matrix_to_row_to_number():
    check(ex.matrix_to_row_to_number, np.arange(1.0, 7.0).reshape(2, 3), use_tape=False)


@pytest.mark.parametrize("wrt", [0, 1])
def test_array_to_scalar_read_after(wrt):
    check(ex.array_to_scalar_read_after, np.array([0.3, -0.2, 0.9]), np.array([0.5, 1.5, -0.7]),
          wrt=wrt)


def test_scalar_loops_keep_no_stack_for_zeros():
    """The zero cotangent of a carried number is the constant 0.0: no stack
    of shapes for it in a scalar loop."""
    g = adc.grad(ex.bound_in_loop_read_after)
    g(0.7, 3)
    assert "_stack" not in g.source


# -- the same functions on Numba --------------------------------------------------------------
NUMBA = [(ex.return_in_nested_if, 1.0), (ex.return_in_loop_in_if, 1.0),
         (ex.return_in_loop_in_branch_in_loop, 1.3), (ex.break_before_assignment, 1.0),
         (ex.bound_in_loop_read_after, 0.7)]


@pytest.mark.parametrize("fn,x", NUMBA, ids=lambda v: getattr(v, "__name__", str(v)))
def test_numba_agrees(fn, x):
    pytest.importorskip("numba")
    args = (x, 3) if fn is ex.bound_in_loop_read_after else (x,)
    expected = adc.value_and_grad(fn)(*args)
    got = adc.value_and_grad(fn, backend="numba")(*args)
    assert_close(got[0], expected[0], rtol=1e-12)
    assert_close(got[1], expected[1], rtol=1e-12)
    assert math.isfinite(got[1])


# -- random programs (long mode: python tests/compiler/control_fuzz.py 0 5000) -----------------
@pytest.mark.parametrize("chunk", range(4))
def test_random_control_flow(chunk, tmp_path):
    """Seeds 0..79 of control_fuzz: returns, breaks and continues at any
    depth, helpers with their own returns, locals unbound on some paths."""
    from . import control_fuzz
    sys.path.insert(0, str(tmp_path))
    try:
        for seed in range(20 * chunk, 20 * chunk + 20):
            problems = control_fuzz.disagreements(seed, str(tmp_path))
            assert not problems, f"seed {seed}:\n{control_fuzz.source(seed)}\n" + "\n".join(problems)
    finally:
        sys.path.remove(str(tmp_path))
