"""The same evals written as a PyTorch (eager) user writes them: the peer.

Each ``make_<eval>(*numpy_args)`` returns a zero-argument callable that runs
the primal and ``torch.autograd.grad`` and returns the gradient(s) as NumPy
arrays, in the layout ad_compiler's version returns.  Used only by run.py;
needs the optional ``bench`` extra (torch==2.13.0).

    run = make_lse(x)       # x: NumPy array
    run()                   # -> NumPy gradient, d lse / d x
"""
from __future__ import annotations

import math

import numpy as np
import torch

torch.set_num_threads(1)
T = torch.float64


def _t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=T, requires_grad=grad)


def _np(*ts):
    out = tuple(t.detach().numpy() for t in ts)
    return out if len(out) > 1 else out[0]


def make_lse(x):
    xt = _t(x, True)

    def run():
        a = torch.max(xt)
        y = a + torch.log(torch.sum(torch.exp(xt - a)))
        return _np(*torch.autograd.grad(y, xt))
    return run


def make_llsq(x, s, Tm):
    xt, st, Tt = _t(x, True), _t(s), _t(Tm)

    def run():
        r = st - Tt @ xt
        return _np(*torch.autograd.grad(0.5 * torch.sum(r * r), xt))
    return run


def make_det(A, perms, signs):
    At, pt, sg = _t(A, True), torch.as_tensor(perms), _t(signs)
    rows = torch.arange(A.shape[0])

    def run():
        y = torch.sum(sg * torch.prod(At[rows, pt], dim=1))
        return _np(*torch.autograd.grad(y, At))
    return run


def make_ode(x, s, tf):
    xt = _t(x, True)

    def rhs(y):
        c = torch.cumsum(xt, 0) - xt[0]
        return torch.cat((xt[:1], c[1:] * y[:-1]))

    def run():
        h = tf / s
        y = torch.zeros(xt.shape[0], dtype=T)
        for _ in range(s):
            k1 = rhs(y)
            k2 = rhs(y + 0.5 * h * k1)
            k3 = rhs(y + 0.5 * h * k2)
            k4 = rhs(y + h * k3)
            y = y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        return _np(*torch.autograd.grad(y[-1], xt))
    return run


def make_gmm(alpha, mu, q, l, x, tri, gamma, m, const):
    params = [_t(a, True) for a in (alpha, mu, q, l)]
    xt, tri_t = _t(x), torch.as_tensor(tri)
    n, d = x.shape
    k = alpha.shape[0]

    def run():
        a_, mu_, q_, l_ = params
        L = torch.cat((torch.zeros(k, 1, dtype=T), l_), dim=1)[:, tri_t].reshape(k, d, d)
        xc = xt[:, None, :] - mu_[None]
        Qxc = torch.exp(q_)[None] * xc + torch.einsum("kij,nkj->nki", L, xc)
        inner = a_ + torch.sum(q_, dim=1) - 0.5 * torch.sum(Qxc * Qxc, dim=2)
        y = (const + torch.sum(torch.logsumexp(inner, dim=1)) - n * torch.logsumexp(a_, dim=0)
             + m * torch.sum(q_) - 0.5 * gamma * gamma * (torch.sum(torch.exp(2.0 * q_)) + torch.sum(l_ * l_)))
        return _np(*torch.autograd.grad(y, params))
    return run


def make_kmeans(C, P):
    Ct, Pt = _t(C, True), _t(P)

    def run():
        diff = Pt[:, None, :] - Ct[None]
        y = torch.sum(torch.min(torch.sum(diff * diff, dim=2), dim=1).values)
        return _np(*torch.autograd.grad(y, Ct))
    return run


def make_lstm(main_params, extra_params, state, sequence):
    mp, ep = _t(main_params, True), _t(extra_params, True)
    st, seq = _t(state), _t(sequence)
    layers = main_params.shape[0] // 2
    b = sequence.shape[1]

    def run():
        wb = mp.reshape(2 * layers, 4, b)
        hidden = [st[2 * i] for i in range(layers)]
        cell = [st[2 * i + 1] for i in range(layers)]
        total = 0.0
        for t in range(seq.shape[0] - 1):
            x = seq[t] * ep[0]
            for i in range(layers):
                w, bias = wb[2 * i], wb[2 * i + 1]
                forget = torch.sigmoid(x * w[0] + bias[0])
                ingate = torch.sigmoid(hidden[i] * w[1] + bias[1])
                outgate = torch.sigmoid(x * w[2] + bias[2])
                change = torch.tanh(hidden[i] * w[3] + bias[3])
                cell[i] = cell[i] * forget + ingate * change
                hidden[i] = outgate * torch.tanh(cell[i])
                x = hidden[i]
            ypred = x * ep[1] + ep[2]
            ynorm = ypred - torch.log(torch.sum(torch.exp(ypred)) + 2.0)
            total = total + torch.sum(seq[t + 1] * ynorm)
        y = -total / ((seq.shape[0] - 1) * b)
        return _np(*torch.autograd.grad(y, (mp, ep)))
    return run


def _ba_residuals(cams, X, w, feats):
    r, C = cams[:, 0:3], cams[:, 3:6]
    Xc = X - C
    theta = torch.sqrt(torch.sum(r * r, dim=1, keepdim=True))
    k = r / theta
    cos, sin = torch.cos(theta), torch.sin(theta)
    rot = Xc * cos + torch.cross(k, Xc, dim=1) * sin + k * (torch.sum(k * Xc, dim=1, keepdim=True) * (1 - cos))
    u = rot[:, 0:2] / rot[:, 2:3]
    rsq = torch.sum(u * u, dim=1, keepdim=True)
    proj = cams[:, 6:7] * (u * (1.0 + cams[:, 9:10] * rsq + cams[:, 10:11] * rsq * rsq)) + cams[:, 7:9]
    return w[:, None] * (proj - feats)


def make_ba(cams, X, w, feats, obs):
    """The two block-columns of BA's per-observation Jacobian: two backward passes."""
    args = [_t(cams[obs[:, 0]], True), _t(X[obs[:, 1]], True), _t(w, True)]
    ft = _t(feats)
    p = w.shape[0]

    def run():
        out = _ba_residuals(*args, ft)
        cols = []
        for c in range(2):
            seed = torch.zeros(p, 2, dtype=T)
            seed[:, c] = 1.0
            cols.append(_np(*torch.autograd.grad(out, args, seed, retain_graph=True)))
        dw = _np(*torch.autograd.grad(torch.sum(1.0 - args[2] * args[2]), args[2]))
        return cols, dw
    return run


def _euler(angles):
    ca, sa = torch.cos(angles[:, 0]), torch.sin(angles[:, 0])
    cb, sb = torch.cos(angles[:, 1]), torch.sin(angles[:, 1])
    cc, sc = torch.cos(angles[:, 2]), torch.sin(angles[:, 2])
    z, o = torch.zeros_like(ca), torch.ones_like(ca)
    return torch.stack((
        torch.stack((cc * cb, cc * sb * sa - sc * ca, cc * sb * ca + sc * sa, z), 1),
        torch.stack((sc * cb, sc * sb * sa + cc * ca, sc * sb * ca - cc * sa, z), 1),
        torch.stack((-sb, cb * sa, cb * ca, z), 1),
        torch.stack((z, z, z, o), 1)), 1)


def _ht_residuals(theta, us, model, points, corr, triangles):
    base_rel, inv_base_abs, base_pos, weights, parents, pose_index, mirror = model
    pose = torch.cat((torch.zeros(1, dtype=T), theta[6:]))[pose_index]
    rel = base_rel @ _euler(pose)
    absolutes = [rel[0]]
    for b in range(1, rel.shape[0]):
        absolutes.append(absolutes[parents[b]] @ rel[b])
    transforms = torch.stack(absolutes) @ inv_base_abs
    verts = torch.sum(weights[:, None, :] * (transforms[:, 0:3, :] @ base_pos), dim=0) * mirror
    v = theta[0:3]
    ang = torch.sqrt(torch.sum(v * v))
    kk = v / ang
    zero = 0.0 * kk[0]
    K = torch.stack((torch.stack((zero, -kk[2], kk[1])), torch.stack((kk[2], zero, -kk[0])),
                     torch.stack((-kk[1], kk[0], zero))))
    R = torch.eye(3, dtype=T) * torch.cos(ang) + torch.sin(ang) * K + (1 - torch.cos(ang)) * torch.outer(kk, kk)
    verts = R @ verts + theta[3:6][:, None]
    if us.shape[0] == 0:
        pts = verts[:, corr]
    else:
        tri = triangles[corr]
        u, w = us[0::2], us[1::2]
        pts = u * verts[:, tri[:, 0]] + w * verts[:, tri[:, 1]] + (1 - u - w) * verts[:, tri[:, 2]]
    return torch.ravel(points - pts.T)


def make_ht(theta, us, model, points, corr, triangles):
    """torch.func.jacfwd: forward mode, one pass per theta (and us) column."""
    from torch.func import jacfwd
    m = tuple(_t(a) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else
              (torch.as_tensor(a) if isinstance(a, np.ndarray) else a) for a in model)
    th, ut, pt = _t(theta), _t(us), _t(points)
    ct, tt = torch.as_tensor(corr), torch.as_tensor(triangles)
    n_out = 3 * points.shape[0]

    def run():
        if us.shape[0] == 0:
            return _np(jacfwd(_ht_residuals)(th, ut, m, pt, ct, tt))
        j_th, j_us = jacfwd(_ht_residuals, argnums=(0, 1))(th, ut, m, pt, ct, tt)
        point = torch.arange(n_out) // 3
        rows = torch.arange(n_out)
        j_uv = torch.stack((j_us[rows, 2 * point], j_us[rows, 2 * point + 1]), 1)
        return _np(torch.cat((j_uv, j_th), 1))
    return run


# --- nested: particle and saddle, reverse over reverse ----------------------------
def _argmin(f, df, x):
    fx, gx = f(x), df(x)
    eta, i = 1e-5, 0
    while math.sqrt(float(np.sum(gx * gx))) > 1e-5:
        if i == 10:
            eta, i = 2.0 * eta, 0
            continue
        x2 = x - eta * gx
        if math.sqrt(float(np.sum((x - x2) ** 2))) <= 1e-5:
            break
        fx2 = f(x2)
        if fx2 < fx:
            x, fx, gx, i = x2, fx2, df(x2), i + 1
        else:
            eta, i = 0.5 * eta, 0
    return x


def _naive_euler(w):
    """w: a 0-d tensor that requires grad (so x does, for the inner grad)."""
    x = torch.stack((0.0 * w, 8.0 + 0.0 * w))
    v = torch.tensor([0.75, 0.0], dtype=T)
    c1 = torch.stack((10.0 + 0.0 * w, 10.0 - w))
    c2 = torch.tensor([10.0, 0.0], dtype=T)
    dt = 0.1
    while True:
        p = 1.0 / torch.sqrt(torch.sum((x - c1) ** 2)) + 1.0 / torch.sqrt(torch.sum((x - c2) ** 2))
        dp, = torch.autograd.grad(p, x, create_graph=True)
        nx = x + dt * v
        if float(nx[1].detach()) <= 0.0:
            break
        x, v = nx, v - dt * dp
    dt_f = -x[1] / v[1]
    return (x[0] + dt_f * v[0]) ** 2


def make_particle(w0):
    def f(v):
        return float(_naive_euler(torch.tensor(float(v[0]), dtype=T, requires_grad=True)))

    def df(v):
        w = torch.tensor(float(v[0]), dtype=T, requires_grad=True)
        return np.array([float(torch.autograd.grad(_naive_euler(w), w)[0])])

    return lambda: float(_argmin(f, df, np.array([w0]))[0])


def _saddle_f(x, y):
    return torch.sum(x * x) - torch.sum(y * y)


def _max_over_y(x, s):
    def fy(y):
        return -_saddle_f(x, y)
    y = s.clone()
    yr = y.requires_grad_(True)
    g = -torch.autograd.grad(fy(yr), yr, create_graph=True)[0]
    fval = fy(yr)
    eta, i = 1e-5, 0
    while float(torch.sqrt(torch.sum(g * g))) > 1e-5:
        if i == 10:
            eta, i = 2.0 * eta, 0
            continue
        n = yr + eta * g
        if float(torch.sqrt(torch.sum((n - yr) ** 2))) <= 1e-5:
            break
        fn = fy(n)
        if float(fn) < float(fval):
            yr, fval, i = n, fn, i + 1
            g = -torch.autograd.grad(fy(yr), yr, create_graph=True)[0]
        else:
            eta, i = 0.5 * eta, 0
    return _saddle_f(x, yr)


def make_saddle(start):
    s = torch.tensor(np.asarray(start, float), dtype=T)

    def f(v):
        return float(_max_over_y(torch.tensor(v, dtype=T), s))

    def df(v):
        x = torch.tensor(v, dtype=T, requires_grad=True)
        return torch.autograd.grad(_max_over_y(x, s), x)[0].numpy()

    def run():
        x = _argmin(f, df, np.asarray(start, float))
        xt = torch.tensor(x, dtype=T)

        def dy(v):
            y = torch.tensor(v, dtype=T, requires_grad=True)
            return -torch.autograd.grad(_saddle_f(xt, y), y)[0].numpy()
        y = _argmin(lambda v: -float(_saddle_f(xt, torch.tensor(v, dtype=T))), dy, np.asarray(start, float))
        return [float(x[0]), float(x[1]), float(y[0]), float(y[1])]
    return run
