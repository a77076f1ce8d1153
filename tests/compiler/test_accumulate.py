"""In-place accumulation of indexed cotangents, 1-D specialisation, and the
mutation rules (what is done in place, what is copied, what is refused)."""
import re

import numpy as np
import pytest

import ad_compiler as adc
from . import accumulate_examples as ex
from .fd import numerical_grad


def _fd_check(fn, *args, wrt=0):
    g = adc.grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(g, numerical_grad(fn, args, wrt), rtol=1e-6, atol=1e-8)
    return adc.grad(fn, wrt=wrt)


@pytest.mark.parametrize("fn", [ex.item_reads, ex.item_writes])
def test_item_loops_accumulate_in_place_without_full_size_temporaries(fn):
    g = _fd_check(fn, np.linspace(-1.0, 1.5, 7))
    src = g.source
    assert "index_add(" in src
    assert "scatter_into(" not in src
    if fn is ex.item_writes:
        assert "zero_at_inplace(" in src


def test_items_of_1d_arrays_are_scalars_so_no_shape_checks_remain():
    g = _fd_check(ex.item_reads, np.linspace(-1.0, 1.5, 7))
    reverse_loop = g.source.split("for r_")[1]
    assert "unbroadcast(" not in reverse_loop
    # only x[i] itself is kept for the adjoint (in a tape of one entry per trip):
    # the loop counter is recomputed
    item = re.search(r"^\s*(\w+) = x\[i\]$", g.source, re.M).group(1)
    assert [ln.split("=")[0].strip() for ln in g.source.splitlines()
            if "= [None] * " in ln] == [f"{item}_tape"]
    assert "= []" not in g.source


def test_row_writes_of_2d_array_copy_the_row_before_zeroing():
    # out[i] = row: the cotangent of the row is read (copied) before g[i] is zeroed
    _fd_check(ex.row_writes, np.arange(6.0).reshape(3, 2) / 5.0)


def test_shared_cotangent_objects_are_not_updated_in_place():
    g = _fd_check(ex.shared_cotangent, np.array([0.3, -0.7, 1.1]))
    # an in-place add only into a value nothing else reads (here y_bar = t2_bar * t1,
    # fresh once same_shape drops its unbroadcast); never into the shared y_bar_1
    for target in re.findall(r"index_add\((\w+),", g.source):
        assert len(re.findall(rf"\b{target}\b", g.source)) == 2, g.source   # made, added to
        assert not re.search(rf"^\s*{target} = \w+$", g.source, re.M), g.source   # no alias


def test_repeated_fancy_indices_add_up():
    _fd_check(ex.repeated_fancy, np.array([0.3, -0.7, 1.1]))


def test_assigning_into_a_parameter_changes_the_callers_array_as_python_does():
    # (issue 9: this used to be refused; Python's semantics are now followed)
    x, x_py = np.array([0.3, 2.0, -1.0]), np.array([0.3, 2.0, -1.0])
    value, grad = adc.value_and_grad(ex.assign_into_param)(x)
    assert value == pytest.approx(ex.assign_into_param(x_py))
    np.testing.assert_array_equal(x, x_py)              # the caller's array, as after f
    # differentiated with respect to the values at entry
    np.testing.assert_allclose(grad, [0.0, 1.0, 1.0])


def test_assigning_into_a_view_changes_its_base():
    value, grad = adc.value_and_grad(ex.assign_into_view)(0.5)
    assert value == pytest.approx(ex.assign_into_view(0.5)) and grad == pytest.approx(1.0)


def test_augmented_assignment_updates_aliases_of_an_array():
    x = np.array([0.4, -1.2])
    g = adc.value_and_grad(ex.aliased_aug)
    value, grad = g(x)
    assert value == pytest.approx(np.sum(x * x))
    np.testing.assert_allclose(grad, 2 * x)


def test_augmented_assignment_rebinds_a_number():
    value, grad = adc.value_and_grad(ex.aliased_aug_scalar)(0.5)
    assert value == pytest.approx(1.5 * 0.5)
    assert grad == pytest.approx(2 * 0.5 + 1.0)


def test_attribute_without_rule_names_the_attribute():
    with pytest.raises(adc.NoRuleError) as e:
        adc.grad(ex.real_part)(np.ones(4))
    msg = str(e.value)
    assert "no derivative rule for" in msg and "stop_gradient" in msg
    assert "np.fft.fft" in msg or "'.real'" in msg


def test_assigning_into_an_array_stored_in_a_list_is_an_error():
    # Python's list would see the new item; a silently different gradient is not an option
    with pytest.raises(adc.MutationError, match="put in a list or tuple"):
        adc.grad(ex.assign_after_storing)(0.5)


def test_stencil_loop_stacks_shapes_and_writes_in_place():
    # u[2:] etc. are read by the adjoint only for their shapes: stacking the
    # views would pin u's data and force u[1:-1] = ... to copy u every step
    g = _fd_check(ex.heat, np.linspace(0.0, 1.0, 9) ** 2, 0.2, 4, wrt=0)
    loop = g.source.split("for i in range(steps):")[1].split("    u_")[0]
    assert "shape_proxy(" in g.source
    assert ".copy()" not in g.source.split("for i in range")[1].split("seed_cotangent")[0]
    assert adc.grad(ex.heat, wrt=1)(np.linspace(0.0, 1.0, 9) ** 2, 0.2, 4) == pytest.approx(
        numerical_grad(ex.heat, (np.linspace(0.0, 1.0, 9) ** 2, 0.2, 4), 1), rel=1e-6)
    assert loop


def test_loop_invariant_products_are_hoisted_not_stacked():
    rng = np.random.default_rng(0)
    args = (rng.standard_normal(3), rng.standard_normal((8, 3)), (rng.random(8) > 0.5) * 1.0, 0.5, 4)
    g = adc.grad(ex.logistic_epochs, wrt=(0, 1))
    got = g(*args)
    for k in (0, 1):
        np.testing.assert_allclose(got[k], numerical_grad(ex.logistic_epochs, args, k), rtol=1e-5)
    forward_loop = g.source.split("for i in range")[1].split("seed_cotangent")[0]
    assert "np.transpose(X)" not in forward_loop          # X.T and lr * X.T before the loop
    xt = re.search(r"^\s*(\w+) = np.transpose\(X\)$", g.source, re.M).group(1)
    lr_xt = re.search(rf"^\s*(\w+) = lr \* {xt}$", g.source, re.M).group(1)
    assert f"{xt}_stack" not in g.source and f"{lr_xt}_stack" not in g.source


def test_items_of_2d_arrays_at_full_indices_are_scalars():
    g = _fd_check(ex.grid, np.arange(12.0).reshape(3, 4) / 7.0)
    reverse_loops = g.source.split("for r_", 1)[1].split("x_grad")[0]
    assert "unbroadcast(" not in reverse_loops         # every item is a known scalar
    assert g.source.count("for i in range(") == 1     # i + 1 shared with the body: still counted


def test_reversed_range_is_a_counted_loop_without_stacks():
    g = _fd_check(ex.backwards, np.linspace(-1.0, 1.0, 6))
    assert "_stack" not in g.source and "range_cond" not in g.source
