"""The README's usage example runs as written (from a file: the compiler
needs source), so the documentation cannot drift from the API."""
import importlib.util
import pathlib
import re

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_usage_example_runs(tmp_path, capsys):
    text = (ROOT / "README.md").read_text()
    code = re.search(r"## Use\n\n```python\n(.*?)```", text, re.S).group(1)
    path = tmp_path / "readme_usage.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location("readme_usage", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    x, y = mod.x, mod.y
    expected = np.where(x > 0, np.cos(x) * y, 0.0) + 2 * np.tanh(x) * (1 - np.tanh(x) ** 2)
    np.testing.assert_allclose(mod.df(x, y), expected)
    assert "def f_grad" in capsys.readouterr().out
