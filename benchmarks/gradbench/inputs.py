"""Deterministic inputs of GradBench's shapes, in the form its evals send.

Each ``make_<eval>(...)`` returns the JSON-able ``input`` dict of an
``evaluate`` message (without ``min_runs``/``min_seconds``), generated as the
eval specifications describe: uniform [0, 1) vectors for lse/llsq/ode/det,
GMM parameters from normals, k-means centroids taken from the points (so
every cluster is nonempty), ADBench-style BA with one camera/point/weight/
feature replicated, LSTM parameters and sequences from normals.  The HT hand
model is synthetic (ADBench's model files are not available here): a wrist
and five four-bone fingers, vertices skinned to their two nearest bones.

    inp = make_lse(1000)        # {"x": [...1000 floats...]}
"""
from __future__ import annotations

import numpy as np

SEED = 31337


def make_lse(n):
    return {"x": np.random.default_rng(SEED).random(n).tolist()}


def make_llsq(n, m):
    return {"x": np.random.default_rng(SEED).random(m).tolist(), "n": n}


def make_ode(n, s):
    return {"x": np.random.default_rng(SEED).random(n).tolist(), "s": s}


def make_det(ell):
    return {"A": np.random.default_rng(SEED).random(ell * ell).tolist(), "ell": ell}


def make_gmm(d, k, n, m=0, gamma=1.0):
    rng = np.random.default_rng(SEED)
    return {"d": d, "k": k, "n": n, "m": m, "gamma": gamma,
            "x": rng.normal(size=(n, d)).tolist(),
            "mu": rng.uniform(size=(k, d)).tolist(),
            "q": rng.normal(size=(k, d)).tolist(),
            "l": rng.normal(size=(k, d * (d - 1) // 2)).tolist(),
            "alpha": rng.normal(size=k).tolist()}


def make_kmeans(k, n, d):
    points = np.random.default_rng(SEED).random((n, d))
    return {"points": points.tolist(), "centroids": points[-k:].tolist()}


def make_lstm(layers, c, b=14):
    rng = np.random.default_rng(SEED)
    return {"main_params": rng.normal(size=(2 * layers, 4 * b)).tolist(),
            "extra_params": rng.normal(size=(3, b)).tolist(),
            "state": rng.normal(size=(2 * layers, b)).tolist(),
            "sequence": rng.normal(size=(c, b)).tolist()}


def make_ba(n, m, p):
    rng = np.random.default_rng(SEED)
    cam = np.concatenate((rng.uniform(-0.3, 0.3, 3) + 0.1, rng.uniform(-1, 1, 3),
                          [rng.uniform(200, 400)], rng.uniform(-1, 1, 2), rng.uniform(-0.1, 0.1, 2)))
    x = np.concatenate((rng.uniform(-1, 1, 2), [rng.uniform(5, 10)]))
    return {"n": n, "m": m, "p": p, "cam": cam.tolist(), "x": x.tolist(),
            "w": float(rng.uniform(0.5, 1.5)), "feat": rng.uniform(-1, 1, 2).tolist()}


def ba_arrays(inp):
    """Replicate the one camera/point/weight/feature as the spec describes."""
    n, m, p = inp["n"], inp["m"], inp["p"]
    cams = np.tile(np.asarray(inp["cam"], float), (n, 1))
    X = np.tile(np.asarray(inp["x"], float), (m, 1))
    w = np.full(p, float(inp["w"]))
    feats = np.tile(np.asarray(inp["feat"], float), (p, 1))
    obs = np.stack((np.arange(p) % n, np.arange(p) % m), axis=1)
    if np.any(np.sum(cams[:, 0:3] ** 2, axis=1) == 0.0):
        raise ValueError("ba: a camera with a zero rotation vector is not supported "
                         "(the Rodrigues rotation divides by its norm)")
    return cams, X, w, feats, obs


# --- ht: a synthetic hand ----------------------------------------------------
FINGERS, PER_FINGER = 5, 4


def hand_model(n_vertices=544, seed=SEED):
    rng = np.random.default_rng(seed)
    bones = 1 + FINGERS * PER_FINGER
    parents = np.zeros(bones, dtype=np.intp)
    base_rel = np.tile(np.eye(4), (bones, 1, 1))
    for f in range(FINGERS):
        for j in range(PER_FINGER):
            b = 1 + f * PER_FINGER + j
            parents[b] = 0 if j == 0 else b - 1
            base_rel[b, 0:3, 3] = ([f - 2.0, 1.0, 0.0] if j == 0 else [0.0, 1.0, 0.0])
            tilt = 0.1 * (f - 2)
            base_rel[b, 0:2, 0:2] = [[np.cos(tilt), -np.sin(tilt)], [np.sin(tilt), np.cos(tilt)]] \
                if j == 0 else np.eye(2)
    absolute = [base_rel[0]]
    for b in range(1, bones):
        absolute.append(absolute[parents[b]] @ base_rel[b])
    inv_base_abs = np.linalg.inv(np.stack(absolute))
    centres = np.stack([a[0:3, 3] for a in absolute])
    owner = rng.integers(0, bones, n_vertices)
    pos = centres[owner] + rng.normal(scale=0.3, size=(n_vertices, 3))
    weights = np.zeros((bones, n_vertices))
    dist = np.linalg.norm(pos[None, :, :] - centres[:, None, :], axis=2)
    near = np.argsort(dist, axis=0)[:2]
    for v in range(n_vertices):
        a, b = near[:, v]
        weights[a, v], weights[b, v] = 0.7, 0.3
    # theta[6:] -> per-bone Euler angles: two for each finger's first joint
    # (flexion, abduction), one for the next two; 1-based into [0, theta[6:]...]
    pose_index = np.zeros((bones, 3), dtype=np.intp)
    t = 1
    for f in range(FINGERS):
        for j in range(1, PER_FINGER):
            b = 1 + f * PER_FINGER + j
            pose_index[b, 0] = t
            t += 1
            if j == 1:
                pose_index[b, 2] = t
                t += 1
    triangles = rng.integers(0, n_vertices, (2 * n_vertices, 3))
    return {"base_relatives": base_rel, "inverse_base_absolutes": inv_base_abs,
            "base_positions": np.concatenate((pos.T, np.ones((1, n_vertices)))),
            "weights": weights, "parents": parents, "pose_index": pose_index,
            "is_mirrored": False, "triangles": triangles}


def ht_model_tuple(model):
    return (np.asarray(model["base_relatives"], float), np.asarray(model["inverse_base_absolutes"], float),
            np.asarray(model["base_positions"], float), np.asarray(model["weights"], float),
            [int(p) for p in model["parents"]], np.asarray(model["pose_index"], dtype=np.intp),
            -1.0 if model["is_mirrored"] else 1.0)


def make_ht(npts, complicated=False, n_vertices=544):
    import evals_geometry as G
    rng = np.random.default_rng(SEED + 1)
    model = hand_model(n_vertices)
    theta = np.concatenate((rng.uniform(-0.5, 0.5, 3) + 0.2, rng.uniform(-1, 1, 3), rng.uniform(-0.4, 0.4, 20)))
    mt = ht_model_tuple(model)
    verts = G.ht_vertices(rng.uniform(-0.3, 0.3, 26) + theta, mt)
    if complicated:
        corr = rng.integers(0, len(model["triangles"]), npts)
        us = rng.uniform(0.1, 0.45, 2 * npts)
        tri = model["triangles"][corr]
        u, v = us[0::2], us[1::2]
        pts = (u * verts[:, tri[:, 0]] + v * verts[:, tri[:, 1]] + (1 - u - v) * verts[:, tri[:, 2]]).T
    else:
        corr = rng.integers(0, n_vertices, npts)
        us = np.zeros(0)
        pts = verts[:, corr].T
    pts = pts + rng.normal(scale=0.05, size=pts.shape)
    model_json = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in model.items()}
    model_json["bone_count"] = len(model["parents"])
    return {"theta": theta.tolist(), "us": us.tolist(),
            "data": {"model": model_json, "correspondences": corr.tolist(), "points": pts.tolist()}}


def ht_arrays(inp):
    data = inp["data"]
    model = data["model"]
    if "pose_index" not in model:
        raise ValueError("ht: the model has no 'pose_index' (which Euler angle of which bone each "
                         "theta[6:] drives); only the synthetic hand of inputs.hand_model carries it, "
                         "ADBench's model files are not supported")
    return (np.asarray(inp["theta"], float), np.asarray(inp["us"], float), ht_model_tuple(model),
            np.asarray(data["points"], float), np.asarray(data["correspondences"], dtype=np.intp),
            np.asarray(model["triangles"], dtype=np.intp).reshape(-1, 3))
