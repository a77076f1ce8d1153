"""Every spec of the rule table, called from compiled code.

``test_rule_table`` checks each rule by itself against finite differences;
here the same call goes through the compiler, which binds the call's
arguments to the rule's parameters and inlines (or calls) the rule.  For
each spec a function

    def spec_17(a0, a1):
        return np.sum(PRIMAL(a0, C1, a1, axis=K_axis) * U)

is written to a module (constants and keywords as module globals, so they
are compile-time constants as in user code) and ``adc.grad`` of it must
equal the rule's own vector-Jacobian product with the cotangent ``U``.
A binding or inlining mistake (``*args``, keyword-only parameters,
defaults, name clashes) shows here as an error or a different gradient.
"""
import importlib.util
import sys

import numpy as np
import pytest

import ad_compiler as adc
import ad_compiler.rules as rules
from ad_compiler.ir import ops

from rule_specs import SPECS
from test_rule_table import IDS, _is_diff, _like_output

SKIP = {
    ops.setitem: "an IR primitive, not a callable of user code",
}


def _multi(rule, ans):
    """Whether this call returned several results (some primals do only for
    some call forms: linspace(retstep=True), atleast_1d(x, y))."""
    return rule.multiple_results is True or (callable(rule.multiple_results)
                                             and isinstance(ans, (tuple, list)))


def _float_output(rule, ans):
    """Index of the first floating output (multiple results), or None."""
    if not _multi(rule, ans) or rule.primal is np.ndarray.tolist:   # one list
        return None
    for i, o in enumerate(ans):
        if isinstance(o, np.ndarray) and o.dtype.kind == "f":
            return i
    return -1


def _module(tmp_path, i, spec, args, kwargs, diff, pick):
    names = {"PRIMAL": spec.fn}
    params, call = [], []
    for k, a in enumerate(args):
        if k in diff:
            params.append(f"a{k}")
            call.append(f"a{k}")
        else:
            names[f"C{k}"] = a
            call.append(f"C{k}")
    for key, v in kwargs.items():
        names[f"K_{key}"] = v
        call.append(f"{key}=K_{key}")
    out = f"PRIMAL({', '.join(call)})" + ("" if pick is None else f"[{pick}]")
    body = f"np.sum(np.asarray({out}) * U)"
    src = (f"import numpy as np\n\n\ndef spec_{i}({', '.join(params)}):\n"
           f"    return {body}\n")
    path = tmp_path / f"spec_module_{i}.py"
    path.write_text(src)
    modname = f"_adc_spec_module_{i}"
    m = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(m)
    sys.modules[modname] = mod
    m.loader.exec_module(mod)
    mod.__dict__.update(names)
    return getattr(mod, f"spec_{i}")


def _selected(spec):
    return spec.fn not in SKIP


@pytest.mark.parametrize("i", [i for i, s in enumerate(SPECS) if _selected(s)],
                         ids=[IDS[i] for i, s in enumerate(SPECS) if _selected(s)])
def test_compiled_call_matches_the_rule(i, tmp_path):
    spec = SPECS[i]
    rng = np.random.default_rng(i)
    rule = rules.lookup(spec.fn)
    args, kwargs = spec.make(rng), spec.make_kwargs(rng)
    diff = [k for k in rule.diff_argnums() if k < len(args) and _is_diff(args[k])]
    with np.errstate(all="ignore"):
        ans = spec.fn(*args, **kwargs)
    pick = _float_output(rule, ans)
    if pick == -1:
        pytest.skip("no floating output")
    u = _like_output(ans if pick is None else ans[pick], rng)
    U = np.asarray(u)
    f = _module(tmp_path, i, spec, args, kwargs, diff, pick)
    f.__globals__["U"] = U
    got = adc.grad(f, wrt=tuple(range(len(diff))))(*[args[k] for k in diff])
    if pick is not None:
        g = tuple(u if j == pick else None for j in range(len(ans)))
    else:
        g = u
    for j, k in enumerate(diff):
        want = rule.vjp(k)(g, ans, *args, **kwargs)
        have = got[j]
        if isinstance(args[k], list):
            for h, w in zip(have, want):
                np.testing.assert_allclose(h, w, rtol=1e-10, atol=1e-12)
        else:
            np.testing.assert_allclose(have, want, rtol=1e-10, atol=1e-12,
                                       err_msg=f"argument {k}")
