"""Compiled gradients pickle by reference and run in other processes:
multiprocessing (spawn, forkserver), ProcessPoolExecutor, joblib's loky."""
import concurrent.futures
import multiprocessing
import pickle
import sys
import types

import numpy as np
import pytest

import ad_compiler as adc

from . import pickle_targets as T
from .test_disk_cache import _cell


def test_round_trip_is_by_reference_and_the_same_object():
    g = adc.grad(T.loss, wrt=(0, 2))
    data = pickle.dumps(g)
    assert b"def loss" not in data and len(data) < 400          # a name and options, no code
    assert pickle.loads(data) is g                            # the memoized gradient
    assert pickle.loads(pickle.dumps(T.decorated)) is T.decorated
    v = adc.value_and_grad(T.loss_with_loop, has_aux=False)
    assert pickle.loads(pickle.dumps(v)) is v


def test_round_trip_keeps_the_options():
    w, x, y = T.data(0)
    for g in [adc.grad(T.loss), adc.grad(T.loss, wrt=(0, 2)), adc.grad(T.loss, wrt="y"),
              adc.value_and_grad(T.loss, wrt=1), adc.grad(T.loss, cache=False)]:
        h = pickle.loads(pickle.dumps(g))
        assert (h.wrt, h.single, h.return_value, h.backend, h._use_disk) == \
            (g.wrt, g.single, g.return_value, g.backend, g._use_disk)
        a, b = g(w, x, y), h(w, x, y)
        for u, v in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            np.testing.assert_allclose(u, v)


def _expected():
    out = []
    for seed in range(4):
        w, x, y = T.data(seed)
        out.append(T.loss_grad_reference(w, x, y))
    return out


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_multiprocessing_pool(method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available on {sys.platform}")
    g = adc.grad(T.loss)
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(2) as pool:
        got = pool.starmap(T.apply, [(g, *T.data(s)) for s in range(4)])
        dec = pool.starmap(T.apply, [(T.decorated, T.data(s)[0], T.data(s)[1]) for s in range(2)])
    for a, b in zip(got, _expected()):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for s, d in enumerate(dec):
        np.testing.assert_allclose(d, T.decorated(T.data(s)[0], T.data(s)[1]), rtol=1e-12)


def test_process_pool_executor_under_spawn():
    g = adc.grad(T.loss)
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
        got = list(ex.map(g, *zip(*[T.data(s) for s in range(4)])))
    for a, b in zip(got, _expected()):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_joblib_loky():
    import joblib                           # in the test extra (pyproject.toml)
    g = adc.grad(T.loss)
    got = joblib.Parallel(n_jobs=2, backend="loky")(
        joblib.delayed(g)(*T.data(s)) for s in range(4))
    for a, b in zip(got, _expected()):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_closure_without_cloudpickle_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "cloudpickle", None)        # import fails
    g = adc.grad(T.make_closure(3.0))
    with pytest.raises(pickle.PicklingError) as info:
        pickle.dumps(g)
    text = str(info.value)
    assert "cannot pickle the gradient of make_closure.<locals>.scaled" in text
    assert "defined inside another function (a closure)" in text
    assert "top level of a module" in text and "install cloudpickle" in text


def test_interactive_main_without_cloudpickle_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "cloudpickle", None)
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))   # no __file__
    ns = {"__name__": "__main__", "np": np}
    _cell("def cell_loss(x):\n    return np.sum(x ** 3)\n", "pickle_cell", ns)
    with pytest.raises(pickle.PicklingError, match="interactive session or a notebook"):
        pickle.dumps(adc.grad(ns["cell_loss"]))


def test_closure_and_notebook_function_travel_by_value_with_cloudpickle(monkeypatch):
    import cloudpickle  # noqa: F401         # in the test extra (pyproject.toml)
    g = adc.grad(T.make_closure(3.0))
    h = pickle.loads(pickle.dumps(g))
    np.testing.assert_allclose(h(np.arange(3.0)), 6.0 * np.arange(3.0))
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    ns = {"__name__": "__main__", "np": np}
    _cell("def cell_cube(x):\n    return np.sum(x ** 3)\n", "pickle_cell2", ns)
    cell = adc.grad(ns["cell_cube"])
    ctx = multiprocessing.get_context("spawn")
    monkeypatch.undo()                       # the pool's children need the real __main__
    with ctx.Pool(1) as pool:
        # the worker has no file for the cell: its source lines travel with it
        got = pool.starmap(T.apply, [(g, np.arange(3.0)), (cell, np.arange(3.0))])
    np.testing.assert_allclose(got[0], 6.0 * np.arange(3.0))
    np.testing.assert_allclose(got[1], 3.0 * np.arange(3.0) ** 2)
