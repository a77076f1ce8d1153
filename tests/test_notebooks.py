"""Every notebook in notebooks/ runs top to bottom without a cell error, and
examples/static_vs_dynamic.py runs and says the gradients are equal.

The notebooks run in a kernel started with THIS interpreter (the test
venv's, under ``make test``): a kernel spec pointing at ``sys.executable``
is written to a temporary Jupyter path, so no user-level install is used
or needed."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "ad-compiler-tests"


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory):
    """A kernel spec for ``sys.executable``, found through JUPYTER_PATH."""
    pytest.importorskip("ipykernel")
    from ipykernel.kernelspec import write_kernel_spec
    jupyter = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(path=str(jupyter / "kernels" / KERNEL))
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "PYTHONPATH", "MPLBACKEND")}
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(jupyter)] + ([saved["JUPYTER_PATH"]] if saved["JUPYTER_PATH"] else []))
    os.environ.pop("MPLBACKEND", None)          # the kernel's inline backend shows the plot
    # the kernel imports ad_compiler from this checkout even without `pip install -e`
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([saved["PYTHONPATH"]] if saved["PYTHONPATH"] else []))
    yield KERNEL
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def test_there_are_notebooks():
    assert any(p.name == "static_vs_dynamic.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_without_errors(path, kernel_name):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=kernel_name, timeout=120,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()            # raises CellExecutionError, naming the cell, on any error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    if path.name == "static_vs_dynamic.ipynb":
        text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                       for o in c.get("outputs", []))
        assert "mlp_loss: tape and compiler gradients are equal: True" in text
        assert "backward through the graph a second time" in text
        assert any("image/png" in o.get("data", {}) for c in nb.cells
                   if c.cell_type == "code" for o in c.get("outputs", []))


def test_static_vs_dynamic_example_runs():
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in
                                           [os.environ.get("PYTHONPATH")] if p]))
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "static_vs_dynamic.py")],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "mlp_loss: tape and compiler gradients are equal: True" in out
    assert "branchy_loop: tape and compiler gradients are equal: True" in out
    assert "equal: False" not in out
    assert "backward through the graph a second time" in out
    assert "tape/@grad" in out and "loop header" in out
