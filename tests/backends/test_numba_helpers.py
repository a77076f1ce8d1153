"""Every helper that generated code can call has a Numba twin, or Numba can
compile its own body: nothing the emitter names is left for Numba to trip
over at a user's call.

The helpers are the plain functions of ``ad_compiler.runtime``,
``ad_compiler.ir.ops`` and the rule modules (the objects the emitter's
namespace binds by name), less the ops the emitter prints as syntax
(``emit.SYNTAX_OPS``) and the public decorators, which no graph contains.
A helper without a twin must get through Numba's bytecode frontend (no
imports inside it, no f-string conversions, no multi-argument ``raise``);
typing then depends on the call and is covered by the backend's tests.
"""
import importlib
import pkgutil
import types

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import ad_compiler as adc                                   # noqa: E402
from ad_compiler import rules                               # noqa: E402
from ad_compiler.backend import numba_twins                 # noqa: E402
from ad_compiler.rules.registry import props               # noqa: E402
from ad_compiler.backend.emit import SYNTAX_OPS              # noqa: E402
from ad_compiler.rules.custom import custom_jvp, custom_vjp  # noqa: E402

# the rule table's own machinery and the document renderer are never in a graph
NOT_HELPERS = {"registry", "render_reference", "derive"}   # (derive: makes forward rules)
MODULES = ["ad_compiler.runtime", "ad_compiler.ir.ops"] + [
    f"ad_compiler.rules.{m.name}" for m in pkgutil.iter_modules(rules.__path__)
    if m.name not in NOT_HELPERS]
NEVER_IN_A_GRAPH = {custom_vjp, custom_jvp}


def helpers():
    out = []
    for name in MODULES:
        mod = importlib.import_module(name)
        for obj in vars(mod).values():
            if isinstance(obj, types.FunctionType) and obj.__module__ == name \
                    and obj not in SYNTAX_OPS and obj not in NEVER_IN_A_GRAPH:
                out.append(obj)
    return out


HELPERS = helpers()


def test_the_helpers_are_found():
    names = {f.__name__ for f in HELPERS}
    assert {"unbroadcast", "unreduce", "cast_like", "safe_mul", "zero_like",
            "seed_cotangent", "matmul_adjoint_a"} <= names
    assert len(HELPERS) > 300


@pytest.mark.parametrize("fn", HELPERS, ids=lambda f: f"{f.__module__[12:]}.{f.__name__}")
def test_helper_has_a_twin_or_numba_translates_its_body(fn):
    if props(fn).numba_twin is not None:
        return
    from numba.core.compiler import run_frontend
    run_frontend(numba_twins.positional_twin(fn))


def test_an_omitted_default_reaches_a_twin_as_the_constant():
    # the emitter leaves out unreduce's defaults; the twin types them as if passed
    def f(x):
        return np.sum(x * x)
    g = adc.grad(f, backend="numba")
    x = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(g(x), 2 * x)
    assert "unreduce(out_bar, t1)" in g.source
