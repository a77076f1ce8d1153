"""ba and ht (ADBench's bundle adjustment and hand tracking) in NumPy.

Both need Jacobians, built in ``jacobians.py`` from one reverse pass per
output row (or per block row, for ba's block-diagonal Jacobian).

ba walks through: ``ba_residuals(cams, X, w, feats)`` takes the camera and
point of every observation gathered into (p, 11) and (p, 3) arrays, so the
residual pair of observation j depends only on row j of each:

    cams[j] = [r (Rodrigues rotation, 3), C (centre, 3), f, x0 (2), kappa (2)]
    Xcam = rotate(r, X - C);  u = Xcam[:2] / Xcam[2]
    proj = f * u * (1 + k1 |u|^2 + k2 |u|^4) + x0;  residual = w * (proj - feat)

and the weight residual is 1 - w^2.  ht poses a skinned hand model (a bone
tree with per-bone Euler angles, a global angle-axis rotation and a
translation, 26 parameters) and compares its vertices with target points.
"""
from __future__ import annotations

import numpy as np

import ad_compiler as adc


# --- ba ----------------------------------------------------------------------
def rodrigues_rotate(r, X):
    # the rotation vectors must be nonzero (theta appears in a denominator)
    theta = np.sqrt(np.sum(r * r, axis=1, keepdims=True))
    k = r / theta
    cos = np.cos(theta)
    sin = np.sin(theta)
    cross = np.stack((k[:, 1] * X[:, 2] - k[:, 2] * X[:, 1],
                      k[:, 2] * X[:, 0] - k[:, 0] * X[:, 2],
                      k[:, 0] * X[:, 1] - k[:, 1] * X[:, 0]), axis=1)
    kdotX = np.sum(k * X, axis=1, keepdims=True)
    return X * cos + cross * sin + k * (kdotX * (1.0 - cos))


def ba_project(cams, X):
    Xcam = rodrigues_rotate(cams[:, 0:3], X - cams[:, 3:6])
    u = Xcam[:, 0:2] / Xcam[:, 2:3]
    rsq = np.sum(u * u, axis=1, keepdims=True)
    distortion = 1.0 + cams[:, 9:10] * rsq + cams[:, 10:11] * rsq * rsq
    return cams[:, 6:7] * (u * distortion) + cams[:, 7:9]


def ba_residuals(cams, X, w, feats):
    return w[:, None] * (ba_project(cams, X) - feats)


def ba_weight_residuals(w):
    return 1.0 - w * w


def ba_objective(cams, X, w, feats, obs):
    """Reprojection errors (p, 2) and weight errors (p,) for all observations."""
    return (ba_residuals(cams[obs[:, 0]], X[obs[:, 1]], w, feats),
            ba_weight_residuals(w))


def ba_blocks(cams, X, w, feats, obs, backend="python"):
    """The per-observation 2 x 15 blocks, as two block columns, and d w_err / d w."""
    from jacobians import block_rows
    gathered = (cams[obs[:, 0]], X[obs[:, 1]], w, feats)
    cols_of_c = block_rows(ba_residuals, gathered, (0, 1, 2), (w.shape[0], 2), backend)
    dw_err = adc.grad(ba_weight_residuals, backend=backend)(w, seed=np.ones(w.shape[0]))
    return cols_of_c, dw_err


def ba_csr(cols_of_c, dw_err, obs, n, m):
    """ADBench's sparse Jacobian in CSR form: rows (pointers), cols, vals.

    Rows 2j, 2j+1 are observation j's reprojection error, with 11 camera
    columns, 3 point columns and 1 weight column each; the last p rows are
    the weight errors, one nonzero each.
    """
    p = obs.shape[0]
    cam_cols = 11 * obs[:, 0:1] + np.arange(11)
    pt_cols = 11 * n + 3 * obs[:, 1:2] + np.arange(3)
    w_cols = (11 * n + 3 * m + np.arange(p))[:, None]
    block_cols = np.concatenate((cam_cols, pt_cols, w_cols), axis=1)      # (p, 15)
    vals = np.empty((p, 2, 15))
    for c, (dc, dx, dw) in enumerate(cols_of_c):
        vals[:, c] = np.concatenate((dc, dx, np.asarray(dw)[:, None]), axis=1)
    cols = np.concatenate((np.repeat(block_cols[:, None, :], 2, axis=1).ravel(), w_cols[:, 0]))
    rows = np.concatenate((np.arange(0, 30 * p + 1, 15), 30 * p + 1 + np.arange(p)))
    return {"rows": rows, "cols": cols, "vals": np.concatenate((vals.ravel(), dw_err))}


def ba_jacobian(cams, X, w, feats, obs, backend="python"):
    return ba_csr(*ba_blocks(cams, X, w, feats, obs, backend), obs, cams.shape[0], X.shape[0])


# --- ht ----------------------------------------------------------------------
def euler_rotations(angles):
    """(B, 3) Euler angles (x, y, z) -> (B, 4, 4) homogeneous Rz @ Ry @ Rx."""
    ca, sa = np.cos(angles[:, 0]), np.sin(angles[:, 0])
    cb, sb = np.cos(angles[:, 1]), np.sin(angles[:, 1])
    cc, sc = np.cos(angles[:, 2]), np.sin(angles[:, 2])
    zero = np.zeros(angles.shape[0])
    one = np.ones(angles.shape[0])
    return np.stack((
        np.stack((cc * cb, cc * sb * sa - sc * ca, cc * sb * ca + sc * sa, zero), axis=1),
        np.stack((sc * cb, sc * sb * sa + cc * ca, sc * sb * ca - cc * sa, zero), axis=1),
        np.stack((-sb, cb * sa, cb * ca, zero), axis=1),
        np.stack((zero, zero, zero, one), axis=1)), axis=1)


def angle_axis_matrix(v):
    theta = np.sqrt(np.sum(v * v))
    k = v / theta
    K = np.stack((np.stack((0.0 * k[0], -k[2], k[1])),
                  np.stack((k[2], 0.0 * k[0], -k[0])),
                  np.stack((-k[1], k[0], 0.0 * k[0]))))
    return np.eye(3) * np.cos(theta) + np.sin(theta) * K + (1.0 - np.cos(theta)) * np.outer(k, k)


def ht_pose(theta, pose_index):
    """Per-bone Euler angles: theta[6:] scattered by a constant (B, 3) index (0 = none)."""
    return np.concatenate((np.zeros(1), theta[6:]))[pose_index]


def ht_vertices(theta, model):
    base_rel, inv_base_abs, base_pos, weights, parents, pose_index, mirror = model
    relatives = base_rel @ euler_rotations(ht_pose(theta, pose_index))
    # Parents precede children.  A user would append to a list here; today
    # ad_compiler fails on a list appended to and read inside the same loop
    # ("internal error: adding cotangents of containers of different
    # lengths"), so the absolutes grow as an array instead.
    absolutes = relatives[0:1]
    for b in range(1, relatives.shape[0]):
        absolutes = np.concatenate((absolutes, (absolutes[parents[b]] @ relatives[b])[None]), axis=0)
    transforms = absolutes @ inv_base_abs                             # (B, 4, 4)
    moved = transforms[:, 0:3, :] @ base_pos                          # (B, 3, V)
    verts = np.sum(weights[:, None, :] * moved, axis=0) * mirror      # (3, V)
    return angle_axis_matrix(theta[0:3]) @ verts + theta[3:6][:, None]


def ht_residuals(theta, us, model, points, corr, triangles):
    """Target points minus model points, flattened (3 * npts,).

    With us empty (the "simple" case) point i is vertex corr[i]; otherwise it
    is the barycentric combination us[i] of the vertices of triangle corr[i].
    """
    verts = ht_vertices(theta, model)
    if us.shape[0] == 0:
        model_pts = verts[:, corr]
    else:
        tri = triangles[corr]
        u = us[0::2]
        v = us[1::2]
        model_pts = u * verts[:, tri[:, 0]] + v * verts[:, tri[:, 1]] + (1.0 - u - v) * verts[:, tri[:, 2]]
    return np.ravel(points - model_pts.T)


def ht_jacobian(theta, us, model, points, corr, triangles, backend="python"):
    """(3 npts, 26) in the simple case; (3 npts, 2 + 26) with us (d/du, d/dv first)."""
    from jacobians import dense_forward
    n_out = 3 * points.shape[0]
    args = (theta, us, model, points, corr, triangles)
    if us.shape[0] == 0:
        return dense_forward(ht_residuals, args, n_out, backend)
    j_theta, j_uv = dense_forward(ht_residuals, args, n_out, backend, point_pairs=True)
    return np.concatenate((j_uv, j_theta), axis=1)
