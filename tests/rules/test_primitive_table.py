"""One description per primitive: a primitive registered with one call
(``defvjp`` with its properties, or ``custom_vjp``) is honoured by every
pass, and the table the passes read is consistent."""
import ast
import pathlib
import types

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import pytree, runtime
from ad_compiler.backend.numba_backend import numba_namespace, specialize_ranks
from ad_compiler.ir import ops, views
from ad_compiler.ir.nodes import Attr, Const, LoopRegion, Method, region_labels
from ad_compiler.rules import custom_vjp, defvjp, lookup, props, registry
from ad_compiler.runtime import unbroadcast
from ad_compiler.transforms.ranks import infer_ranks
from ad_compiler.transforms.specialize import known_scalars

PACKAGE = pathlib.Path(adc.__file__).parent


def numerical_grad(fn, args, k, eps=1e-6):
    """Central difference in the (scalar) argument ``k``."""
    up, down = list(args), list(args)
    up[k] += eps
    down[k] -= eps
    return (fn(*up) - fn(*down)) / (2 * eps)


def assert_close(got, want):
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


# -- a new primitive, registered with one call each --------------------------------------
def twice(x, s):
    return 2.0 * s * x


def twice_x(g, ans, x, s):
    return unbroadcast(2.0 * s * g, x)


def twice_s(g, ans, x, s):
    return unbroadcast(2.0 * x * g, s)


def opaque(x, s):                 # the same function, registered without properties
    return 2.0 * s * x


def effectful(x, s):              # ... declared to have an effect
    return 2.0 * s * x


defvjp(twice, twice_x, twice_s, elementwise=True, hoist=True, remat="cheap", raises=False)
defvjp(opaque, twice_x, twice_s)
defvjp(effectful, twice_x, twice_s, pure=False)


def _calls(g, fn):
    return [ins for ins in g.instructions() if ins.fn is fn]


def _loop_labels(g):
    labels = set()

    def walk(seq):
        for item in seq.items:
            if isinstance(item, LoopRegion):
                labels.update(region_labels(item.test) + region_labels(item.body))
                walk(item.body)
            elif not isinstance(item, str):
                for part in ("then", "orelse", "test", "body"):
                    if hasattr(item, part):
                        walk(getattr(item, part))
    walk(g.structure)
    return labels


def _blocks_calling(g, fn):
    return {b.label for b in g.blocks for ins in b.instrs if ins.fn is fn}


def _code(source):
    """Generated source without its comment lines (they quote the original code)."""
    return "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith("#"))


def test_table_entry_has_the_declared_properties():
    p = props(twice)
    assert (p.elementwise, p.hoist, p.remat, p.raises, p.pure) == (True, True, "cheap", False, True)
    q = props(opaque)
    assert (q.elementwise, q.hoist, q.remat, q.raises, q.pure) == (False, False, None, True, True)
    assert lookup(twice) is p and p.vjp(0) is twice_x


def test_specialize_knows_an_elementwise_primitive_of_numbers_is_a_number():
    def f(x, s):
        return twice(x, s) * 3.0

    def h(x, s):
        return opaque(x, s) * 3.0

    for fn, prim, expected in ((f, twice, True), (h, opaque, False)):
        g = adc.GradFunction(fn).ir
        out = _calls(g, prim)[0].out
        assert (out in known_scalars(g, g.entry.params)) is expected
        ranks = infer_ranks(g, {g.entry.params[0]: 2, g.entry.params[1]: 0}).known
        assert ranks.get(out) == (2 if expected else None)


def test_scalar_specialised_gradient_drops_unbroadcast_only_for_the_declared_primitive():
    def f(x, s):
        return np.sin(twice(x, s))

    def h(x, s):
        return np.sin(opaque(x, s))

    gf, gh = adc.grad(f, wrt=(0, 1)), adc.grad(h, wrt=(0, 1))
    for g in (gf, gh):
        got = g(0.3, 1.7)
        for k in (0, 1):
            assert_close(got[k], numerical_grad(f, (0.3, 1.7), k))
    assert _code(gf.source).count("unbroadcast(") < _code(gh.source).count("unbroadcast(")


def test_licm_hoists_only_the_primitive_declared_hoistable():
    def f(x, s, n):
        acc = 0.0
        for i in range(n):
            acc = acc + twice(x, s)
        return acc

    def h(x, s, n):
        acc = 0.0
        for i in range(n):
            acc = acc + opaque(x, s)
        return acc

    gf, gh = adc.GradFunction(f).ir, adc.GradFunction(h).ir
    assert _blocks_calling(gf, twice) and not _blocks_calling(gf, twice) & _loop_labels(gf)
    assert _blocks_calling(gh, opaque) and _blocks_calling(gh, opaque) <= _loop_labels(gh)
    for fn in (f, h):
        assert_close(adc.grad(fn)(0.5, 1.5, 4), numerical_grad(fn, (0.5, 1.5, 4), 0))
        assert_close(adc.grad(fn)(0.5, 1.5, 0), 0.0)


def test_reverse_recomputes_a_cheap_primitive_instead_of_stacking_it():
    def f(x, n):
        acc = 0.0
        for i in range(n):
            acc = acc + np.sin(twice(x, i))
        return acc

    def h(x, n):
        acc = 0.0
        for i in range(n):
            acc = acc + np.sin(opaque(x, i))
        return acc

    gf, gh = adc.grad(f), adc.grad(h)
    for g, fn in ((gf, f), (gh, h)):
        assert_close(g(0.4, 5), numerical_grad(fn, (0.4, 5), 0))
    # the adjoint calls twice() again (recomputed) and stacks one value less
    cf, ch = _code(gf.source), _code(gh.source)
    assert cf.count("twice(") == 2 and ch.count("opaque(") == 1
    stored = lambda src: src.count("_stack") + src.count("_tape")      # noqa: E731
    assert stored(cf) < stored(ch)


def test_dead_code_keeps_an_unused_call_only_if_it_may_raise():
    def f(x, s):
        twice(x, s)
        return x * 2.0

    def h(x, s):
        opaque(x, s)
        return x * 2.0

    assert not _calls(adc.GradFunction(f).ir, twice)
    assert len(_calls(adc.GradFunction(h).ir, opaque)) == 1


def test_cse_shares_only_pure_calls():
    def f(x, s):
        return twice(x, s) + twice(x, s)

    def h(x, s):
        return effectful(x, s) + effectful(x, s)

    assert len(_calls(adc.GradFunction(f).ir, twice)) == 1
    assert len(_calls(adc.GradFunction(h).ir, effectful)) == 2
    assert_close(adc.grad(h)(0.5, 2.0), 8.0)


def test_numba_rank_folding_follows_the_declared_rank():
    def f(x, s):
        return np.ndim(twice(x, s))

    def h(x, s):
        return np.ndim(opaque(x, s))

    gf = specialize_ranks(adc.GradFunction(f).ir, (2, 0), (True, False))
    gh = specialize_ranks(adc.GradFunction(h).ir, (2, 0), (True, False))
    assert gf.blocks[-1].term.value == Const(2)
    assert not isinstance(gh.blocks[-1].term.value, Const)


def test_numba_namespace_compiles_a_helper_unless_it_has_a_twin():
    pytest.importorskip("numba")              # (an optional dependency)

    def helper(x):
        return x + 1.0

    def twin_impl(x):
        return lambda x: x + 1.0

    assert numba_namespace({"helper": helper}, jit=lambda fn: "jitted") == {"helper": "jitted"}
    registry.record_twin(helper, twin_impl)
    assert props(helper).numba_twin is twin_impl and lookup(helper) is None
    assert numba_namespace({"helper": helper}, jit=lambda fn: "jitted") == {"helper": helper}


def cube_x(g, ans, x):
    return 3.0 * g * x * x


@custom_vjp(cube_x, elementwise=True, remat="cheap")
def cube(x):
    return x * x * x


def test_custom_vjp_takes_properties_in_the_same_call():
    assert props(cube).elementwise and props(cube).remat == "cheap"

    def f(x):
        return cube(x) * 2.0

    g = adc.GradFunction(f).ir
    assert _calls(g, cube)[0].out in known_scalars(g, g.entry.params)
    assert_close(adc.grad(f)(1.3), 6.0 * 1.3 ** 2)
    x = np.array([0.5, -1.0, 2.0])
    assert_close(adc.grad(lambda x: np.sum(cube(x)))(x), 3.0 * x * x)


def test_wrong_properties_are_refused_where_they_are_given():
    with pytest.raises(TypeError, match="unknown property 'elementwize'"):
        defvjp(twice, twice_x, twice_s, elementwize=True)
    with pytest.raises(TypeError, match="remat='sometimes'"):
        registry.declare(twice, remat="sometimes")
    with pytest.raises(TypeError, match="views=\\(0.5,\\)"):
        registry.declare(twice, views=(0.5,))
    with pytest.raises(TypeError, match="unknown property 'hoistable'"):
        custom_vjp(cube_x, hoistable=True)
    assert props(twice).remat == "cheap" and props(twice).views == ()


# -- the table is consistent -------------------------------------------------------------
def test_every_entry_has_properties_of_the_right_type():
    for rule in registry.all_entries():
        values = {name: getattr(rule, name) for name in registry.PROPERTIES}
        registry.check_properties(values)          # raises on a wrong type or choice
        assert isinstance(rule.nondiff, bool) and isinstance(rule.has_rules, bool), rule.name
        if rule.remat is not None or rule.hoist:
            assert rule.pure, f"{rule.name}: recomputed or hoisted, so it must be pure"
        assert all(k >= 0 for k in rule.views + rule.shape_only), rule.name
        if not rule.has_rules:
            assert lookup(rule.primal) is None and rule.vjps == ()


def _named_primitives():
    """Every callable of the IR, the run-time helpers or NumPy that a pass or
    backend names in its code (``ops.push``, ``np.ndim``, an imported helper)."""
    modules = {"ops": ops, "runtime": runtime, "np": np, "pytree": pytree, "views": views,
               "view_ops": views}
    found = {}
    files = sorted((PACKAGE / "transforms").glob("*.py")) + sorted((PACKAGE / "backend").glob("*.py"))
    files += sorted((PACKAGE / "ir").glob("build*.py"))
    for path in files:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in modules:
                obj = getattr(modules[node.value.id], node.attr, None)
                found.setdefault(obj, f"{path.name}: {node.value.id}.{node.attr}")
            elif isinstance(node, ast.ImportFrom) and node.level == 2 and \
                    node.module in ("ir.ops", "runtime", "pytree", "ir.views"):
                mod = {"ir.ops": ops, "runtime": runtime, "pytree": pytree,
                       "ir.views": views}[node.module]
                for a in node.names:
                    found.setdefault(getattr(mod, a.name, None), f"{path.name}: {a.name}")
    return {obj: where for obj, where in found.items()
            if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, np.ufunc))}


def test_every_primitive_a_pass_names_has_an_entry():
    named = _named_primitives()
    assert len(named) > 20
    missing = [where for obj, where in named.items()
               if registry.rule_key(obj) not in registry._RULES]
    assert not missing, missing


def test_no_pass_keeps_a_set_of_primitives_of_its_own():
    """Module-level sets or dicts of callables in the passes and backends are
    what the table replaced (syntax tables of the emitter and builder aside)."""
    syntax = {"_BIN", "_UN", "_CMP", "_BINOPS", "_UNARY", "_ATTR_FUNCS", "_CONSUMERS",
              "_CONSTRUCTORS", "_METHODS", "_CONTAINERS"}
    found = []
    files = sorted((PACKAGE / "transforms").glob("*.py")) + sorted((PACKAGE / "backend").glob("*.py"))
    files += sorted((PACKAGE / "ir").glob("build*.py"))
    for path in files:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Set, ast.Dict)) \
                    and any(isinstance(t, ast.Name) and t.id not in syntax for t in node.targets):
                elts = node.value.elts if isinstance(node.value, ast.Set) else node.value.keys
                if any(isinstance(e, ast.Attribute) for e in elts):
                    found.append(f"{path.name}: {ast.unparse(node.targets[0])}")
    assert not found, found


def test_attributes_and_methods_have_entries_too():
    assert props(Attr("shape")).nondiff and props(Attr("shape")).rank == "shape"
    assert props(Attr("T")).hoist and props(Attr("T")).views == (0,)
    assert not props(Attr("field")).nondiff          # a namedtuple's field carries a gradient
    assert props(Method("fill")).mutates and not props(Method("append")).pure


# -- one rank inference ------------------------------------------------------------------
def test_ranks_follow_loops_products_and_reductions():
    def f(x, y, n):
        acc = x
        for i in range(n):
            acc = acc * 2.0
        return np.ndim(acc) * 100 + np.ndim(np.dot(x, y)) * 10 + np.ndim(np.trace(acc))

    g = adc.GradFunction(f).ir
    r = infer_ranks(g, dict(zip(g.entry.params, (3, 1, 0)))).known
    by_fn = {}
    for ins in g.instructions():
        by_fn.setdefault(getattr(ins.fn, "__name__", str(ins.fn)), []).append(ins.out)
    assert [r.get(v) for v in by_fn["dot"]] == [2]
    assert [r.get(v) for v in by_fn["trace"]] == [1]             # 3-D: one axis left
    folded = specialize_ranks(g, (3, 1, 0), (True, True, False))
    assert folded.blocks[-1].term.value == Const(321)
    assert f(np.ones((2, 3, 3)), np.ones(3), 2) == 321


def test_a_shape_has_rank_one_but_is_no_array():
    def f(x):
        s = x.shape
        return isinstance(s, np.ndarray) or isinstance(x, np.ndarray) and np.ndim(s) == 1

    g = adc.GradFunction(f).ir
    r = infer_ranks(g, {g.entry.params[0]: 2})
    shape = next(i.out for i in g.instructions() if i.fn == Attr("shape"))
    assert r.known[shape] == 1 and shape in r.sequences
    folded = specialize_ranks(g, (2,), (True,))
    assert not any(ins.fn is isinstance and ins.args[0] == shape and ins.out is not None
                   and folded.blocks[-1].term.value == Const(True)
                   for ins in g.instructions())
    assert f(np.ones((2, 2))) is True
    isinstance_of_shape = [i for i in folded.instructions() if i.fn is isinstance]
    assert isinstance_of_shape and all(i.args[0] == shape for i in isinstance_of_shape)


def test_every_property_is_documented():
    text = (PACKAGE.parent / "docs" / "custom_rules.md").read_text()
    for name in registry.PROPERTIES:
        assert f"| `{name}` |" in text, name
    for kind in registry.RANK_RULES:
        assert f'`"{kind}"`' in text, kind


def test_where_of_numbers_has_rank_zero_but_is_no_number():
    """np.where(c, a, b) of numbers is a 0-d array: its unbroadcast stays
    (Numba's twins would otherwise meet a 0-d array where a float goes)."""
    def f(x, y):
        return np.where(x > 0, x * y, -x) * 2.0

    g = adc.GradFunction(f).ir
    r = infer_ranks(g, {p: 0 for p in g.entry.params})
    where = _calls(g, np.where)[0].out
    product = next(i.out for i in g.instructions() if i.args and i.args[0] == where)
    assert r.known[where] == 0 and r.known[product] == 0
    assert where in r.zero_d and product in r.zero_d and where not in r.scalars()
    assert known_scalars(g, g.entry.params) == r.scalars()
    assert isinstance(np.where(True, 1.0, 2.0), np.ndarray)
    assert_close(adc.grad(f, wrt=(0, 1))(0.5, 3.0), (6.0, 1.0))
