"""Rule calls at edge points: zeros, ties, equal entries, bounds, repeated indices.

Example::

    prog = edge_program(seed=4)          # e.g. def f(v): return np.sum(W * np.sort(v))
    prog.edge.inputs                     # [array([0.3, 0.3, -0.2])]: a tie
    prog.edge.expect                     # the gradient the documented policy gives

Where finite differences are ill-defined (a kink, a tie) the gradient must be
finite and equal the policy of docs/RULES.md: ties split the cotangent evenly,
``abs``/``sign`` give 0 at 0, norms and ``std`` of constant data give 0, a
zero cotangent is a strong zero, ``sort`` permutes back by a stable argsort.
``None`` in ``expect`` means only "finite"; ``inf`` entries are documented
infinities (``sqrt`` at 0).  The oracle also checks each program at smooth
random points against finite differences, so every entry is a rule test too.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

W = np.array([0.3, -1.1, 0.7])
PRELUDE = ["W = np.array([0.3, -1.1, 0.7])"]
INF = np.inf


@dataclass
class Edge:
    name: str
    inputs: list
    expect: list            # one expected gradient per parameter (None: finite only)


def A(*xs):
    return np.array(xs, dtype=float)


# name, params (name, kind), body lines, return expression, edge inputs, expected gradients
TABLE = [
    ("abs_at_0", [("x", "s")], [], "2.0 * abs(x) + x", [0.0], [1.0]),
    ("np_abs_at_0", [("v", "v")], [], "np.sum(W * np.abs(v))", [A(0, 1, -1)], [A(0, -1.1, -0.7)]),
    ("fabs_at_0", [("v", "v")], [], "np.sum(W * np.fabs(v))", [A(0, 1, -1)], [A(0, -1.1, -0.7)]),
    ("max_ties", [("v", "v")], [], "np.max(v) * 2.0", [A(1, 1, 0)], [A(1, 1, 0)]),
    ("min_ties", [("v", "v")], [], "np.min(v)", [A(-1, 0.5, -1)], [A(0.5, 0, 0.5)]),
    ("amax_axis_ties", [("m", "m")], [], "np.sum(np.max(m, axis=0))",
     [np.array([[1.0, 0.2, 0.0], [1.0, 0.1, 0.0], [0.5, 0.3, 0.0]])],
     [np.array([[0.5, 0, 1 / 3], [0.5, 0, 1 / 3], [0, 1, 1 / 3]])]),
    ("method_max_ties", [("v", "v")], [], "v.max() + v.min()", [A(2, 2, 2)], [A(2, 2, 2) / 3]),
    ("builtin_max_tie", [("x", "s"), ("y", "s")], [], "max(x, y) * 3.0", [0.4, 0.4], [1.5, 1.5]),
    ("builtin_min_tie_const", [("x", "s")], [], "min(x, 0.3)", [0.3], [0.5]),
    ("builtin_max_seq_tie", [("x", "s"), ("y", "s")], [], "max([x, y, 0.1])", [0.5, 0.5],
     [0.5, 0.5]),
    ("maximum_tie", [("v", "v"), ("u", "v")], [], "np.sum(W * np.maximum(v, u))",
     [A(0.2, -0.3, 0.5), A(0.2, -0.3, 0.5)], [W / 2, W / 2]),
    ("maximum_same_arg", [("v", "v")], [], "np.sum(W * np.maximum(v, v))", [A(0.2, -0.3, 0.5)],
     [W]),
    ("minimum_tie", [("v", "v"), ("u", "v")], [], "np.sum(W * np.minimum(v, u))",
     [A(0.2, 1.0, 0.5), A(0.2, -0.3, 0.5)], [A(0.15, 0, 0.35), A(0.15, -1.1, 0.35)]),
    ("relu_at_0", [("v", "v")], [], "np.sum(np.maximum(v, 0.0))", [A(0, 1, -1)], [A(0.5, 1, 0)]),
    ("fmax_tie", [("v", "v")], [], "np.sum(np.fmax(v, 0.25))", [A(0.25, 1, -1)], [A(0.5, 1, 0)]),
    ("clip_bounds", [("v", "v")], [], "np.sum(W * np.clip(v, -0.5, 0.5))", [A(0.5, -0.5, 0.0)],
     [W * A(0.5, 0.5, 1)]),
    ("sort_ties", [("v", "v")], [], "np.sum(W * np.sort(v))", [A(0.3, 0.3, -0.2)],
     [A(-1.1, 0.7, 0.3)]),
    ("ptp_ties", [("v", "v")], [], "np.ptp(v)", [A(1, 1, 0)], [A(0.5, 0.5, -1)]),
    ("norm_inf_ties", [("v", "v")], [], "np.linalg.norm(v, np.inf)", [A(1, -1, 0.5)],
     [A(0.5, -0.5, 0)]),
    ("std_equal", [("v", "v")], [], "np.std(v) * 2.0", [A(0.4, 0.4, 0.4)], [A(0, 0, 0)]),
    ("std_ddof_equal", [("v", "v")], [], "np.std(v, ddof=1)", [A(-1, -1, -1)], [A(0, 0, 0)]),
    ("var_equal", [("v", "v")], [], "np.var(v) + np.mean(v)", [A(2, 2, 2)], [A(1, 1, 1) / 3]),
    ("pow0_scalar_at_0", [("x", "s")], [], "x ** 0 + x", [0.0], [1.0]),
    ("pow0_float_at_0", [("x", "s")], [], "x ** 0.0 * 2.0 + x", [0.0], [1.0]),
    ("pow0_array_at_0", [("v", "v")], [], "np.sum(W * v ** 0) + np.sum(v)", [A(0, 0, 0)],
     [A(1, 1, 1)]),
    ("power0_array_at_0", [("v", "v")], [], "np.sum(np.power(v, 0.0)) + np.sum(v)", [A(0, 1, 0)],
     [A(1, 1, 1)]),
    ("pow2_at_0", [("v", "v")], [], "np.sum(v ** 2)", [A(0, 0, 1)], [A(0, 0, 2)]),
    ("pow_exponent_at_0", [("x", "s"), ("y", "s")], [], "x ** y", [0.0, 2.0], [0.0, 0.0]),
    ("norm_at_0", [("v", "v")], [], "np.linalg.norm(v)", [A(0, 0, 0)], [A(0, 0, 0)]),
    ("fro_norm_at_0", [("m", "m")], [], "np.linalg.norm(m)", [np.zeros((3, 3))],
     [np.zeros((3, 3))]),
    ("hypot_at_0", [("x", "s"), ("y", "s")], [], "np.hypot(x, y)", [0.0, 0.0], [0.0, 0.0]),
    ("arctan2_at_0", [("x", "s"), ("y", "s")], [], "np.arctan2(x, y)", [0.0, 0.0], [0.0, 0.0]),
    ("where_sqrt_at_0", [("v", "v")], [], "np.sum(np.where(v > 0, np.sqrt(v), 0.0))",
     [A(0, 1, -1)], [A(0, 0.5, 0)]),
    ("where_reciprocal_at_0", [("v", "v")], [], "np.sum(np.where(v != 0, 1.0 / v, 0.0))",
     [A(0, 2, -1)], [A(0, -0.25, -1)]),
    ("where_select_at_0", [("v", "v")], [], "np.sum(np.where(v > 0, v, 0.0))", [A(0, 1, -1)],
     [A(0, 1, 0)]),
    ("sqrt_at_0", [("v", "p")], [], "np.sum(np.sqrt(v))", [A(0, 1, 4)], [A(INF, 0.5, 0.25)]),
    ("prod_one_zero", [("v", "v")], [], "np.prod(v)", [A(0, 2, 3)], [A(6, 0, 0)]),
    ("prod_two_zeros", [("v", "v")], [], "np.prod(v)", [A(0, 0, 3)], [A(0, 0, 0)]),
    ("cumprod_zero", [("v", "v")], [], "np.sum(np.cumprod(v))", [A(2, 0, 3)], [A(1, 8, 0)]),
    ("sign_at_0", [("v", "v")], [], "np.sum(np.sign(v) * v)", [A(0, 1, -1)], [A(0, 1, -1)]),
    ("floor_round", [("v", "v")], [], "np.sum(np.floor(v) + np.round(v) + v)", [A(0.5, 1, -1)],
     [A(1, 1, 1)]),
    ("sinc_at_0", [("x", "s")], [], "np.sinc(x)", [0.0], [0.0]),
    ("mod_scalar", [("x", "s")], [], "(x + 3.0) % 0.7", [0.3], [1.0]),
    ("np_mod", [("v", "v"), ("c", "c")], [], "np.sum(np.mod(v, c))", [A(0.3, 1.1, -0.4), 0.5],
     [A(1, 1, 1), -1.0]),
    ("fmod", [("v", "v")], [], "np.sum(np.fmod(v, 0.5))", [A(0.3, 1.1, -0.7)], [A(1, 1, 1)]),
    ("copysign_neg", [("x", "s")], [], "math.copysign(x, -1.0)", [0.5], [-1.0]),
    ("copysign_neg_of_neg", [("x", "s")], [], "math.copysign(x, -1.0) * 2.0", [-0.5], [2.0]),
    ("np_copysign", [("v", "v")], [], "np.sum(np.copysign(v, -1.0))", [A(0.5, -0.2, 1)],
     [A(-1, 1, -1)]),
    ("full_of_scalar", [("x", "s")], [], "np.sum(W * np.full(3, x))", [0.5], [-0.1]),
    ("full_like_item", [("v", "v")], [], "np.sum(np.full_like(v, v[0]) * W)", [A(1, 2, 3)],
     [A(-0.1, 0, 0)]),
    ("linspace_ends", [("x", "s"), ("y", "s")], [], "np.sum(W * np.linspace(x, y, 3))",
     [0.1, 0.9], [0.3 - 0.55, -0.55 + 0.7]),
    ("logspace_ends", [("x", "s")], [], "np.sum(np.logspace(x, 1.0, 3))", [0.0], [None]),
    ("geomspace_ends", [("x", "p")], [], "np.sum(np.geomspace(x, 2.0, 3))", [1.0], [None]),
    ("tolist_sum", [("v", "v")], [], "sum(v.tolist()) * 2.0", [A(1, 2, 3)], [A(2, 2, 2)]),
    ("nextafter", [("x", "s")], [], "np.nextafter(x, 2.0) * 3.0", [0.5], [3.0]),
    ("fancy_set_repeat", [("v", "v")], ["out = np.zeros(3)", "out[[1, 1, 2]] = v"],
     "np.sum(W * out)", [A(1, 2, 3)], [A(0, -1.1, 0.7)]),
    ("fancy_add_repeat", [("v", "v")], ["out = np.zeros(3)", "out[[1, 1, 2]] += v"],
     "np.sum(W * out)", [A(1, 2, 3)], [A(0, -1.1, 0.7)]),
    ("fancy_read_repeat", [("v", "v")], [], "np.sum(v[[0, 0, 2]] * W)", [A(1, 2, 3)],
     [A(-0.8, 0, 0.7)]),
    ("fancy_set_scalar_repeat", [("x", "s")], ["out = np.ones(3)", "out[[0, 0]] = x"],
     "np.sum(W * out)", [2.0], [0.3]),
    ("mask_set", [("v", "v")], ["out = v * 1.0", "out[v > 0] = 0.0"], "np.sum(W * out)",
     [A(0, 1, -1)], [A(0.3, 0, 0.7)]),
    ("cbrt_at_0", [("v", "p")], [], "np.sum(np.cbrt(v))", [A(0, 1, 8)], [A(INF, 1 / 3, 1 / 12)]),
    ("log_guarded", [("v", "v")], [], "np.sum(np.log(np.where(v > 0, v, 1.0)))", [A(0, 2, -1)],
     [A(0, 0.5, 0)]),
    ("abs_in_loop_at_0", [("v", "v")], ["s = 0.0", "for e in v:", "    s = s + abs(e)"], "s",
     [A(0, 1, -2)], [A(0, 1, -1)]),
    ("max_loop_ties", [("v", "v")], ["s = v[0]", "for e in v:", "    s = max(s, e)"], "s",
     [A(1, 1, 0)], [None]),
    ("pow0_in_loop", [("x", "s")], ["s = 0.0", "for i in range(2):", "    s = s + x ** i"], "s",
     [0.0], [1.0]),
]


def edge_program(seed):
    """A Program of the rules family: one TABLE entry, with its edge point."""
    from .grammar import Program
    name, params, body, ret, inputs, expect = TABLE[seed % len(TABLE)]
    rng = random.Random(seed)
    if rng.random() < 0.3:              # sometimes behind a helper or a branch: d/d = 2 *
        ret = rng.choice([f"(2.0 * ({ret}) if W[0] > 0 else 0.0)", f"wrap({ret})"])
        expect = [None if e is None else np.multiply(e, 2.0) for e in expect]
    prelude = PRELUDE + ["", "def wrap(u):", "    return u * 2.0"]
    return Program(seed=seed, family="rules", params=list(params), body=_nodes(body),
                   ret=[ret], prelude=prelude, np_only=True, features={"rule:" + name},
                   edge=Edge(name, list(inputs), list(expect)))


def _nodes(lines):
    """Two-level line lists (a header and its indented body) as Nodes."""
    from .grammar import Node
    out = []
    for ln in lines:
        if ln.startswith("    "):
            out[-1].body = (out[-1].body or []) + [Node(ln.strip())]
        else:
            out.append(Node(ln, [] if ln.endswith(":") else None))
    return out
