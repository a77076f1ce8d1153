"""Data-parallel gradients on a Dask cluster of worker processes, started
here: the shard gradients add up to the single-process gradient, and a
short training loop on sharded data matches the same loop run locally."""
import os
import pathlib
import sys

import numpy as np
import pytest

import ad_compiler as adc

from dask import distributed            # in the test extra (pyproject.toml)

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
ROOT = EXAMPLES.parent


@pytest.fixture(scope="module")
def client():
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(EXAMPLES), str(ROOT)] + ([old] if old else []))
    sys.path.insert(0, str(EXAMPLES))
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()
    sys.path.remove(str(EXAMPLES))
    if old is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = old


def test_shard_gradients_add_up_to_the_single_process_gradient(client):
    import dask_data_parallel as model
    x, y = model.make_data(n=600)
    w, b = np.full((8, 4), 0.1), np.linspace(-0.2, 0.2, 4)
    g = adc.grad(model.loss, wrt=(0, 1))
    shards = model.shards_of(x, y, 6)
    pids = client.run(os.getpid)
    assert len(pids) == 2 and os.getpid() not in pids.values()     # real worker processes
    gw, gb = model.distributed_grad(client, g, w, b, shards)
    sw, sb = g(w, b, x, y)
    np.testing.assert_allclose(gw, sw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb, sb, rtol=1e-10, atol=1e-12)
    adc.check_grads(model.loss, w, b, x[:50], y[:50], wrt=(0, 1))


def test_training_on_sharded_data_matches_the_local_loop(client):
    import dask_data_parallel as model
    x, y = model.make_data(n=600)
    w0, b0 = np.full((8, 4), 0.1), np.zeros(4)
    g = adc.grad(model.loss, wrt=(0, 1))
    w, b = model.train(client, g, w0, b0, model.shards_of(x, y, 4), steps=4, lr=1e-3)
    lw, lb = w0, b0
    for _ in range(4):
        gw, gb = g(lw, lb, x, y)
        lw, lb = lw - 1e-3 * gw, lb - 1e-3 * gb
    np.testing.assert_allclose(w, lw, rtol=1e-9)
    np.testing.assert_allclose(b, lb, rtol=1e-9, atol=1e-12)
    assert model.loss(w, b, x, y) < model.loss(w0, b0, x, y)
