"""Forward mode on the fuzzer's random programs (tests/fuzz/grammar.py):
wherever reverse mode compiles a program (and the differential fuzzer
checks it against finite differences), jvp along a random direction must
give Python's value and the dot product of the reverse gradient with that
direction: <J v, 1> = <v, J^T 1>."""
import copy
import warnings

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.errors import ADError

from . import grammar, oracle

PER_FAMILY = 16


def _like(x, rng):
    if isinstance(x, dict):
        return {k: _like(v, rng) for k, v in x.items()}
    if isinstance(x, tuple):
        items = [_like(v, rng) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    if isinstance(x, list):
        return [_like(v, rng) for v in x]
    if isinstance(x, np.ndarray):
        return rng.normal(size=x.shape).astype(x.dtype)
    return float(rng.normal())


def _inner(g, v):
    if isinstance(g, dict):
        return sum(_inner(g[k], v[k]) for k in g)
    if isinstance(g, (tuple, list)):
        return sum(_inner(a, b) for a, b in zip(g, v))
    return float(np.sum(np.asarray(g, dtype=np.float64) * np.asarray(v, dtype=np.float64)))


@pytest.mark.parametrize("family", [f for f in grammar.FAMILIES if f != "rules"])
def test_jvp_agrees_with_reverse_mode_on_random_programs(family):
    rng = np.random.default_rng(grammar.FAMILIES.index(family))
    checked, problems = 0, []
    for seed in range(PER_FAMILY):
        prog = grammar.generate(seed, family)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                mod = oracle.load(prog)
            except Exception:                   # noqa: BLE001 - the grammar made bad code
                continue
            f = mod.f
            inputs = prog.inputs()
            wrt = tuple(range(len(prog.params)))
            try:
                value, grads = adc.value_and_grad(f, wrt=wrt)(*copy.deepcopy(inputs))
                want = float(f(*copy.deepcopy(inputs)))
            except Exception:                   # noqa: BLE001 - refused or raises: not comparable
                continue
            if not np.isfinite(want) or not all(np.all(np.isfinite(np.asarray(x, dtype=float)))
                                                for x in _leaves(grads)):
                continue
            ts = tuple(_like(x, rng) for x in inputs)
            try:
                y, t = adc.jvp(f, tuple(copy.deepcopy(inputs)), ts)
            except ADError as e:
                problems.append(f"{prog.source()}\njvp refuses what grad compiles: {e}")
                continue
            except Exception as e:              # noqa: BLE001
                problems.append(f"{prog.source()}\njvp crashes: {type(e).__name__}: {e}")
                continue
            dot = sum(_inner(g, v) for g, v in zip(grads, ts))
            if not oracle.same(y, want, rtol=1e-7, atol=1e-9):
                problems.append(f"{prog.source()}\nvalue: jvp {y!r}, Python {want!r}")
            elif not abs(float(t) - dot) <= 1e-7 * (1.0 + abs(dot)):
                problems.append(f"{prog.source()}\ntangent {float(t)!r}, <grad, v> = {dot!r}")
            checked += 1
    assert not problems, "\n\n".join(problems[:3])
    assert checked >= PER_FAMILY // 2, f"only {checked} programs compared"


def _leaves(x):
    if isinstance(x, dict):
        return [leaf for v in x.values() for leaf in _leaves(v)]
    if isinstance(x, (tuple, list)):
        return [leaf for v in x for leaf in _leaves(v)]
    return [x]
