"""Writes docs/how_it_works.md from the compiler's real output, so the page
shows exactly what ad_compiler produces (tests/test_docs.py checks it).

    python docs/render_how_it_works.py > docs/how_it_works.md
"""
import importlib.util
import inspect
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]

TEXT = '''# How ad_compiler differentiates a function

This page follows one function through the pipeline. Everything in the code
blocks is printed by the compiler itself (`docs/render_how_it_works.py`
regenerates the page; a test keeps it current).

## The function

```python
{source}```

A loop whose branch depends on the data: a tape (PyTorch) records a
different graph for every input; `ad_compiler` builds one graph, once.

## 1. SSA graph (`print(adc.grad(f).ir)`)

`frontend.parse` reads the source with gast and resolves `math` to the
module; `ir.build` turns it into basic blocks whose arguments are the phi
nodes. The loop header `bb1(i, s)` receives the loop-carried values, the
`if` joins at `bb5(s_7)`, and each instruction remembers its source line.

```
{ir}
```

## 2. The generated gradient (`adc.grad(f).source`)

`transforms.reverse` appends the adjoint of every block, mirroring the
control flow: the loop runs backwards (`range(r, -1, -1)`, `r = n_trips - 1`) and the
branch is re-taken from what the forward pass recorded. Then simplification,
scalar specialisation (x is a Python float, so no broadcasting checks) and
DCE run, and `backend.emit` prints one Python function:

```python
{joint}```

What to notice:

* **Only what the adjoint reads is stored.** The branch condition `t1`
  changes every trip and decides which adjoint runs, so it is stored; `s`
  is never needed (the adjoint of `s + sin(x*i)` and `s * 0.5` does not
  read `s`), so nothing stores it.
* **A counted loop stores in a preallocated tape.** The trip count is plain
  arithmetic before the loop (`n_trips = max(0, n)`), so `t1` goes into a
  tape of `n_trips` entries indexed by the loop counter (`t1_tape[i] = t1`,
  read back as `t1_tape[r_1]`); with `backend="numba"` the tape is a NumPy
  array of bools. A loop nested in it whose range is fixed before the
  outer loop shares one tape of `n * m` entries, at the flat trip number
  `i * m + j`. A loop whose trip count is only known when it ends
  (`while`, `break`) keeps a growable stack (`append`/`pop`).
* **Cheap values are recomputed, not stored.** A cost model decides: `x * i`
  (and a `math.sin` of it, cheaper than a tape entry) is recomputed in the
  adjoint from `x` and the loop counter (`t2_1 = x * r_1`); the counter
  itself is the reverse loop's own variable. A `np.linalg.solve` would be
  stored.
* **Names pair up.** The cotangent of `s` is `s_bar`, of `x` is `x_bar`;
  the versions of a name are numbered per name (`x_bar`, `x_bar_1`, ...).
  Each block carries a comment with the line it computes (`# line 9: ...`)
  or differentiates (`# adjoint of line 9: ...`).
* **First contributions are assigned, later ones added**: `x_bar =
  out_bar * s_2` is assigned once; inside the loop each trip adds to it
  (`x_bar_1 + x_bar_2`).
* **Joins assign directly.** A value an arm computes only for the join is
  assigned to the join's variable (`s_1 = s * 0.5`), with no extra copy.

The source is written to a real file in the cache folder
(`~/.cache/ad_compiler`, see `ad_compiler/cache/`) and imported, so
tracebacks and `pdb` step through it; the next process that differentiates
the unchanged function loads that module, with what the call needs
(parameter names, `wrt`, the free names and the fingerprints of everything
the code was specialised on), and parses nothing. `backend="numba"` compiles
this same function with `numba.njit`.
'''


def render():
    import ad_compiler as adc
    path = ROOT / "examples" / "loop_with_branch.py"
    spec = importlib.util.spec_from_file_location("loop_with_branch", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    g = adc.grad(mod.f)
    g(0.8, 6)
    ir = re.sub(r"# \S+:(\d+)$", r"# loop_with_branch.py:\1", str(g.ir), flags=re.M)
    return TEXT.format(source=inspect.getsource(mod.f), ir=ir, joint=g.source)


if __name__ == "__main__":
    import sys
    sys.path.insert(0, str(ROOT))          # this checkout's ad_compiler, not an installed one
    print(render(), end="")
