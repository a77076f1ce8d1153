"""Suite-wide set-up: the tests never write into the user's home.

Generated modules (and Numba's cache next to them) go to a temporary folder
made for this run and removed at its end."""
import os
import shutil
import tempfile

_CACHE = tempfile.mkdtemp(prefix="ad_compiler_test_cache_")
os.environ["AD_COMPILER_CACHE_DIR"] = _CACHE
os.environ.pop("AD_COMPILER_CACHE", None)      # (=0 would turn the cache off)


def pytest_unconfigure(config):
    shutil.rmtree(_CACHE, ignore_errors=True)
