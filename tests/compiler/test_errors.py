"""Every user-facing error: its type AND its message, naming the function
and file:line."""
import inspect
import math
import os

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.errors import ADError

HERE = os.path.basename(__file__)


def _line(fn, marker="# <-"):
    lines, start = inspect.getsourcelines(fn)
    hits = [start + i for i, ln in enumerate(lines) if marker in ln]
    assert len(hits) == 1
    return hits[0]


def _where(e, fn, line):
    """The error names the function and this file at ``line``."""
    text = str(e)
    assert e.fn_name == fn.__name__, text
    assert e.filename is not None and os.path.samefile(e.filename, __file__), text
    assert e.lineno == line, text
    assert text.startswith(f"{fn.__name__} (") and f"{HERE}:{line}): " in text, text


# -- unsupported syntax ----------------------------------------------------------------------

def uses_try(x):
    try:  # <-
        return x
    except Exception:
        return x


def assigns_attribute(x):
    y = np.zeros(2)
    y.shape = (2, 1)  # <-
    return x


def calls_dynamic(x):
    fns = [np.sin, np.cos]
    return fns[0](x)  # <-


def undefined_name(x):
    return x * not_defined_anywhere  # noqa: F821  # <-


def no_return_on_some_path(x):  # <-
    if x > 0:
        return x


def recursive(x):
    if x > 1.0:
        return recursive(x / 2.0)  # <-
    return x


@pytest.mark.parametrize("fn,cls,message", [
    (uses_try, adc.UnsupportedSyntaxError, "'try' statements are not supported"),
    (assigns_attribute, adc.UnsupportedSyntaxError, "assignment to attribute targets is not supported"),
    (calls_dynamic, ADError, "only functions known at compile time can be called"),
    (undefined_name, ADError, "name 'not_defined_anywhere' is not defined"),
    (no_return_on_some_path, adc.UnsupportedSyntaxError, "does not return a value on every path"),
    (recursive, adc.UnsupportedSyntaxError, "recursive call to 'recursive' is not supported"),
], ids=["try", "attribute-target", "dynamic-call", "undefined-name", "no-return", "recursion"])
def test_unsupported_constructs(fn, cls, message):
    with pytest.raises(cls) as info:
        adc.grad(fn)(0.5)
    assert message in str(info.value)
    _where(info.value, fn, _line(fn))


# -- no derivative rule --------------------------------------------------------------------

def uses_gamma(x):
    y = x * 2.0
    return math.gamma(y) * x  # <-


def uses_gamma_off_path(x):
    n = math.gamma(len(x))
    return np.sum(x) * n


def test_no_rule_error_says_how_to_add_one():
    with pytest.raises(adc.NoRuleError) as info:
        adc.grad(uses_gamma)(2.0)
    text = str(info.value)
    assert "no derivative rule for math.gamma" in text
    assert "ad_compiler.defvjp(math.gamma" in text
    assert "stop_gradient" in text
    _where(info.value, uses_gamma, _line(uses_gamma))
    assert "return math.gamma(y) * x" in text               # the source line is quoted


def test_callable_without_rule_off_the_gradient_path_is_fine():
    np.testing.assert_allclose(adc.grad(uses_gamma_off_path)(np.ones(3)), 2.0 * np.ones(3))


# -- source not available --------------------------------------------------------------------

def test_lambda_built_with_exec_has_no_source():
    ns = {}
    exec("k = lambda x: x * 2.0", ns)
    with pytest.raises(adc.SourceUnavailableError) as info:
        adc.grad(ns["k"])
    text = str(info.value)
    assert "the source of the lambda at <string>:1 is not available" in text
    assert "exec()" in text and "define it in a file or a notebook cell" in text
    assert info.value.fn_name == "<lambda>"
    assert info.value.lineno == 1


@pytest.mark.parametrize("fn", [math.sin, np.sin, len], ids=["math.sin", "np.sin", "len"])
def test_builtin_has_no_source(fn):
    with pytest.raises(adc.SourceUnavailableError) as info:
        adc.grad(fn)
    text = str(info.value)
    assert f"cannot differentiate '{fn.__name__}'" in text
    assert "no Python source" in text and "defvjp" in text
    assert info.value.fn_name == fn.__name__


def test_function_built_with_exec_has_no_source():
    ns = {}
    exec("def made_by_exec(x):\n    return x * 2.0\n", ns)
    with pytest.raises(adc.SourceUnavailableError) as info:
        adc.grad(ns["made_by_exec"])
    text = str(info.value)
    assert "source code of 'made_by_exec' is not available" in text
    assert "exec()" in text and "put them in a file" in text
    assert info.value.fn_name == "made_by_exec"
    assert text.startswith("made_by_exec (<string>:1): ")


# -- wrt -------------------------------------------------------------------------------------

def two(x, y):  # <-
    return x * y


@pytest.mark.parametrize("wrt,message", [
    (2, "wrt=2 is out of range: two has 2 parameter(s) (x, y)"),
    ((0, 5), "wrt=5 is out of range: two has 2 parameter(s) (x, y)"),
    (-3, "wrt=-3 is out of range"),
    ("z", "wrt='z' is not a parameter of two(x, y)"),
    (("x", "w"), "wrt='w' is not a parameter of two(x, y)"),
    (1.0, "wrt must be parameter indices or names, not 1.0"),
    (True, "wrt must be parameter indices or names, not True"),
], ids=["too-big", "too-big-in-tuple", "too-negative", "unknown-name", "unknown-name-in-tuple",
        "float", "bool"])
def test_wrt_errors(wrt, message):
    with pytest.raises(adc.WrtError) as info:
        adc.grad(two, wrt=wrt)
    assert isinstance(info.value, ValueError)
    assert message in str(info.value)
    _where(info.value, two, _line(two))


@pytest.mark.parametrize("value,what", [
    (2, "(int)"), (np.arange(3), "(ndarray of dtype int64)"), (True, "(bool)"),
    (np.array([1, 0], dtype=bool), "dtype bool"), (np.int32(3), "int32"),
], ids=["int", "int-array", "bool", "bool-array", "np.int32"])
def test_differentiating_wrt_an_integer(value, what):
    with pytest.raises(adc.NotDifferentiableError) as info:
        adc.grad(two)(value, 1.0)
    text = str(info.value)
    assert "cannot differentiate with respect to 'x': it is an integer or bool" in text
    assert what in text
    assert "float" in text
    _where(info.value, two, _line(two))


def test_integer_argument_not_in_wrt_is_fine():
    assert adc.grad(two, wrt=1)(3, 2.0) == pytest.approx(3.0)


def test_complex_input_is_rejected():
    with pytest.raises(adc.NotDifferentiableError, match="complex inputs are not supported"):
        adc.grad(two)(np.array([1 + 2j]), 1.0)


# -- output and seed --------------------------------------------------------------------------

def vector_out(x):  # <-
    return np.sin(x)


def test_non_scalar_output_without_seed():
    with pytest.raises(adc.NonScalarOutputError) as info:
        adc.grad(vector_out)(np.ones(3))
    text = str(info.value)
    assert "the output has shape (3,), not a scalar: pass seed=" in text
    _where(info.value, vector_out, _line(vector_out))


def test_seed_of_wrong_shape():
    with pytest.raises(adc.SeedShapeError) as info:
        adc.grad(vector_out)(np.ones(3), seed=np.ones((3, 1)))
    text = str(info.value)
    assert "seed has shape (3, 1) but the output has shape (3,)" in text
    _where(info.value, vector_out, _line(vector_out))


def test_seed_for_scalar_output_must_be_scalar():
    with pytest.raises(adc.SeedShapeError, match=r"seed has shape \(2,\) but the output has shape \(\)"):
        adc.grad(two)(1.0, 2.0, seed=np.ones(2))


def aux_not_a_pair(x):  # <-
    return x * 2.0


def test_has_aux_needs_a_pair():
    with pytest.raises(ADError) as info:
        adc.grad(aux_not_a_pair, has_aux=True)(1.0)
    assert "has_aux=True needs the function to return a pair (value, aux)" in str(info.value)
    _where(info.value, aux_not_a_pair, _line(aux_not_a_pair))


# -- mutation ---------------------------------------------------------------------------------

def mutates_parameter(x):
    x[0] = 1.0  # <-
    return np.sum(x)


def test_assignment_into_a_parameter_changes_the_callers_array():
    # no longer an error (issue 9): the caller's array changes as under Python
    x = np.ones(3)
    assert adc.grad(mutates_parameter)(x).tolist() == [0.0, 1.0, 1.0]
    assert x.tolist() == [1.0, 1.0, 1.0] and mutates_parameter(np.zeros(3)) == 1.0


def mutates_a_callers_array(x):
    y = x * 1.0
    fills(y)
    return np.sum(y)


def fills(a):
    a[0] = 1.0  # <-
    return a


def test_assignment_into_an_array_of_the_calling_function_is_a_mutation_error():
    with pytest.raises(adc.MutationError) as info:
        adc.grad(mutates_a_callers_array)(np.ones(3))
    text = str(info.value)
    assert "assignment into 'a': it would modify an array of the calling function" in text
    assert "a = a.copy()" in text
    _where(info.value, fills, _line(fills))


# -- backend ------------------------------------------------------------------------------------

def test_unknown_backend():
    with pytest.raises(ValueError, match="backend must be one of"):
        adc.grad(two, backend="fortran")


# -- errors in helpers name the helper's line ----------------------------------------------------

def helper_without_rule(y):
    return math.gamma(y)  # <-


def calls_helper_without_rule(x):
    return helper_without_rule(x * 2.0) * x


def test_no_rule_inside_a_helper_points_at_the_helper_line():
    with pytest.raises(adc.NoRuleError) as info:
        adc.grad(calls_helper_without_rule)(2.0)
    e = info.value
    line = _line(helper_without_rule)
    assert e.lineno == line and f"{HERE}:{line}" in str(e)
    assert "return math.gamma(y)" in str(e)
