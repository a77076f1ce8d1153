"""Same-shape classes (transforms/same_shape.py): ``unbroadcast`` is gone from
the generated source where shapes are provably equal, and stays wherever
broadcasting (or a shape the compiler cannot follow) may happen; every case's
gradient against central finite differences, its value against ``f``."""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.ir.nodes import Var
from ad_compiler.transforms.same_shape import SCALAR, shape_classes

from .fd import assert_close, numerical_grad

R = np.random.default_rng(7)


def sin_cos(x):
    return np.sum(np.sin(x) * np.cos(x) + x * x)


def layer(x, W, b):
    h = np.tanh(x @ W + b)
    return np.sum(h * h)


def mlp(x, W1, b1, W2, b2):
    h = np.tanh(x @ W1 + b1)
    y = h @ W2 + b2
    return np.sum(y * y)


def mse(x, y):
    return np.mean((x - y) ** 2) + np.mean(x ** 3 * x)


def copies(x):
    y = x.copy()
    z = y.astype(np.float64)
    w = -z + np.negative(y) * 2.0 + np.asarray(x) + abs(x) + np.copy(x)
    return np.sum(w * w)


def carried(x, n):
    s = x * 0.0
    for i in range(n):
        s = s + np.sin(x) * x
    return np.sum(s * s)


def outer(x, y):
    return np.sum(x * y)


def bias(x, b):
    return np.sum(np.sin(x + b) * x)


def scaled(x, s):
    return np.sum(np.sin(x * s) * x)


def doubling(x, n):
    for i in range(n):
        x = np.concatenate([x, x]) * 2.0
    return np.sum(x * x)


def shrinking(x, n):
    y = x * 1.0
    for i in range(n):
        y = y[1:] * y[:-1] + 1.0
    return np.sum(y * y)


def sometimes_shrinking(x, n):
    y = x * 1.0
    for i in range(n):
        if i % 2 == 1:
            y = y[1:] + 0.5
        y = y * y
    return np.sum(y)


def views(x):
    y = x.reshape(4, 3)
    return np.sum(y * x.T) + np.sum(x[1:] * x[:-1] * 2.0)


def where(x, y):
    return np.sum(np.where(x > 0.3, x, y) * x)


def inplace(x, b):
    z = x * 1.0
    z += b
    return np.sum(z * z)


def grows_inplace(x):
    s = 0.0
    s += x
    return np.sum(s * x)


def join(x, flag):
    y = x * 2.0 if flag > 0 else x[0] * 1.0
    return np.sum(y * x)


A34 = R.random((3, 4)) + 0.1
CASES = [   # fn, args, wrt, unbroadcast calls left in the source
    (sin_cos, (A34,), (0,), 0),
    (layer, (R.random((5, 3)), R.random((3, 4)), R.random(4)), (0, 1, 2), 2),
    (mlp, (R.random((5, 3)), R.random((3, 4)), R.random(4), R.random((4, 2)), R.random(2)),
     (0, 1, 2, 3, 4), 4),
    (copies, (A34,), (0,), 0),
    (mse, (A34, R.random((3, 4))), (0, 1), 2),    # only x - y's two: y may broadcast
    (mse, (A34, R.random(4)), (0, 1), 2),
    (carried, (R.random(3), 3), (0,), 0),
    (outer, (R.random((3, 1)), R.random((1, 4))), (0, 1), 2),
    (outer, (R.random((3, 1)), R.random((3, 1))), (0, 1), 2),     # never two parameters
    (bias, (A34, R.random(4)), (0, 1), 4),
    (scaled, (A34, np.array(1.5)), (0, 1), 1),
    (scaled, (A34, 1.5), (0, 1), 1),
    (doubling, (R.random(3), 2), (0,), None),
    (shrinking, (R.random(6), 3), (0,), None),
    (sometimes_shrinking, (R.random(6) + 0.5, 4), (0,), None),
    (views, (A34,), (0,), None),
    (where, (A34, R.random(4)), (0, 1), None),
    (inplace, (A34, R.random(4)), (0, 1), None),
    (grows_inplace, (A34,), (0,), 0),             # s = 0.0; s += x: s is x
    (join, (A34, -1.0), (0,), None),
    (join, (A34, 1.0), (0,), None),
]
IDS = [f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)]


@pytest.mark.parametrize("fn,args,wrt,left", CASES, ids=IDS)
def test_gradient_and_value_match_finite_differences(fn, args, wrt, left):
    value, grads = adc.value_and_grad(fn, wrt=wrt)(*args)
    assert_close(value, fn(*args), what=f"{fn.__name__}: value")
    for k, got in zip(wrt, grads):
        assert_close(got, numerical_grad(fn, list(args), k), rtol=1e-4, atol=1e-5,
                     what=f"{fn.__name__}: d/d arg {k}")


@pytest.mark.parametrize("fn,args,wrt,left", CASES, ids=IDS)
def test_unbroadcast_is_left_only_where_shapes_may_differ(fn, args, wrt, left):
    g = adc.grad(fn, wrt=wrt)
    g(*args)
    calls = g.source.count("unbroadcast(") + g.source.count("unbroadcast_product(")
    if left is None:                  # a broadcast, or a shape that changes: some stay
        assert calls >= 1, g.source
    else:
        assert calls == left, g.source


def test_the_broadcast_operands_keep_their_sums():
    g = adc.grad(mlp, wrt=(2, 4))
    args = CASES[2][1]
    g(*args)
    src = g.source
    assert "b1_bar = unbroadcast(" in src and "b2_bar = unbroadcast(" in src
    assert "h_bar = unbroadcast(" not in src and "y_bar = unbroadcast(" not in src
    g = adc.grad(outer, wrt=(0, 1))
    g(R.random((3, 1)), R.random((1, 4)))
    assert "x_bar = unbroadcast(" in g.source and "y_bar = unbroadcast(" in g.source


def test_a_changing_loop_value_has_no_class_of_its_entry_value():
    g = adc.grad(doubling)
    g(R.random(3), 2)
    graph = g._last.pure_graph
    cls = shape_classes(graph, {graph.entry.params[0]: 1, graph.entry.params[1]: 0})
    x = graph.entry.params[0]
    header = [p for b in graph.blocks[1:] for p in b.params if p.name.startswith("x")]
    assert header and all(cls.get(p) is not x for p in header)
    assert cls.get(graph.entry.params[1]) is SCALAR


def test_a_kept_loop_value_is_of_its_entry_value_class():
    g = adc.grad(carried)
    g(R.random(3), 3)
    graph = g._last.pure_graph
    x = graph.entry.params[0]
    cls = shape_classes(graph, {x: 1, graph.entry.params[1]: 0})
    carried_values = [p for b in graph.blocks[1:] for p in b.params if p.name.startswith("s")]
    assert carried_values and all(cls.get(p) is x for p in carried_values)
    assert cls.get(Var("out")) is SCALAR


@pytest.mark.parametrize("fn,args,wrt", [(sin_cos, (A34,), (0,)), (CASES[2][0], CASES[2][1],
                                                                      (0, 1, 2, 3, 4)),
                                         (bias, (A34, R.random(4)), (0, 1))],
                         ids=["sin_cos", "mlp", "bias"])
def test_numba_agrees(fn, args, wrt):
    pytest.importorskip("numba")
    want = adc.grad(fn, wrt=wrt)(*args)
    got = adc.grad(fn, wrt=wrt, backend="numba")(*args)
    for a, b in zip(got, want):
        assert_close(a, b, what=fn.__name__)
