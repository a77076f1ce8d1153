"""Every example script runs to completion (the static-vs-dynamic one is run
by tests/test_notebooks.py together with its notebook)."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPTS = ["quickstart.py", "ode_sensitivities.py", "loop_with_branch.py", "newton_optimize.py"]


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_runs(name):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run([sys.executable, str(ROOT / "examples" / name)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    if name == "ode_sensitivities.py":
        assert "finite differences" in res.stdout and "numba backend" in res.stdout
    if name == "newton_optimize.py":
        assert "trust-exact" in res.stdout and "Newton-CG" in res.stdout
    if name == "quickstart.py":
        assert "check_grads: OK" in res.stdout
