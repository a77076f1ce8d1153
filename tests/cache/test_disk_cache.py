"""The on-disk cache: warm starts that parse nothing, invalidation by every
cause, damaged and foreign entries, concurrent writers, degraded disks,
eviction, and where the folder is."""
import errno
import linecache
import os
import stat
import subprocess
import sys
import warnings

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.cache import disk, entries, location

from .helpers import child_code, run_child, ROOT

HELPERS_V1 = """
import numpy as np
def shape(x):
    return np.tanh(x) * 2.0
"""
HELPERS_V2 = """
import numpy as np
def shape(x):
    return np.tanh(x) * 3.0
"""
MODEL = """
import numpy as np
import helpers_{tag} as helpers
from helpers_{tag} import shape

SCALE = 1.5

def loss(x):
    s = 0.0
    for i in range(3):
        if i % 2 == 0:
            s = s + np.sum(shape(x) * x)
        else:
            s = s + np.sum(helpers.shape(x)) * SCALE
    return s
"""
WARM = """
import model_{tag} as m
g = adc.grad(m.loss)
report(g(np.linspace(0.1, 0.9, 4)).tolist())
"""


def expected(k):
    x = np.linspace(0.1, 0.9, 4)
    t = np.tanh(x)
    d = k * (1 - t * t)
    return 2 * (k * t + x * d) + 1.5 * d


@pytest.fixture
def project(tmp_path, request):
    tag = request.node.name.replace("[", "_").replace("]", "").replace("-", "_")[:40]
    (tmp_path / f"helpers_{tag}.py").write_text(HELPERS_V1)
    (tmp_path / f"model_{tag}.py").write_text(MODEL.format(tag=tag))
    cache = tmp_path / "cache"
    return tmp_path, cache, tag


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """This process's cache moved to a fresh folder (and the one warning re-armed)."""
    d = tmp_path / "own_cache"
    monkeypatch.setenv("AD_COMPILER_CACHE_DIR", str(d))
    monkeypatch.delenv("AD_COMPILER_CACHE", raising=False)
    location.reset()
    yield d
    location.reset()


def _nothing_compiled(r):
    assert r["calls"] == {}, r["calls"]
    assert r["stats"]["compiled"] == 0 and r["stats"]["loaded"] == 1, r["stats"]


def test_cold_then_warm_start_parses_nothing(project):
    cwd, cache, tag = project
    cold = run_child(WARM.format(tag=tag), cache, cwd)
    np.testing.assert_allclose(cold["out"], expected(2.0))
    assert cold["calls"]["parse"] >= 1 and cold["calls"]["reverse"] == 1
    assert cold["stats"]["stored"] == 1
    warm = run_child(WARM.format(tag=tag), cache, cwd)
    np.testing.assert_allclose(warm["out"], expected(2.0))
    _nothing_compiled(warm)
    assert warm["stats"]["restored"] == 1
    info = run_child("report(adc.cache.info())", cache, cwd)["out"]
    assert info["path"] == str(cache) and info["entries"] >= 2 and info["bytes"] > 0


def test_warm_start_reads_globals_per_call_and_shows_source(project):
    cwd, cache, tag = project
    run_child(WARM.format(tag=tag), cache, cwd)
    body = f"""
    import model_{tag} as m
    g = adc.grad(m.loss)
    x = np.linspace(0.1, 0.9, 4)
    a = g(x)
    m.SCALE = 0.0                      # data: read at each call, also after a warm start
    b = g(x)
    report([a.tolist(), b.tolist(), "def loss_grad" in g.source, "parsed" in g.__dict__])
    """
    r = run_child(body, cache, cwd)
    x = np.linspace(0.1, 0.9, 4)
    t = np.tanh(x)
    np.testing.assert_allclose(r["out"][0], expected(2.0))
    np.testing.assert_allclose(r["out"][1], 2 * (2 * t + x * 2 * (1 - t * t)))
    assert r["out"][2] is True and r["out"][3] is False
    _nothing_compiled(r)


def test_editing_the_function_compiles_afresh(project):
    cwd, cache, tag = project
    run_child(WARM.format(tag=tag), cache, cwd)
    path = cwd / f"model_{tag}.py"
    path.write_text(path.read_text().replace("np.sum(shape(x) * x)", "np.sum(shape(x) * x * 2.0)"))
    r = run_child(WARM.format(tag=tag), cache, cwd)
    assert r["stats"]["compiled"] == 1 and r["calls"]["parse"] >= 1
    x = np.linspace(0.1, 0.9, 4)
    t = np.tanh(x)
    np.testing.assert_allclose(r["out"], 2 * 2 * (2 * t + x * 2 * (1 - t * t)) + 1.5 * 2 * (1 - t * t))


def test_editing_a_helper_in_its_file_compiles_afresh(project):
    cwd, cache, tag = project
    run_child(WARM.format(tag=tag), cache, cwd)
    (cwd / f"helpers_{tag}.py").write_text(HELPERS_V2)
    r = run_child(WARM.format(tag=tag), cache, cwd)
    assert r["stats"]["compiled"] == 1
    np.testing.assert_allclose(r["out"], expected(3.0))
    again = run_child(WARM.format(tag=tag), cache, cwd)      # and the new one is warm now
    np.testing.assert_allclose(again["out"], expected(3.0))
    _nothing_compiled(again)


def test_importlib_reload_of_a_helper_compiles_afresh(project):
    cwd, cache, tag = project
    run_child(WARM.format(tag=tag), cache, cwd)
    body = f"""
    import importlib, pathlib
    import helpers_{tag} as h, model_{tag} as m
    g = adc.grad(m.loss)
    x = np.linspace(0.1, 0.9, 4)
    a = g(x).tolist()
    pathlib.Path(h.__file__).write_text({HELPERS_V2!r})
    importlib.reload(h)
    importlib.reload(m)                # m.shape is the reloaded helper now
    b = adc.grad(m.loss)(x).tolist()   # a new function: from disk? no, the helper changed
    report([a, b])
    """
    r = run_child(body, cache, cwd)
    np.testing.assert_allclose(r["out"][0], expected(2.0))
    np.testing.assert_allclose(r["out"][1], expected(3.0))
    assert r["stats"]["loaded"] == 1 and r["stats"]["compiled"] == 1


def _cell(source, name, ns):
    """Run a notebook cell: its code has a file name of its own, and its
    lines are in linecache (what IPython does)."""
    filename = f"/tmp/ipykernel_test/{name}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), ns)


def test_notebook_cell_redefinitions_compile_afresh(own_cache):
    ns = {"__name__": "__main__", "np": np}
    _cell("def shape(x):\n    return np.tanh(x) * 2.0\n", "cell1", ns)
    _cell("def loss(x):\n    return np.sum(shape(x) * x)\n", "cell2", ns)
    x = np.linspace(0.1, 0.9, 4)
    t = np.tanh(x)
    g = adc.grad(ns["loss"])
    np.testing.assert_allclose(g(x), 2 * t + x * 2 * (1 - t * t))
    _cell("def shape(x):\n    return np.tanh(x) * 3.0\n", "cell3", ns)      # a helper redefined
    np.testing.assert_allclose(g(x), 3 * t + x * 3 * (1 - t * t))
    np.testing.assert_allclose(adc.grad(ns["loss"])(x), 3 * t + x * 3 * (1 - t * t))
    _cell("def loss(x):\n    return np.sum(shape(x) * x * x)\n", "cell4", ns)  # f redefined
    np.testing.assert_allclose(adc.grad(ns["loss"])(x), 2 * x * 3 * t + x * x * 3 * (1 - t * t))
    _cell("def shape(x):\n    return np.tanh(x) * 2.0\n", "cell5", ns)      # back to the first
    adc.cache.clear_memo(ns["loss"])
    np.testing.assert_allclose(adc.grad(ns["loss"])(x), 2 * x * 2 * t + x * x * 2 * (1 - t * t))


# -- damaged and foreign entries ------------------------------------------------------------
def _files(cache, suffix):
    return sorted(p for p in cache.iterdir() if p.name.endswith(suffix))


def _variant_record(cache):
    return [p for p in _files(cache, ".meta") if not p.name.endswith("_f.meta")]


@pytest.mark.parametrize("damage", ["module-edited", "module-truncated", "record-truncated",
                                    "record-corrupt", "record-foreign-key", "front-truncated"])
def test_damaged_entries_are_discarded_and_rebuilt_never_run(project, damage):
    cwd, cache, tag = project
    run_child(WARM.format(tag=tag), cache, cwd)
    module = [p for p in _files(cache, ".py") if p.name.startswith("loss_grad")][0]
    record = _variant_record(cache)[0]
    front = [p for p in _files(cache, "_f.meta")][0]
    if damage == "module-edited":       # would exit the process if it were ever executed
        module.write_text("import os; os._exit(3)\n" + module.read_text())
    elif damage == "module-truncated":
        module.write_bytes(module.read_bytes()[:40])
    elif damage == "record-truncated":
        record.write_bytes(record.read_bytes()[:30])
    elif damage == "record-corrupt":
        raw = bytearray(record.read_bytes())
        raw[-5] ^= 0xFF
        record.write_bytes(bytes(raw))
    elif damage == "record-foreign-key":    # an intact record, written for another key
        raw = record.read_bytes()
        import pickle
        head = len(disk.MAGIC) + 65
        payload = pickle.loads(raw[head:])
        payload["key"] = "0" * 64
        data = pickle.dumps(payload)
        record.write_bytes(disk.MAGIC + disk.sha256(data).encode() + b"\n" + data)
    else:
        front.write_bytes(front.read_bytes()[:20])
    r = run_child(WARM.format(tag=tag), cache, cwd)
    np.testing.assert_allclose(r["out"], expected(2.0))
    if damage == "front-truncated":     # parsed again; the intact variant is then reused
        assert r["calls"]["parse"] >= 1 and r["stats"]["restored"] == 0
    else:
        assert r["stats"]["compiled"] == 1 and r["stats"]["loaded"] == 0
    warm = run_child(WARM.format(tag=tag), cache, cwd)      # rebuilt: warm again
    np.testing.assert_allclose(warm["out"], expected(2.0))
    _nothing_compiled(warm)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX file owners")
def test_files_and_folders_of_another_user_are_refused(own_cache, monkeypatch):
    def f(x):
        return np.sum(np.sin(x))
    x = np.linspace(0, 1, 3)
    np.testing.assert_allclose(adc.grad(f)(x), np.cos(x))            # written as us
    assert _variant_record(own_cache)
    me = os.geteuid()
    monkeypatch.setattr(location, "_uid", lambda: me + 4242)          # now every file is foreign
    location.reset()
    adc.cache.clear_memo(f)
    with pytest.warns(location.CacheWarning, match="belongs to another user"):
        np.testing.assert_allclose(adc.grad(f)(x), np.cos(x))
    assert entries.STATS["compiled"] >= 1
    before = sorted(p.name for p in own_cache.iterdir())
    adc.cache.clear_memo(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                               # one warning, not two
        np.testing.assert_allclose(adc.grad(f)(x), np.cos(x))
    assert sorted(p.name for p in own_cache.iterdir()) == before    # nothing written, nothing removed


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a file to another user needs root (the test above covers the check)")
def test_a_file_chowned_to_another_user_is_not_loaded(project):
    cwd, cache, tag = project
    run_child(WARM.format(tag=tag), cache, cwd)
    for p in cache.iterdir():
        os.chown(p, 65534, 65534)
    r = run_child(WARM.format(tag=tag), cache, cwd)
    assert "belongs to another user" in r["stderr"]
    np.testing.assert_allclose(r["out"], expected(2.0))
    assert r["stats"]["loaded"] == 0


def test_cache_folder_is_private(own_cache):
    def f(x):
        return np.sum(x * x)
    adc.grad(f)(np.ones(2))
    assert stat.S_IMODE(os.stat(own_cache).st_mode) == 0o700
    os.chmod(own_cache, 0o755)
    location.reset()
    adc.cache.clear_memo(f)
    adc.grad(f)(np.ones(2))
    assert stat.S_IMODE(os.stat(own_cache).st_mode) == 0o700
    for p in own_cache.iterdir():
        if p.is_file():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


def test_concurrent_writers_agree(project):
    cwd, cache, tag = project
    env = dict(os.environ, AD_COMPILER_CACHE_DIR=str(cache), PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join([ROOT, str(cwd)]))
    code = child_code(WARM.format(tag=tag))
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=str(cwd), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    for out, _ in outs:
        line = [ln for ln in out.splitlines() if ln.startswith("RESULT ")][0]
        import json
        np.testing.assert_allclose(json.loads(line[7:])["out"], expected(2.0))
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]
    warm = run_child(WARM.format(tag=tag), cache, cwd)
    _nothing_compiled(warm)


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS, errno.EACCES],
                         ids=["full-disk", "read-only", "no-permission"])
def test_a_disk_that_refuses_writes_degrades_with_one_warning(own_cache, monkeypatch, err):
    own_cache.mkdir(mode=0o700)

    def refuse(path, data):
        raise OSError(err, os.strerror(err), path)
    monkeypatch.setattr(disk, "_write_bytes", refuse)

    def f(x):
        return np.sum(np.exp(x))

    def h(x):
        return np.sum(np.cos(x))
    x = np.linspace(0, 1, 3)
    with pytest.warns(location.CacheWarning) as record:
        np.testing.assert_allclose(adc.grad(f)(x), np.exp(x))
        np.testing.assert_allclose(adc.grad(h)(x), -np.sin(x))
    assert len([w for w in record if issubclass(w.category, location.CacheWarning)]) == 1
    assert os.strerror(err) in str(record[0].message)
    assert list(own_cache.iterdir()) == []
    path = adc.grad(f)._last.path                      # tracebacks still show the source
    assert linecache.getlines(path) and "def f_grad" in "".join(linecache.getlines(path))


def test_size_bound_evicts_least_recently_used(own_cache):
    made = []
    for k in range(6):
        ns = {"np": np}
        src = f"def fn{k}(x):\n    return np.sum(np.sin(x) * {k + 1}.0)\n"
        _cell(src, f"evict{k}", ns)
        made.append(ns[f"fn{k}"])
    x = np.ones(2)
    adc.grad(made[0])(x)
    rules = sum(p.stat().st_size for p in own_cache.iterdir() if p.name.startswith("rule_asts"))
    one = adc.cache.info()["bytes"] - rules          # one function's entries
    limit = rules + int(one * 2.5)                   # (the parsed rules are kept)
    adc.cache.set_max_bytes(limit)
    try:
        for k in range(1, 6):
            if k >= 2:                    # fn0 is used again: it stays
                adc.cache.clear_memo(made[0])
                before = entries.STATS["loaded"]
                adc.grad(made[0])(x)
                assert entries.STATS["loaded"] == before + 1
            adc.grad(made[k])(x)
            assert adc.cache.info()["bytes"] <= limit
        names = " ".join(p.name for p in own_cache.iterdir())
        assert "fn0_" in names and "fn5_" in names
        assert ("rule_asts_" in names) == (rules > 0)       # the parsed rules are not evicted
        assert "fn1_" not in names and "fn2_" not in names
    finally:
        adc.cache.set_max_bytes(None)


def test_size_bound_from_the_environment(monkeypatch):
    for text, n in [("1000", 1000), ("2K", 2048), ("1.5M", 3 << 19), ("1G", 1 << 30)]:
        monkeypatch.setenv("AD_COMPILER_CACHE_SIZE", text)
        assert location.max_bytes() == n


# -- where the folder is, and turning it off ------------------------------------------------
def test_folder_follows_xdg_and_the_override(monkeypatch, tmp_path):
    monkeypatch.delenv("AD_COMPILER_CACHE_DIR", raising=False)
    monkeypatch.delenv("AD_COMPILER_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert adc.cache.path() == str(tmp_path / "xdg" / "ad_compiler")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert adc.cache.path() == os.path.join(os.path.expanduser("~"), ".cache", "ad_compiler")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert adc.cache.path() == str(tmp_path / "home" / ".cache" / "ad_compiler")
    monkeypatch.setenv("AD_COMPILER_CACHE_DIR", str(tmp_path / "override"))
    assert adc.cache.path() == str(tmp_path / "override")


def test_turned_off_by_the_environment_and_by_the_option(own_cache, monkeypatch):
    def f(x):
        return np.sum(x ** 3)
    x = np.linspace(0, 1, 3)
    np.testing.assert_allclose(adc.grad(f, cache=False)(x), 3 * x ** 2)
    assert not own_cache.exists() or list(own_cache.iterdir()) == []
    monkeypatch.setenv("AD_COMPILER_CACHE", "0")
    location.reset()
    assert adc.cache.info()["enabled"] is False
    np.testing.assert_allclose(adc.grad(f)(x), 3 * x ** 2)
    assert not own_cache.exists() or list(own_cache.iterdir()) == []
    monkeypatch.delenv("AD_COMPILER_CACHE")
    location.reset()
    adc.cache.clear_memo(f)
    np.testing.assert_allclose(adc.grad(f)(x), 3 * x ** 2)
    assert _variant_record(own_cache)
    assert adc.cache.clear() >= 2 and adc.cache.info()["entries"] == 0


def test_options_and_argument_kinds_are_in_the_key(own_cache):
    def f(x, y):
        return np.sum(x * y * y)
    x, y = np.linspace(0, 1, 3), np.linspace(1, 2, 3)
    np.testing.assert_allclose(adc.grad(f)(x, y), y * y)
    np.testing.assert_allclose(adc.grad(f, wrt=1)(x, y), 2 * x * y)
    np.testing.assert_allclose(adc.value_and_grad(f, wrt=(0, 1))(x, y)[1][1], 2 * x * y)
    assert adc.grad(f)(2.0, 3.0) == 9.0                  # Python floats: another variant
    assert adc.grad(f, wrt=1)(2.0, 3.0) == 12.0
    adc.cache.clear_memo(f)
    before = dict(entries.STATS)
    np.testing.assert_allclose(adc.grad(f, wrt=1)(x, y), 2 * x * y)
    assert adc.grad(f, wrt=1)(2.0, 3.0) == 12.0
    assert entries.STATS["loaded"] == before["loaded"] + 2
    assert entries.STATS["compiled"] == before["compiled"]


def test_versions_are_in_the_key():
    from ad_compiler.cache import keys
    names = [v[0] for v in keys.versions()]
    assert names == ["ad_compiler", "python", "numpy", "gast", "numba"]
    assert keys.versions()[2][1] == np.__version__


def test_a_new_compiler_never_runs_an_old_compilers_module(project):
    """The variants are named by the front key too (the versions and the
    compiler's own files): an edited compiler with identical call metadata
    compiles afresh instead of loading the module the old one wrote."""
    cwd, cache, tag = project
    run_child(WARM.format(tag=tag), cache, cwd)
    other = "from ad_compiler.cache import keys\nkeys._VERSIONS = None\n" \
            "keys._package_stamp = lambda: 'an edited compiler'\n" + WARM.format(tag=tag)
    r = run_child(other, cache, cwd)
    np.testing.assert_allclose(r["out"], expected(2.0))
    assert r["stats"]["compiled"] == 1 and r["stats"]["loaded"] == 0, r["stats"]
