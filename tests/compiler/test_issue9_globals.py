"""Issue 9, families 7 and 9: free names are read when the gradient is
called, a rebinding of anything the compiler specialised on recompiles, and
an output or seed that is not a real number is a clear error.

Each test compares the compiled value with running the function itself and
the gradient with central finite differences (tests/compiler/fd.py), after
every change of a global, closure cell, module or code object."""
import importlib
import linecache
import math
import sys
import textwrap

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.errors import NotDifferentiableError

from .fd import assert_close, numerical_grad


def check(g, fn, *args, wrt=0):
    """``g`` is ``value_and_grad(fn)``: its value is fn's, its gradient FD's."""
    value, grad = g(*args)
    assert_close(value, fn(*args), what="value")
    assert_close(grad, numerical_grad(fn, list(args), wrt), rtol=1e-5, atol=1e-6, what="grad")
    return value, grad


# -- a training loop over global mini-batches -------------------------------------------------
BATCH_X = np.zeros((4, 3))
BATCH_Y = np.zeros(4)
LAM = 0.1


def loss(w):
    r = BATCH_X @ w - BATCH_Y
    return np.mean(r * r) + LAM * np.sum(w * w)


def test_training_loop_reads_the_global_mini_batch_at_every_step():
    global BATCH_X, BATCH_Y
    rng = np.random.default_rng(0)
    g = adc.value_and_grad(loss)
    w = rng.normal(size=3)
    seen = set()
    for step in range(4):
        BATCH_X = rng.normal(size=(4, 3))       # a new batch object every step
        BATCH_Y = rng.normal(size=4)
        value, grad = check(g, loss, w)
        seen.add(round(float(value), 12))
        w = w - 0.1 * grad
    assert len(seen) == 4


def test_globals_read_as_data_are_parameters_of_the_generated_function():
    g = adc.grad(loss)
    g(np.ones(3))
    assert "def loss_grad(w, BATCH_X, BATCH_Y, LAM, seed):" in g.source
    assert "np.mean" in g.source             # numpy stays a (guarded) constant


def test_global_array_changed_in_place_and_a_fresh_grad_sees_the_new_float(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "BATCH_X", np.ones((4, 3)))
    monkeypatch.setattr(sys.modules[__name__], "BATCH_Y", np.ones(4))
    w = np.array([0.5, -1.0, 2.0])
    g = adc.value_and_grad(loss)
    check(g, loss, w)
    BATCH_X[:] = 2.0                     # mutated, not rebound
    check(g, loss, w)
    monkeypatch.setattr(sys.modules[__name__], "LAM", 1.0)    # the notebook re-runs `lam = 1.0`
    assert adc.value_and_grad(loss) is g                        # still memoized on the function,
    check(adc.value_and_grad(loss), loss, w)                    # and still right


# -- closures -------------------------------------------------------------------------------
def make_scaled():
    scale = 2.0

    def f(x):
        return scale * x * x

    def set_scale(v):
        nonlocal scale
        scale = v
    return f, set_scale


def test_closure_cell_changed_by_nonlocal_is_read_per_call():
    f, set_scale = make_scaled()
    g = adc.value_and_grad(f)
    assert check(g, f, 1.5)[1] == pytest.approx(6.0)
    set_scale(-3.0)
    assert check(g, f, 1.5)[1] == pytest.approx(-9.0)
    set_scale(np.array([1.0, 2.0]))          # a scalar cell becomes an array
    seed = np.array([1.0, -0.5])
    assert_close(adc.grad(f)(1.5, seed=seed), numerical_grad(f, [1.5], 0, seed=seed))


def make_with_helper():
    def helper(x):
        return math.sin(x)

    def f(x):
        return helper(x) * x

    def set_helper(h):
        nonlocal helper
        helper = h
    return f, set_helper


def test_inlined_helper_in_a_closure_cell_rebound_recompiles():
    f, set_helper = make_with_helper()
    g = adc.value_and_grad(f)
    check(g, f, 0.7)

    def cube(x):
        return x ** 3
    set_helper(cube)
    check(g, f, 0.7)
    assert "math.sin" not in g.source


# -- rebinding what the compiler specialised on ---------------------------------------------------
def helper(x):
    return x * x


def uses_helper(x):
    return helper(x) + 1.0


def test_rebinding_a_helper_function_global_recompiles(monkeypatch):
    g = adc.value_and_grad(uses_helper)
    assert check(g, uses_helper, 2.0)[1] == pytest.approx(4.0)
    def tripled(x):
        return x * x * x
    monkeypatch.setattr(sys.modules[__name__], "helper", tripled)
    assert check(g, uses_helper, 2.0)[1] == pytest.approx(12.0)


def test_code_swapped_recompiles():
    def f(x):
        return x * x

    def h(x):
        return math.exp(x) * 2.0
    g = adc.value_and_grad(f)
    check(g, f, 0.3)
    f.__code__ = h.__code__
    value, grad = check(g, f, 0.3)
    assert grad == pytest.approx(2.0 * math.exp(0.3))


def test_defaults_reassigned_are_used():
    def f(x, c=2.0):
        return c * x * x
    g = adc.value_and_grad(f)
    check(g, f, 1.0)
    f.__defaults__ = (5.0,)
    assert check(g, f, 1.0)[1] == pytest.approx(10.0)


MODE = "square"


def by_mode(x):
    if MODE == "square":
        return x * x
    return 3.0 * x


def test_string_global_specialised_on_is_guarded(monkeypatch):
    g = adc.value_and_grad(by_mode)
    assert check(g, by_mode, 2.0)[1] == pytest.approx(4.0)
    monkeypatch.setattr(sys.modules[__name__], "MODE", "linear")
    assert check(g, by_mode, 2.0)[1] == pytest.approx(3.0)


RULE_SCALE = 2.0


def _triple_vjp(g, ans, x):
    return g * RULE_SCALE          # a (deliberately odd) rule that reads a global


@adc.custom_vjp(_triple_vjp)
def triple(x):
    return 3.0 * x


def uses_rule(x):
    return triple(x) * x


def test_custom_rule_reading_a_global_reads_it_per_call(monkeypatch):
    g = adc.grad(uses_rule)
    assert g(2.0) == pytest.approx(6.0 + 2.0 * 2.0)      # d/dx [t(x) x] = t'(x) x + t(x)
    monkeypatch.setattr(sys.modules[__name__], "RULE_SCALE", -1.0)
    assert g(2.0) == pytest.approx(6.0 - 2.0)


def rule_factor(x):
    return 2.0


def _scaled_vjp(g, ans, x):
    return g * rule_factor(x)      # a rule calling a helper of the user's


@adc.custom_vjp(_scaled_vjp)
def scaled_id(x):
    return 2.0 * x


def test_custom_rule_calling_a_rebound_helper_uses_the_new_one(monkeypatch):
    def f(x):
        return scaled_id(x)
    g = adc.grad(f)
    assert g(1.0) == pytest.approx(2.0)

    def other(x):
        return -4.0
    monkeypatch.setattr(sys.modules[__name__], "rule_factor", other)
    assert g(1.0) == pytest.approx(-4.0)


class Config:
    rate = 0.5

    @staticmethod
    def act(x):
        return x * x


def uses_class(x):
    return Config.act(x) * Config.rate


def test_class_attributes_data_read_and_methods_guarded(monkeypatch):
    g = adc.value_and_grad(uses_class)
    check(g, uses_class, 1.5)
    monkeypatch.setattr(Config, "rate", 4.0)
    assert check(g, uses_class, 1.5)[1] == pytest.approx(12.0)

    def cube(x):
        return x * x * x
    monkeypatch.setattr(Config, "act", staticmethod(cube))
    assert check(g, uses_class, 1.5)[1] == pytest.approx(4.0 * 3 * 1.5 ** 2)


# -- a global that changes kind, and one that disappears -----------------------------------------
SCALE = 2.0


def scaled(x):
    return np.sum(SCALE * x)


def test_global_changing_from_float_to_array(monkeypatch):
    g = adc.value_and_grad(scaled)
    x = np.array([1.0, 2.0, 3.0])
    check(g, scaled, x)
    monkeypatch.setattr(sys.modules[__name__], "SCALE", np.array([1.0, -1.0, 4.0]))
    assert_close(check(g, scaled, x)[1], [1.0, -1.0, 4.0])
    monkeypatch.setattr(sys.modules[__name__], "SCALE", 0.5)
    assert_close(check(g, scaled, x)[1], [0.5, 0.5, 0.5])


def test_global_missing_at_call_time_raises_name_error(monkeypatch):
    g = adc.grad(scaled)
    g(np.ones(2))
    monkeypatch.delattr(sys.modules[__name__], "SCALE")
    with pytest.raises(NameError, match="name 'SCALE' is not defined"):
        g(np.ones(2))
    with pytest.raises(NameError, match="name 'SCALE' is not defined"):
        scaled(np.ones(2))                    # what Python says


def test_global_never_defined_is_an_error_naming_it():
    def f(x):
        return x * UNDEFINED_NAME_9   # noqa: F821
    with pytest.raises(NameError, match="name 'UNDEFINED_NAME_9' is not defined"):
        adc.grad(f)(1.0)


def test_helper_deleted_after_compiling_is_a_name_error(monkeypatch):
    g = adc.grad(uses_helper)
    g(1.0)
    monkeypatch.delattr(sys.modules[__name__], "helper")
    with pytest.raises(NameError, match="name 'helper' is not defined"):
        g(1.0)


def test_keyword_arguments_survive_a_recompile(monkeypatch):
    def f(x, c):
        return np.sum(x * c) * SCALE
    g = adc.grad(f)
    x = np.ones(2)
    assert_close(g(x, c=2.0), [2.0 * SCALE] * 2)
    monkeypatch.setattr(sys.modules[__name__], "SCALE", math.sin)   # data becomes a function:
    with pytest.raises(TypeError, match="unsupported operand"):     # what Python does with it
        f(x, c=2.0)
    with pytest.raises(TypeError, match="unsupported operand"):
        g(x, c=2.0)
    monkeypatch.setattr(sys.modules[__name__], "SCALE", 3.0)
    assert_close(g(x, c=2.0), [6.0, 6.0])


# -- a global list mutated by f ----------------------------------------------------------------
LOG = []


def logs(x):
    LOG.append(1)
    return x * 3.0


def test_global_list_append_happens_once_per_call_on_the_real_list():
    LOG.clear()
    g = adc.grad(logs)
    assert g(2.0) == pytest.approx(3.0)
    assert g(1.0) == pytest.approx(3.0)
    assert LOG == [1, 1]


def writes_global(x):
    BATCH_Y[0] = x
    return x * 2.0


def test_assignment_into_a_global_array_is_a_clear_error():
    with pytest.raises(adc.MutationError, match="assignment into 'BATCH_Y' would modify a global"):
        adc.grad(writes_global)(1.0)


# -- modules: reload, a user module whose name starts with "math" ------------------------------
def _write_module(tmp_path, name, text):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    return path


def test_module_reloaded_with_importlib_reload(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    path = _write_module(tmp_path, "issue9_reloaded", """
        import math
        SCALE = 2.0

        def helper(x):
            return SCALE * x * x

        def f(x):
            return helper(x) + 1.0
    """)
    mod = importlib.import_module("issue9_reloaded")
    try:
        old_f = mod.f
        g = adc.value_and_grad(old_f)
        assert check(g, old_f, 1.5)[1] == pytest.approx(6.0)
        path.write_text(textwrap.dedent("""
            import math
            SCALE = -0.25          # a new value, and a new helper body

            def helper(x):
                return SCALE * math.sin(x) * x * x * x

            def f(x):
                return helper(x) + 1.0
        """))
        importlib.invalidate_caches()
        importlib.reload(mod)
        linecache.checkcache(str(path))
        check(g, old_f, 1.5)                # the old f calls the new helper, as Python does
        check(adc.value_and_grad(mod.f), mod.f, 1.5)
        mod.SCALE = 4.0                     # a module attribute rebound
        check(g, old_f, 1.5)
    finally:
        sys.modules.pop("issue9_reloaded", None)


def test_module_attribute_data_is_read_per_call(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    _write_module(tmp_path, "issue9_config", "RATE = 0.5\n")
    cfg = importlib.import_module("issue9_config")
    try:
        def f(x):
            return cfg.RATE * x * x
        g = adc.value_and_grad(f)
        check(g, f, 2.0)
        cfg.RATE = 3.0
        assert check(g, f, 2.0)[1] == pytest.approx(12.0)
    finally:
        sys.modules.pop("issue9_config", None)


def test_helper_in_a_module_named_like_math_is_inlined(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    _write_module(tmp_path, "mathhelpers_issue9", """
        import math

        def softplus(x):
            return math.log(1.0 + math.exp(x))
    """)
    mh = importlib.import_module("mathhelpers_issue9")
    try:
        def f(x):
            return mh.softplus(x) * x
        check(adc.value_and_grad(f), f, 0.4)
    finally:
        sys.modules.pop("mathhelpers_issue9", None)


# -- a notebook: cells exec'd into one namespace, their source in linecache -------------------------
def _run_cell(ns, source, n):
    filename = f"<ipython-input-{n}-issue9>"
    source = textwrap.dedent(source)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), ns)


def test_notebook_cell_rerun_rebinds_the_global():
    ns = {"np": np}
    _run_cell(ns, "lam = 0.1\n", 1)
    _run_cell(ns, """
        def f(w):
            return np.sum(w * w) * lam
    """, 2)
    f = ns["f"]
    w = np.array([1.0, -2.0])
    check(adc.value_and_grad(f), f, w)
    _run_cell(ns, "lam = 1.0\n", 3)
    assert_close(check(adc.value_and_grad(f), f, w)[1], 2.0 * w)
    _run_cell(ns, """
        def f(w):
            return np.sum(w ** 3) * lam
    """, 4)                                   # the cell that defines f, edited and re-run
    check(adc.value_and_grad(ns["f"]), ns["f"], w)


# -- backend="numba" reads globals per call too ----------------------------------------------------
def test_numba_reads_globals_per_call(monkeypatch):
    pytest.importorskip("numba")
    monkeypatch.setattr(sys.modules[__name__], "BATCH_X", np.ones((4, 3)))
    monkeypatch.setattr(sys.modules[__name__], "BATCH_Y", np.zeros(4))
    g = adc.value_and_grad(loss, backend="numba")
    w = np.array([0.5, -1.0, 2.0])
    check(g, loss, w)
    monkeypatch.setattr(sys.modules[__name__], "BATCH_X", np.arange(12.0).reshape(4, 3))
    monkeypatch.setattr(sys.modules[__name__], "LAM", 2.0)
    check(g, loss, w)
    monkeypatch.setattr(sys.modules[__name__], "SCALE", 3.0)
    gs = adc.value_and_grad(scaled, backend="numba")
    check(gs, scaled, w)
    monkeypatch.setattr(sys.modules[__name__], "SCALE", np.array([1.0, 2.0, 3.0]))
    check(gs, scaled, w)


def sin_scaled(x):
    return math.sin(x) * SCALE


@pytest.mark.parametrize("backend", ["python", "numba"])
def test_elementwise_kernel_sees_a_rebound_global(monkeypatch, backend):
    if backend == "numba":
        pytest.importorskip("numba")
    monkeypatch.setattr(sys.modules[__name__], "SCALE", 2.0)
    e = adc.elementwise_grad(sin_scaled, backend=backend)
    x = np.linspace(0.0, 1.0, 5)
    assert_close(e(x), 2.0 * np.cos(x))
    monkeypatch.setattr(sys.modules[__name__], "SCALE", -3.0)
    assert_close(e(x), -3.0 * np.cos(x))


# -- family 9: what may be differentiated -----------------------------------------------------
def returns_str(x):
    return "done"


def returns_bool(x):
    return x > 0.0


def returns_none(x):
    y = x * 2.0   # noqa: F841


def returns_complex(x):
    return x * 1j


def returns_int(x):
    return 3


@pytest.mark.parametrize("fn, message", [
    (returns_str, r"cannot differentiate the output: it is a str \('done'\), not a float"),
    (returns_bool, r"cannot differentiate the output: it is a bool \(True\)"),
    (returns_complex, "cannot differentiate the output: complex numbers are not supported"),
])
def test_output_that_is_not_a_real_number_is_an_error(fn, message):
    with pytest.raises(NotDifferentiableError, match=message):
        adc.grad(fn)(1.0)
    with pytest.raises(NotDifferentiableError, match=message):
        adc.value_and_grad(fn)(1.0)


def test_none_output_is_an_error():
    with pytest.raises(adc.ADError, match="return"):
        adc.grad(returns_none)(1.0)


def test_int_output_is_piecewise_constant_with_zero_gradient():
    assert adc.grad(returns_int)(1.0) == 0.0
    assert adc.value_and_grad(returns_int)(1.0) == (3, 0.0)


def test_complex_seed_is_an_error():
    def f(x):
        return x * 2.0
    with pytest.raises(NotDifferentiableError, match="invalid seed: complex numbers are not supported"):
        adc.grad(f)(np.ones(2), seed=np.ones(2) * (1 + 1j))
    with pytest.raises(NotDifferentiableError, match="invalid seed: complex numbers are not supported"):
        adc.grad(f)(1.0, seed=1j)
    assert_close(adc.grad(f)(np.ones(2), seed=np.array([1.0, 3.0])), [2.0, 6.0])
