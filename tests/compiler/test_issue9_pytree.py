"""Issue 9, pytrees: nested dicts / lists / tuples / namedtuples of arrays
and floats as the differentiated argument, as seeds and as outputs; dict
syntax and methods inside ``f``; ``*args`` and ``**kwargs``.

Every case checks the value against running ``f`` itself, the gradient
against central finite differences over the flattened leaves, and the
gradient's structure: container types, key order, namedtuple type.
"""
import collections

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.pytree import tree_flatten, tree_leaves

from .fd import assert_close, numerical_grad

Params = collections.namedtuple("Params", "W b")
RNG = np.random.default_rng(9)
W, B, X = RNG.standard_normal((3, 2)), RNG.standard_normal(2), RNG.standard_normal((4, 3))


def _same_structure(a, b):
    """Equal container types (namedtuple type included) and key order."""
    assert type(a) is type(b), f"{type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same_structure(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same_structure(x, y)
    elif isinstance(a, np.ndarray):
        assert a.shape == b.shape and a.dtype == b.dtype
    else:
        assert type(a) is float, f"a scalar leaf's gradient is a float, not {type(a).__name__}"


def _tree_fd(fn, args, k, seed=None):
    """Finite differences over every leaf of argument ``k``: a tree of the
    argument's structure."""
    leaves, rebuild = tree_flatten(args[k])

    def of_leaves(*ls):
        a = list(args)
        a[k] = rebuild(list(ls))
        return fn(*a)
    if seed is not None:
        out_leaves = tree_leaves(seed)

        def weighted(*ls):
            return sum(float(np.sum(np.asarray(o, dtype=float) * s))
                       for o, s in zip(tree_leaves(of_leaves(*ls)), out_leaves))
        f = weighted
    else:
        f = of_leaves
    return rebuild([numerical_grad(f, leaves, j) for j in range(len(leaves))])


def _check(fn, args, wrt=0, seed=None):
    kw = {"seed": seed} if seed is not None else {}
    value, grad = adc.value_and_grad(fn, wrt=wrt)(*args, **kw)
    for got, want in zip(tree_leaves(value), tree_leaves(fn(*args))):
        assert_close(got, want, what="value")
    _same_structure(grad, args[wrt])
    for got, want in zip(tree_leaves(grad), tree_leaves(_tree_fd(fn, args, wrt, seed))):
        assert_close(got, want, rtol=1e-5, atol=1e-6, what="gradient")
    return grad


# -- pytrees as the differentiated argument -------------------------------------------------
def dict_loss(p, x):
    return np.sum(np.tanh(x @ p["W"] + p["b"]) ** 2)


def test_dict_params_give_a_dict_gradient_in_the_same_key_order():
    g = _check(dict_loss, ({"b": B, "W": W}, X))      # not sorted: order is kept
    assert list(g) == ["b", "W"]


def nested_loss(p, x):
    h = np.tanh(x @ p["layers"][0]["W"] + p["layers"][0]["b"])
    return np.sum(h ** 2) * p["scale"] + p["pair"][1] * np.sum(p["pair"][0])


def test_nested_dict_list_tuple_and_float_leaves():
    p = {"layers": [{"W": W, "b": B}], "scale": 1.5, "pair": (B * 2.0, 0.25)}
    g = _check(nested_loss, (p, X))
    assert isinstance(g["layers"], list) and isinstance(g["pair"], tuple)
    assert type(g["scale"]) is float and type(g["pair"][1]) is float


def namedtuple_loss(p, x):
    return np.sum(np.tanh(x @ p.W + p.b) ** 2) + np.sum(p[1])


def namedtuple_unpacked(p, x):
    W_, b_ = p
    return np.sum(np.tanh(x @ W_ + b_) ** 2)


@pytest.mark.parametrize("fn", [namedtuple_loss, namedtuple_unpacked])
def test_namedtuple_params_keep_their_type(fn):
    g = _check(fn, (Params(W, B), X))
    assert type(g) is Params


def uses_one_leaf(p):
    return np.sum(p["used"] ** 2)


def test_leaves_without_gradient_are_zeros_of_their_shape():
    g = _check(uses_one_leaf, ({"used": B, "unused": W, "n": 3.0},))
    assert np.all(g["unused"] == 0) and g["unused"].shape == W.shape and g["n"] == 0.0


def test_float32_leaves_give_float32_gradients():
    g = adc.grad(uses_one_leaf)({"used": B.astype(np.float32)})
    assert g["used"].dtype == np.float32


def test_integer_leaf_is_not_differentiable_and_is_named():
    with pytest.raises(adc.NotDifferentiableError) as info:
        adc.grad(uses_one_leaf)({"used": B, "n": [1.0, 3]})
    assert "'p': it is an integer or bool (int, at p['n'][1])" in str(info.value)


def loop_over_dict_items(p):
    s = 0.0
    for i in range(3):
        s = s + np.sum(p["w"] * i) + p["c"] * p["w"][i]
    return s


def loop_with_branch(p, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            s = s + np.sum(p[0]["a"] ** 2)
        else:
            s = s * p[1]
    return s


def loop_over_list_of_dicts(ps):
    s = 0.0
    for p in ps:
        s = s + np.sum(p["w"] * p["b"])
    return s


def dict_rebuilt_in_branch(p):
    q = {"w": p["w"] * 2.0, "b": p["b"]}
    if np.sum(q["w"]) > 0:
        q = {"w": q["w"] * q["b"], "b": q["b"]}
    return np.sum(q["w"])


@pytest.mark.parametrize("fn,args", [
    (loop_over_dict_items, ({"w": X[0] * 1.0, "c": 1.5},)),
    (loop_with_branch, (({"a": B * 1.0}, 0.7), 4)),
    (loop_over_list_of_dicts, ([{"w": B, "b": 2 * B}, {"w": 3 * B, "b": B}],)),
    (dict_rebuilt_in_branch, ({"w": np.abs(B), "b": B},)),
], ids=["loop", "loop-branch", "list-of-dicts", "branch"])
def test_pytree_cotangents_through_loops_and_branches(fn, args):
    _check(fn, args)


# -- dict syntax and methods inside f --------------------------------------------------------
def dict_literal(x):
    d = {"a": x, "b": 2.0 * x}
    return np.sum(d["a"] * d["b"])


def dict_call_and_items(x):
    d = dict(a=x, b=3.0)
    s = 0.0
    for k, v in d.items():
        s = s + np.sum(v * v)
    return s


def values_keys_and_get(p):
    s = 0.0
    for v in p.values():
        s = s + np.sum(v)
    for k in p.keys():
        s = s + np.sum(p[k] ** 2)
    return s + np.sum(p.get("missing", p["a"])) * 2.0 + np.sum(p.get("b"))


def list_and_tuple_calls(x):
    lst = list((x, 2.0 * x))
    tp = tuple(lst)
    rows = list(np.outer(x, x))
    return np.sum(tp[0] * tp[1]) + np.sum(rows[1])


def dict_item_assignment(x):
    d = {}
    d["a"] = x * 3.0
    d["b"] = x
    for i in range(2):
        d["a"] = d["a"] * d["b"]
    return np.sum(d["a"] + d["b"])


def dict_copy(p):
    d = dict(p)
    d["w"] = d["w"] * 3.0
    return np.sum(d["w"] * p["w"])


def sum_of_values(p):
    return sum(p.values())


@pytest.mark.parametrize("fn,arg", [
    (dict_literal, B), (dict_call_and_items, B), (values_keys_and_get, {"a": B, "b": 2 * B}),
    (list_and_tuple_calls, B), (dict_item_assignment, B), (dict_copy, {"w": B}),
    (sum_of_values, {"a": 1.0, "b": 2.0}),
])
def test_dict_syntax_inside_f(fn, arg):
    _check(fn, (arg,))


# -- pytree outputs and seeds ----------------------------------------------------------------
def dict_output(x):
    return {"y": x * 2.0, "z": [np.sin(x), 3.0]}


def split_output(x):
    return np.split(x * x, 3)


def test_dict_output_with_a_dict_seed():
    seed = {"y": np.array([1.0, -2.0]), "z": [np.array([0.5, 4.0]), 1.0]}
    _check(dict_output, (B,), seed=seed)


def test_list_output_of_np_split_with_a_list_seed():
    x = np.array([1.0, 2.0, 3.0])
    g = _check(split_output, (x,), seed=[np.ones(1), 2 * np.ones(1), 3 * np.ones(1)])
    assert_close(g, [2.0, 8.0, 18.0])


def test_pytree_output_needs_a_seed():
    with pytest.raises(adc.NonScalarOutputError) as info:
        adc.grad(dict_output)(B)
    assert "the output is a container {'y': array(2,), 'z': [array(2,), scalar]}, not a scalar" \
        in str(info.value)
    assert "pass seed= with the same structure" in str(info.value)


@pytest.mark.parametrize("seed,message", [
    ({"y": np.ones(2), "w": [np.ones(2), 1.0]},
     "seed must have the output's structure {'y': array(2,), 'z': [array(2,), scalar]}, "
     "not {'y': array(2,), 'w': [array(2,), scalar]}"),
    ({"y": np.ones(2), "z": [np.ones(3), 1.0]},
     "seed['z'][0] has shape (3,) but the output['z'][0] has shape (2,)"),
    ({"y": np.ones(2), "z": (np.ones(2),)},
     "seed['z'] must have the output's structure [array(2,), scalar], not (array(2,),)"),
    (np.ones(2), "seed must have the output's structure"),
])
def test_seed_of_another_structure_is_a_clear_error(seed, message):
    with pytest.raises(adc.SeedShapeError) as info:
        adc.grad(dict_output)(B, seed=seed)
    assert message in str(info.value)


def test_container_seed_for_an_array_output_is_an_error():
    with pytest.raises(adc.SeedShapeError, match=r"seed has \{'a': array\(2,\)\} but the output"):
        adc.grad(lambda x: x * 2.0)(B, seed={"a": np.ones(2)})


def test_dict_seed_may_list_its_keys_in_another_order():
    seed = {"z": [np.ones(2), 2.0], "y": np.array([1.0, -1.0])}
    assert_close(adc.grad(dict_output)(B, seed=seed),
                 _tree_fd(dict_output, (B,), 0, {"y": seed["y"], "z": seed["z"]}))


def test_returning_the_params_themselves():
    seed = {"a": np.array([1.0, 2.0])}
    g = adc.grad(lambda p: p)({"a": B}, seed=seed)
    assert_close(g["a"], seed["a"])


# -- has_aux, value_and_grad, check_grads, the tape --------------------------------------------
def loss_with_aux(p):
    return np.sum(p["W"] ** 2), {"shape": p["W"].shape, "scaled": p["W"] * 1.0}


def test_has_aux_with_a_pytree_aux():
    g, aux = adc.grad(loss_with_aux, has_aux=True)({"W": W})
    assert_close(g["W"], 2 * W)
    assert aux["shape"] == W.shape and np.array_equal(aux["scaled"], W)
    (value, aux2), g2 = adc.value_and_grad(loss_with_aux, has_aux=True)({"W": W})
    assert value == pytest.approx(np.sum(W ** 2)) and list(aux2) == ["shape", "scaled"]


def test_check_grads_with_pytree_arguments_and_outputs():
    p = {"layers": [{"W": W, "b": B}], "scale": 1.5, "pair": (B * 2.0, 0.25)}
    g = adc.check_grads(nested_loss, p, X)
    _same_structure(g, p)
    adc.check_grads(dict_output, B)


def test_check_grads_catches_a_wrong_pytree_gradient():
    @adc.custom_vjp(lambda g, ans, x: 3.0 * g)      # wrong: d(2x)/dx is 2
    def double(x):
        return 2.0 * x

    def f(p):
        return np.sum(double(p["a"]))
    with pytest.raises(adc.GradientCheckError, match="disagrees with finite differences"):
        adc.check_grads(f, {"a": B})


def test_tape_with_a_dict_of_tensors():
    from ad_compiler import tape
    p = {"W": tape.tensor(W, requires_grad=True), "b": tape.tensor(B, requires_grad=True)}
    out = tape.tensor(X) @ p["W"] + p["b"]
    (out.tanh() ** 2).sum().backward()
    g = adc.grad(dict_loss)({"W": W, "b": B}, X)
    assert_close(p["W"].grad.numpy(), g["W"])
    assert_close(p["b"].grad.numpy(), g["b"])


# -- *args and **kwargs ---------------------------------------------------------------------
def star_sum(*xs):
    return sum(xs)


def star_after(x, *xs):
    return x * np.sum(xs[0] * xs[1])


def _helper(*a, **kw):
    return a[0] * kw["s"] + sum(a)


def calls_star_helper(x):
    return _helper(x, 2.0 * x, s=3.0)


def star_kwargs(x, **kw):
    return x * kw["c"] ** 2


def test_star_args_wrt_counts_positional_arguments():
    assert adc.grad(star_sum, wrt=1)(1.0, 2.0, 3.0) == 1.0
    assert adc.value_and_grad(star_sum, wrt=(0, 2))(1.0, 2.0, 3.0) == (6.0, (1.0, 1.0))
    a, b = np.ones(2), np.array([0.5, 2.0])
    assert_close(adc.grad(star_after, wrt=2)(2.0, a, b), 2.0 * a)
    gx, ga = adc.grad(star_after, wrt=(0, 1))(2.0, a, b)
    assert gx == pytest.approx(np.sum(a * b)) and type(gx) is float
    assert_close(ga, 2.0 * b)
    whole = adc.grad(star_after, wrt="xs")(2.0, a, b)
    assert isinstance(whole, tuple) and len(whole) == 2


def test_star_args_gradients_match_finite_differences():
    adc.check_grads(star_after, 2.0, B, 2 * B, wrt=(0, 1, 2))
    _check(calls_star_helper, (0.7,))
    assert adc.grad(star_kwargs)(2.0, c=5.0) == pytest.approx(25.0)


def test_star_args_wrt_out_of_range():
    with pytest.raises(adc.WrtError, match="wrt=5 is out of range: the call passed 3 positional"):
        adc.grad(star_after, wrt=5)(2.0, B, B)


# -- cotangents of pytree items indexed in a loop accumulate in place ---------------------------
def indexes_an_item_in_a_loop(p):
    W_, b_ = p
    s = 0.0
    for i in range(W_.shape[0]):
        s = s + W_[i] * b_
    return s


def test_item_of_a_pytree_indexed_in_a_loop_accumulates_in_place():
    g = _check(indexes_an_item_in_a_loop, ((X[:, 0] * 1.0, 2.0),))
    assert_close(g[0], 2.0 * np.ones(4))
    df = adc.grad(indexes_an_item_in_a_loop)
    df((X[:, 0] * 1.0, 2.0))
    src = df.source
    assert "tree_index_add(" in src and "tree_cotangent(W_, " not in src


# -- iterating a dict directly ------------------------------------------------------------------
def iterates_a_local_dict(x):
    d = {0: x, 1: 2.0 * x}
    s = 0.0
    for k in d:                  # Python iterates the keys
        s = s + k * np.sum(d[k])
    return s


def iterates_a_dict_param(p):
    s = 0.0
    for k in p:
        s = s + np.sum(p[k])
    return s


def test_a_dict_made_in_f_iterates_its_keys():
    _check(iterates_a_local_dict, (B,))
    assert_close(adc.grad(iterates_a_local_dict)(B), 2.0 * np.ones(2))


def test_a_dict_argument_iterated_directly_iterates_its_keys():
    # (was refused; tests/compiler/test_issue9_wave2.py covers dicts inside pytrees)
    g = _check(iterates_a_dict_param, ({2: B, 0: 3.0 * B},))
    assert list(g) == [2, 0]
