"""Data-parallel gradients with Dask: each worker process differentiates the
loss on its shard of the data set; the shard gradients add up to the
gradient on the whole set.

    pip install "ad_compiler[dask]"
    python examples/dask_data_parallel.py

The gradient is sent to the workers by reference (the module and function
name plus its options, see ad_compiler/pickling.py); each worker compiles
it once, or loads it from the on-disk cache that the first one filled.
The model lives in a module (here this file, imported by the workers as
``dask_data_parallel``) so that the workers can import it.
"""
import os
import sys

import numpy as np

import ad_compiler as adc


def loss(w, b, x, y):
    """Sum over the shard of the squared error of a small tanh model."""
    h = np.tanh(x @ w + b)
    r = np.sum(h, axis=1) - y
    return np.sum(r * r)


def make_data(n=4000, d=8, k=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    w_true = rng.normal(size=(d, k)) * 0.5
    y = np.sum(np.tanh(x @ w_true), axis=1) + 0.01 * rng.normal(size=n)
    return x, y


def shards_of(x, y, n):
    return list(zip(np.array_split(x, n), np.array_split(y, n)))


def distributed_grad(client, g, w, b, shards):
    """Sum of the shard gradients, computed on the workers."""
    futures = client.map(g, [w] * len(shards), [b] * len(shards),
                         [s[0] for s in shards], [s[1] for s in shards], pure=False)
    parts = client.gather(futures)
    return tuple(sum(p[i] for p in parts) for i in range(2))


def train(client, g, w, b, shards, steps=5, lr=1e-4):
    """Gradient descent where every step's gradient is computed by the cluster."""
    for _ in range(steps):
        gw, gb = distributed_grad(client, g, w, b, shards)
        w, b = w - lr * gw, b - lr * gb
    return w, b


def main():
    from dask.distributed import Client, LocalCluster
    here = os.path.dirname(os.path.abspath(__file__))
    os.environ["PYTHONPATH"] = os.pathsep.join([here, os.environ.get("PYTHONPATH", "")])
    sys.path.insert(0, here)
    import dask_data_parallel as model       # the workers import it by this name

    x, y = model.make_data()
    d, k = x.shape[1], 4
    w, b = np.full((d, k), 0.1), np.zeros(k)
    g = adc.grad(model.loss, wrt=(0, 1))
    shards = model.shards_of(x, y, 8)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        gw, gb = model.distributed_grad(client, g, w, b, shards)
        sw, sb = g(w, b, x, y)                   # the same gradient, in this process
        print("distributed == single-process gradient:",
              np.allclose(gw, sw, rtol=1e-10) and np.allclose(gb, sb, rtol=1e-10))
        print(f"loss before training: {model.loss(w, b, x, y):.3f}")
        w, b = model.train(client, g, w, b, shards)
        print(f"loss after 5 steps:   {model.loss(w, b, x, y):.3f}")


if __name__ == "__main__":
    main()
