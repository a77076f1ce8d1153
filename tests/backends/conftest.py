import os

# Numba reads this when numba is first imported: CUDA tests run on the
# simulator unless a real GPU run was asked for (the Makefile exports it too).
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
