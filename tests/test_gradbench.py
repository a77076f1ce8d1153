"""Our GradBench tool (benchmarks/gradbench/): gradients, values and the protocol.

Every eval's ad_compiler gradient (or Jacobian) at a tiny size against
central finite differences (tests/compiler/fd.py, independent of
ad_compiler), the primal values against independent formulas where one
exists (np.linalg.det, scipy's Wishart density, an ODE solver), and tool.py
against a scripted protocol session, in process and as a subprocess the way
a harness runs it.  No PyTorch or JAX needed.
"""
import io
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import ad_compiler as adc
from compiler.fd import numerical_grad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GB = os.path.join(ROOT, "benchmarks", "gradbench")
sys.path.insert(0, GB)

import dispatch  # noqa: E402
import evals_arrays as A  # noqa: E402
import evals_geometry as G  # noqa: E402
import evals_models as M  # noqa: E402
import evals_nested as N  # noqa: E402
import inputs as I  # noqa: E402
import tool  # noqa: E402

RTOL = 1e-6


def close(got, expected, rtol=RTOL, atol=1e-8):
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def fd_jacobian(f, x, eps=1e-6):
    """Dense Jacobian of a flat-vector function by central differences."""
    x = np.asarray(x, float)
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        cols.append((np.ravel(f(x + e.reshape(x.shape))) - np.ravel(f(x - e.reshape(x.shape)))) / (2 * eps))
    return np.stack(cols, axis=1)


# --- scalar-output evals: gradient against finite differences -----------------
def test_lse_gradient_is_softmax_and_matches_fd():
    (x,) = dispatch.arrays("lse", I.make_lse(7))
    g = A.GRADIENTS["lse"]("python")(x)
    close(g, np.exp(x) / np.sum(np.exp(x)))
    close(g, numerical_grad(A.lse, [x], 0))
    assert A.lse(x) == pytest.approx(math.log(np.sum(np.exp(x))))


def test_llsq_gradient_matches_fd():
    args = dispatch.arrays("llsq", I.make_llsq(30, 6))
    close(A.GRADIENTS["llsq"]("python")(*args), numerical_grad(A.llsq, list(args), 0), rtol=1e-5)


def test_det_value_and_gradient():
    args = dispatch.arrays("det", I.make_det(5))
    Am = args[0]
    assert A.det(*args) == pytest.approx(np.linalg.det(Am), rel=1e-10)
    g = A.GRADIENTS["det"]("python")(*args)
    close(g, np.linalg.det(Am) * np.linalg.inv(Am).T, rtol=1e-8)
    close(g, numerical_grad(A.det, list(args), 0))


def test_ode_value_and_gradient():
    x, s = dispatch.arrays("ode", I.make_ode(6, 80))   # RK4 error ~ (2/80)**4
    y = A.ode(x, s)
    # the exact solution is polynomial: y_0 = x_0 t, y_i = c_i int y_{i-1}
    c = np.cumsum(x) - x[0]
    exact = [x[0] * A.ODE_TF]
    coeff, power = x[0], 1
    for i in range(1, 6):
        coeff, power = coeff * c[i] / (power + 1), power + 1
        exact.append(coeff * A.ODE_TF ** power)
    close(y, exact, rtol=1e-6)
    close(A.GRADIENTS["ode"]("python")(x, s), numerical_grad(A.ode_last, [x, s], 0), rtol=1e-5)


def naive_gmm(alpha, mu, q, l, x, gamma, m):
    """The log posterior term by term, with scipy's Gaussian and Wishart densities."""
    from scipy.stats import multivariate_normal, wishart
    k, d = mu.shape
    phi = np.exp(alpha) / np.sum(np.exp(alpha))
    precisions = []
    for j in range(k):
        Q = np.diag(np.exp(q[j]))
        pos = 0
        for col in range(d):
            for row in range(col + 1, d):
                Q[row, col] = l[j, pos]
                pos += 1
        precisions.append(Q.T @ Q)
    like = sum(math.log(sum(phi[j] * multivariate_normal(mu[j], np.linalg.inv(precisions[j])).pdf(xi)
                            for j in range(k))) for xi in x)
    prior = sum(wishart(df=d + m + 1, scale=np.eye(d) / gamma ** 2).logpdf(P) for P in precisions)
    return like + prior


def test_gmm_value_against_densities_and_gradient_against_fd():
    args = dispatch.arrays("gmm", I.make_gmm(3, 4, 9, m=2, gamma=1.3))
    alpha, mu, q, l, x, tri, gamma, m, const = args
    assert M.gmm_objective(*args) == pytest.approx(naive_gmm(alpha, mu, q, l, x, gamma, m), rel=1e-10)
    grads = M.GRADIENTS["gmm"]("python")(*args)
    for i, gi in enumerate(grads):
        close(gi, numerical_grad(M.gmm_objective, list(args), i), rtol=1e-5, atol=1e-6)


def test_gmm_icf_layout_gives_the_same_flat_gradient():
    inp = I.make_gmm(3, 2, 5)
    d = inp["d"]
    icf = np.concatenate((np.array(inp["q"]), np.array(inp["l"])), axis=1)
    old = {k: v for k, v in inp.items() if k not in ("q", "l", "mu")}
    old.update(icf=icf.tolist(), means=inp["mu"])
    flat = dispatch.prepare("gmm", "jacobian", old)()
    new = dispatch.prepare("gmm", "jacobian", inp)()
    expected = np.concatenate((new["alpha"], np.ravel(new["mu"]),
                               np.ravel(np.concatenate((new["q"], new["l"]), axis=1))))
    close(flat, expected, rtol=1e-12)
    assert flat.shape == (2 + 2 * d + 2 * (d + d * (d - 1) // 2),)


def test_kmeans_cost_gradient_is_twice_the_cluster_offsets():
    C, P = dispatch.arrays("kmeans", I.make_kmeans(3, 12, 2))
    C = C + 0.01                           # off the data points, so min is differentiable
    g = M.GRADIENTS["kmeans"]("python")(C, P)
    nearest = np.argmin(np.sum((P[:, None] - C[None]) ** 2, axis=2), axis=1)
    expected = np.stack([2 * np.sum(C[j] - P[nearest == j], axis=0) for j in range(3)])
    close(g, expected, rtol=1e-10)
    close(g, numerical_grad(M.kmeans_cost, [C, P], 0), rtol=1e-5)


def test_lstm_lowers_to_numba_and_agrees():
    """The time loop holds a loop over layers that fills two empty lists: its
    values share one nest tape, and Numba must still type the lists (a
    regression: the nest's trip count as a helper call left them untyped)."""
    args = dispatch.arrays("lstm", I.make_lstm(2, 4, b=3))
    want = M.GRADIENTS["lstm"]("python")(*args)
    got = M.GRADIENTS["lstm"]("numba")(*args)
    for a, b in zip(got, want):
        close(a, b, rtol=1e-12, atol=1e-15)


def test_lstm_gradient_matches_fd():
    args = dispatch.arrays("lstm", I.make_lstm(2, 4, b=3))
    g_main, g_extra = M.GRADIENTS["lstm"]("python")(*args)
    close(g_main, numerical_grad(M.lstm_objective, list(args), 0), rtol=1e-5, atol=1e-8)
    close(g_extra, numerical_grad(M.lstm_objective, list(args), 1), rtol=1e-5, atol=1e-8)
    out = dispatch.prepare("lstm", "jacobian", I.make_lstm(2, 4, b=3))()
    close(out, np.concatenate((np.ravel(g_main), np.ravel(g_extra))), rtol=1e-12)


# --- Jacobian evals ---------------------------------------------------------------
def test_ba_sparse_jacobian_matches_fd_of_all_residuals():
    cams, X, w, feats, obs = I.ba_arrays(I.make_ba(3, 4, 7))
    rng = np.random.default_rng(5)
    cams = cams + rng.normal(scale=0.01, size=cams.shape)
    X = X + rng.normal(scale=0.01, size=X.shape)
    w = w + rng.normal(scale=0.01, size=w.shape)
    n, m, p = 3, 4, 7
    J = G.ba_jacobian(cams, X, w, feats, obs)
    assert len(J["rows"]) == 3 * p + 1 and J["rows"][-1] == len(J["cols"]) == len(J["vals"]) == 31 * p
    dense = np.zeros((3 * p, 11 * n + 3 * m + p))
    for r in range(3 * p):
        for at in range(J["rows"][r], J["rows"][r + 1]):
            dense[r, J["cols"][at]] += J["vals"][at]

    def residuals(theta):
        c = theta[:11 * n].reshape(n, 11)
        x = theta[11 * n:11 * n + 3 * m].reshape(m, 3)
        ww = theta[11 * n + 3 * m:]
        reproj, werr = G.ba_objective(c, x, ww, feats, obs)
        return np.concatenate((np.ravel(reproj), werr))
    theta = np.concatenate((cams.ravel(), X.ravel(), w))
    close(dense, fd_jacobian(residuals, theta), rtol=1e-5, atol=1e-5)


def test_ba_rejects_a_zero_rotation():
    inp = I.make_ba(2, 2, 3)
    inp["cam"][0:3] = [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="zero rotation"):
        I.ba_arrays(inp)


@pytest.mark.parametrize("complicated", [False, True])
def test_ht_jacobian_matches_fd(complicated):
    theta, us, model, points, corr, tri = I.ht_arrays(I.make_ht(4, complicated, n_vertices=30))
    J = G.ht_jacobian(theta, us, model, points, corr, tri)
    j_theta = fd_jacobian(lambda t: G.ht_residuals(t, us, model, points, corr, tri), theta)
    if not complicated:
        assert J.shape == (12, 26)
        close(J, j_theta, rtol=1e-5, atol=1e-6)
        return
    assert J.shape == (12, 28)
    close(J[:, 2:], j_theta, rtol=1e-5, atol=1e-6)
    j_us = fd_jacobian(lambda u: G.ht_residuals(theta, u, model, points, corr, tri), us)
    rows = np.arange(12)
    close(J[:, 0], j_us[rows, 2 * (rows // 3)], rtol=1e-5, atol=1e-6)
    close(J[:, 1], j_us[rows, 2 * (rows // 3) + 1], rtol=1e-5, atol=1e-6)
    # each row depends on its own point's (u, v) only
    j_us[rows, 2 * (rows // 3)] = 0.0
    j_us[rows, 2 * (rows // 3) + 1] = 0.0
    assert np.max(np.abs(j_us)) < 1e-9


# --- nested evals: a derivative inside a differentiated function (callee_rules.py) ----
def test_particle_inner_gradient_and_primal():
    dpot = adc.grad(N.potential, wrt=(0, 1))
    for args in ((1.0, 2.0, 0.5), (3.0, 7.0, -0.2)):
        got = dpot(*args)
        for i in range(2):
            close(got[i], numerical_grad(N.potential, list(args), i), rtol=1e-6)
    euler = N.make_naive_euler("r")
    assert euler(0.0) > 0.0 and math.isfinite(euler(0.3))


@pytest.mark.parametrize("variant", ["rr", "rf", "fr", "ff"])
def test_particle_outer_derivative_through_the_inner_one(variant):
    assert N.nested_support("particle", variant) is None
    euler = N.make_naive_euler(variant[1])
    d = N.derivative(euler, (0,), variant[0])(0.1)
    close(np.ravel(d)[0], (euler(0.1 + 1e-6) - euler(0.1 - 1e-6)) / 2e-6, rtol=1e-4)


def test_particle_argmin_agrees_in_every_mode():
    ws = [N.particle(0.0, v) for v in ("rr", "rf", "fr", "ff")]
    close(ws, [ws[0]] * 4, rtol=1e-10)
    euler = N.make_naive_euler("r")        # a minimum: the objective rises on both sides
    assert euler(ws[0]) < euler(ws[0] - 1e-3) and euler(ws[0]) < euler(ws[0] + 1e-3)


@pytest.mark.parametrize("variant", ["rr", "rf", "fr", "ff"])
def test_saddle_outer_derivative_through_the_inner_one(variant):
    max_over_y, _ = N.make_saddle_max(variant[1])
    got = N.derivative(max_over_y, (0, 1), variant[0])(1.0, 0.5, 1.0, 1.0)
    for i in range(2):
        close(got[i], numerical_grad(max_over_y, [1.0, 0.5, 1.0, 1.0], i), rtol=1e-5)


def test_saddle_inner_gradient_and_argmax():
    max_over_y, dfy = N.make_saddle_max("r")
    close(dfy(1.0, 2.0, 0.5, -1.5), (-1.0, 3.0))
    assert max_over_y(1.0, 2.0, 1.0, 1.0) == pytest.approx(5.0, abs=1e-8)   # the max is at y = 0


def test_kmeans_dir_is_the_gradient_over_the_hessian_diagonal():
    assert N.nested_support("kmeans") is None
    C, P = np.array([[0.1, 0.0], [1.0, 1.1]]), np.array([[0.0, 0.0], [0.2, 0.1], [1.0, 1.0]])
    counts = np.array([[2.0], [1.0]])
    J = M.GRADIENTS["kmeans"]("python")(C, P)
    close(N.kmeans_dir(C, P), J / (2 * counts))


# --- the protocol -----------------------------------------------------------------
def session(messages, backend="python"):
    out = io.StringIO()
    tool.serve((json.dumps(m) + "\n" for m in messages), out, backend)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_protocol_session():
    x = [0.5, -1.0, 2.0]
    replies = session([
        {"id": 0, "kind": "start", "eval": "lse"},
        {"id": 1, "kind": "define", "module": "lse"},
        {"id": 2, "kind": "evaluate", "module": "lse", "function": "gradient",
         "input": {"x": x, "min_runs": 3, "min_seconds": 0}},
        {"id": 3, "kind": "evaluate", "module": "lse", "function": "primal",
         "input": {"x": x, "min_runs": 1, "min_seconds": 0}},
        {"id": 4, "kind": "analysis", "of": 2, "valid": True},
        {"id": 5, "kind": "define", "module": "no_such_eval"},
        {"id": 6, "kind": "evaluate", "module": "lse", "function": "hessian", "input": {"x": x}},
        {"id": 7, "kind": "evaluate", "module": "det", "function": "gradient",
         "input": {"A": [2.0, 1.0, 0.0, 3.0], "ell": 2, "runs": 2}},
    ])
    assert [r["id"] for r in replies] == list(range(8))
    assert replies[0]["tool"] == "ad_compiler"
    assert replies[1] == {"id": 1, "success": True}
    r = replies[2]
    assert r["success"] is True
    close(r["output"], np.exp(x) / np.sum(np.exp(x)), rtol=1e-12)
    evaluate = [t for t in r["timings"] if t["name"] == "evaluate"]
    assert len(evaluate) == 3 and all(isinstance(t["nanoseconds"], int) and t["nanoseconds"] > 0
                                      for t in evaluate)
    assert replies[3]["output"] == pytest.approx(math.log(np.sum(np.exp(x))))
    assert replies[4] == {"id": 4}
    assert replies[5]["success"] is False and "no_such_eval" in replies[5]["error"]
    assert replies[6]["success"] is False and "hessian" in replies[6]["error"]
    assert replies[7]["output"] == pytest.approx([3.0, 0.0, -1.0, 2.0])      # det * inv(A).T
    assert len([t for t in replies[7]["timings"] if t["name"] == "evaluate"]) == 2


def test_protocol_reports_what_cannot_run_and_answers_jacobians():
    ht = I.make_ht(3, False, n_vertices=20)
    replies = session([
        {"id": 0, "kind": "evaluate", "module": "kmeans", "function": "dir",
         "input": {"points": [[0.0, 0.0], [0.2, 0.1], [1.0, 1.0]], "centroids": [[0.1, 0.0], [1.0, 1.1]]}},
        {"id": 1, "kind": "evaluate", "module": "ht", "function": "jacobian", "input": ht},
        {"id": 2, "kind": "evaluate", "module": "ba", "function": "objective", "input": I.make_ba(2, 3, 4)},
    ])
    close(replies[0]["output"], [[0.0, -0.05], [0.0, 0.1]])   # J/H: J[0, 0] = 2(0.1-0) + 2(0.1-0.2) = 0
    J = np.array(replies[1]["output"])
    assert J.shape == (9, 26)
    close(J, G.ht_jacobian(*I.ht_arrays(ht)), rtol=1e-12)
    reproj, werr = replies[2]["output"]
    assert np.array(reproj).shape == (4, 2) and len(werr) == 4


def test_tool_runs_as_a_harness_would():
    lines = "\n".join(json.dumps(m) for m in [
        {"id": 0, "kind": "start"}, {"id": 1, "kind": "define", "module": "llsq"},
        {"id": 2, "kind": "evaluate", "module": "llsq", "function": "gradient",
         "input": {"x": [0.1, 0.2, 0.3], "n": 5, "min_runs": 1, "min_seconds": 0}}]) + "\n"
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, os.path.join(GB, "tool.py")], input=lines, text=True,
                          capture_output=True, env=env, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    replies = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in replies] == [0, 1, 2]
    s, T = A.llsq_basis(5, 3)
    x = np.array([0.1, 0.2, 0.3])
    close(replies[2]["output"], -T.T @ (s - T @ x), rtol=1e-12)


def test_ht_without_a_pose_layout_is_refused_clearly():
    inp = I.make_ht(2, False, n_vertices=10)
    del inp["data"]["model"]["pose_index"]
    (reply,) = session([{"id": 0, "kind": "evaluate", "module": "ht", "function": "objective", "input": inp}])
    assert reply["success"] is False and "pose_index" in reply["error"]
