"""The tape and the compiler agree on the core's whole function corpus.

The tape (``ad_compiler.tape``) runs the function itself, so Python control
flow, helper calls and closures need nothing special: for every corpus
entry it can run, ``tape.grad_of(fn, wrt)(*args)`` must equal
``adc.grad(fn, wrt)(*args)``.  The entries it genuinely cannot run are
listed in ``EXCLUDED`` with the reason, and a second test checks that each
one really does fail on the tape for that reason (so the list cannot go
stale: an entry the tape learns to run must move back in).
"""
import warnings

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import tape
from compiler.corpus import CORPUS, by_name

# The reasons, and how each shows on the tape: ("warns", pattern) for a
# UserWarning from grad_of, ("raises", exception type, pattern) otherwise.
FLOAT = ("math.* turns a Tensor into a Python float (as in PyTorch): no gradient "
         "flows through it, so the tape's gradient leaves that path out")
NUMPY_STORE = ("out[i] = v stores a Tensor into a NumPy array (np.zeros/np.empty), which "
               "keeps only its float: the tape cannot see the store")
NUMPY_INPLACE = ("out[a:b] += v on a NumPy array with a Tensor operand: NumPy cannot add "
                 "a Tensor into an ndarray in place")
ARRAY_OF_TENSORS = ("np.array([...]) of Tensors that require grad needs their values "
                    "(Tensor.numpy() refuses, as in PyTorch); the tape has torch.stack, "
                    "the compiler understands np.array of a list")
LEAF_INPLACE = ("z = x; z += y: on the tape x is a mutable Tensor, not a Python float, and "
                "in-place on a leaf that requires grad is an error (as in PyTorch)")
NO_COPY = ("x.copy() is NumPy's name (PyTorch's is clone()), and y[2:4] *= 3 is in place "
           "on a tensor inside the graph")

_FLOAT = ("warns", "into a Python float")
EXCLUDED = {
    "s_math_module": (FLOAT, _FLOAT),
    "s_from_math": (FLOAT, _FLOAT),
    "s_aug_assign": (LEAF_INPLACE, ("raises", RuntimeError, "leaf Variable that requires grad")),
    "c_if_elif_else": (FLOAT, _FLOAT),
    "c_several_returns": (FLOAT, _FLOAT),
    "c_for_range": (FLOAT, _FLOAT),
    "c_for_range_runtime_negative_step": (FLOAT, _FLOAT),
    "c_while_counter": (FLOAT, _FLOAT),
    "c_loop_in_branch": (FLOAT, _FLOAT),
    "k_closure": (FLOAT, _FLOAT),
    "m_append_array": (ARRAY_OF_TENSORS, ("raises", RuntimeError, "numpy\\(\\) on Tensor")),
    "m_list_comprehension": (ARRAY_OF_TENSORS, ("raises", RuntimeError, "numpy\\(\\) on Tensor")),
    "m_listcomp_filter": (ARRAY_OF_TENSORS, ("raises", RuntimeError, "numpy\\(\\) on Tensor")),
    "m_setitem_mask": (ARRAY_OF_TENSORS, ("raises", RuntimeError, "numpy\\(\\) on Tensor")),
    "m_setitem_loop": (NUMPY_STORE, _FLOAT),
    "m_setitem_2d": (NUMPY_STORE, _FLOAT),
    "m_empty_fill": (NUMPY_STORE, _FLOAT),
    "m_setitem_recurrence": (NUMPY_STORE, _FLOAT),
    "m_alias_sees_setitem": (NUMPY_STORE, _FLOAT),
    "m_setitem_slice_add": (NUMPY_INPLACE, ("raises", TypeError, "NotImplemented")),
    "m_aug_assign_alias": (NUMPY_INPLACE, ("raises", TypeError, "NotImplemented")),
    "m_copy_modify": (NO_COPY, ("raises", AttributeError, "copy")),
    "w_heat": (NO_COPY, ("raises", AttributeError, "copy")),
}

INCLUDED = [c for c in CORPUS if c.name not in EXCLUDED]


def _compare(case, args):
    expected = adc.grad(case.fn, wrt=case.wrt)(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)      # no silently lost path
        got = tape.grad_of(case.fn, wrt=case.wrt)(*args)
    assert isinstance(got, tuple) and len(got) == len(case.wrt)
    for k, e, g in zip(case.wrt, expected, got):
        assert np.shape(g) == np.shape(e), f"{case.name} d/d arg{k}"
        assert type(g) is type(e), f"{case.name} d/d arg{k}: {type(g)} vs {type(e)}"
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{case.name}{args} d/d arg{k}: tape vs compiler")


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in INCLUDED])
def test_tape_and_compiler_agree(case):
    for args in case.args():
        _compare(case, args)


@pytest.mark.parametrize("name", sorted(EXCLUDED))
def test_excluded_entries_really_fail_on_the_tape(name):
    reason, how = EXCLUDED[name]
    case = by_name(name)
    run = tape.grad_of(case.fn, wrt=case.wrt)
    if how[0] == "warns":
        with pytest.warns(UserWarning, match=how[1]):
            for args in case.args():
                run(*args)
    else:
        with pytest.raises(how[1], match=how[2]):
            for args in case.args():
                run(*args)


def test_the_comparison_covers_every_kind_of_entry():
    names = {c.name for c in CORPUS}
    assert set(EXCLUDED) <= names, set(EXCLUDED) - names
    for tag, at_least in (("straight", 37), ("control", 45), ("calls", 12), ("mutation", 5)):
        n = sum(tag in c.tags for c in INCLUDED)
        assert n >= at_least, f"only {n} {tag!r} entries compared"


def test_the_tape_rebuilds_its_graph_where_the_compiler_builds_one():
    """The same branchy loop, twice: two different tapes, one compiled graph."""
    case = by_name("c_data_branch_in_loop")
    g = adc.grad(case.fn)
    x = np.array([0.5, -0.4, 0.3, -0.2])
    ir = g.ir
    for n in (2, 4):
        leaf = tape.tensor(x[:n], requires_grad=True)
        out = case.fn(leaf)
        assert len(tape.engine.topological_order(out.grad_fn)) > 2 * n
        np.testing.assert_allclose(g(x[:n]), tape.grad_of(case.fn)(x[:n]), rtol=1e-12)
    assert g.ir is ir
