"""Render the reference page of supported callables from the rule table.

Example: ``python -m ad_compiler.rules.render_reference > docs/RULES.md`` writes
    | `np.sin` | x | | cos(x) |
for every rule; ``render()`` returns the same text, and a test checks that
docs/RULES.md equals it, so the page cannot drift from the table.
Rules that users register with ``custom_vjp`` are not listed.
"""
import inspect
import sys

from . import all_rules

_HEADER = """\
# Supported callables

Generated from the rule table by `python -m ad_compiler.rules.render_reference > docs/RULES.md`;
do not edit by hand (`tests/rules/test_render_reference.py` fails when this page and
the table disagree).  {n_diff} differentiable callables ({n_np} of them NumPy
functions and `np.ndarray` methods) and {n_nondiff} non-differentiable ones.

## Conventions

- **NaN policy: a zero cotangent is a strong zero.**  Every elementwise rule
  (ufuncs, `/`, `**`, `abs`) returns exactly 0 where its cotangent is 0, even
  where the local derivative is infinite or NaN (`runtime.safe_mul`,
  `runtime.safe_div`).  `np.where` routes the cotangent with a selection, not a
  product, so `np.where(x > 0, np.sqrt(x), 0.0)`, `np.where(x != 0, 1 / x, 0)`
  or `np.where(x > 0, np.log(x), -1)` have finite gradients everywhere: the
  untaken branch receives 0 and stays 0 through any chain of elementwise
  functions.  Where the cotangent is non-zero the true derivative is
  returned, infinite if need be: `sqrt`/`cbrt` at 0 give `inf`.
  Not covered: a NaN/inf *forward value* multiplied into another input
  (`w * np.log(x)` in the untaken branch still gives `w` a NaN gradient,
  `0 * -inf`); guard the input instead (`np.log(np.where(x > 0, x, 1))`).
- **Norm-like functions at 0 have gradient 0** (a subgradient):
  `np.linalg.norm`, `vector_norm`, `matrix_norm` ('fro'), `np.hypot`,
  `np.arctan2` at (0, 0), `np.std` of constant data.
- **Kinks**: `abs`, `fabs`, `sign`-like points give 0; `maximum`, `minimum`,
  `fmax`, `fmin`, `clip`, `max`/`min`/`amax`/`amin`/`ptp`, the builtin
  `max`/`min`, `unique` and the inf-norms split the cotangent evenly between
  tied arguments/elements.  `x ** 0` has slope 0 everywhere (also at 0).
- **Repeated indices** add up when reading (`a[[0, 0]]`) and follow NumPy's
  last write when assigning (`out[[1, 1]] = v`: only `v[1]` gets it).
- **Shapes**: binary rules sum the cotangent back over broadcast axes.  An
  argument that is a list of arrays (`concatenate`, `stack`, `multi_dot`,
  `np.array([x, y])`) gets a tuple/list with one cotangent per item.
  Tuple-valued primitives (`multiple results`) receive a tuple cotangent
  with `None` for results no cotangent reached.
- **dtypes**: float32 inputs give float32 gradients (rules use Python-float
  constants, which NumPy 2 does not let upcast); NumPy functions that
  compute in float64 (`float_power`) give float64.  Casts to an integer
  dtype (`astype(int)`, `np.int64(x)`) have zero gradient.  Real floating
  inputs only: complex numbers are not supported.
- **Non-differentiable** callables give a zero gradient, never an error:
  their derivative is 0 almost everywhere in every argument.
  `stop_gradient(x)` is the identity with that property.  An argument a
  rule has no entry for is an error if differentiated, never a zero.

"""


def _label(rule, k):
    f = rule.vjp(k)
    params = [p for p in inspect.signature(f).parameters.values()][2:]
    if params and params[0].kind is params[0].VAR_POSITIONAL:
        return f"{params[0].name}[{k}]"
    return params[k].name if k < len(params) else f"arg{k}"


def _section(rule):
    name = rule.name
    if name.startswith("np.ndarray."):
        return "`np.ndarray` methods"
    if name.startswith("np.linalg."):
        return "`np.linalg`"
    if name.startswith("np.random."):
        return "`np.random`"
    if name.startswith("np."):
        return "NumPy functions and ufuncs"
    if name.startswith("math."):
        return "`math`"
    if name.startswith("ad_compiler."):
        return "ad_compiler"
    return "Python operators and builtins"


_ORDER = ["Python operators and builtins", "`math`", "NumPy functions and ufuncs",
          "`np.ndarray` methods", "`np.linalg`", "`np.random`", "ad_compiler"]


# callables that only some NumPy versions have: not in the table, so the page
# is the same on every NumPy (a sentence under the header names them)
_VERSION_DEPENDENT = {"np.row_stack"}


def _listed(rule):
    mod = getattr(rule.primal, "__module__", None) or ""
    if rule.name in _VERSION_DEPENDENT:
        return False
    return (rule.name.startswith("np.") or mod.split(".")[0] in ("numpy", "math", "builtins",
                                                                  "operator", "_operator")
            or mod == "ad_compiler.rules.custom")


def _cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def render():
    """The reference page (Markdown) for every built-in rule in the table."""
    rules = [r for r in all_rules() if _listed(r)]
    diff = [r for r in rules if not r.nondiff and r.diff_argnums()]
    refused = [r for r in rules if not r.nondiff and not r.diff_argnums()]
    nondiff = [r for r in rules if r.nondiff]
    out = [_HEADER.format(n_diff=len(diff), n_np=sum(r.name.startswith("np.") for r in diff),
                          n_nondiff=len(nondiff))]
    out.append("Also, where the installed NumPy still has it: `np.row_stack` (as `np.vstack`).\n\n")
    out.append(f"## Differentiable ({len(diff)})\n")
    for section in _ORDER:
        group = [r for r in diff if _section(r) == section]
        if not group:
            continue
        out.append(f"\n### {section}\n\n| callable | gradient for | linear | notes |\n"
                   "|---|---|---|---|\n")
        for r in group:
            args = ", ".join(_label(r, k) for k in r.diff_argnums())
            notes = ("multiple results; " if r.multiple_results is True else "") + r.doc
            out.append(f"| `{r.name}` | {args} | {'yes' if r.linear else ''} | {_cell(notes)} |\n")
    out.append(f"\n## No gradient: an error if differentiated ({len(refused)})\n\n"
               "Their result depends on a float argument in a way no rule expresses; a "
               "differentiable value passed to them is a `NoRuleError`, never a silent zero.\n\n"
               "| callable | notes |\n|---|---|\n")
    for r in refused:
        out.append(f"| `{r.name}` | {_cell(r.doc)} |\n")
    out.append(f"\n## Non-differentiable ({len(nondiff)})\n\nZero gradient, no error: the "
               "derivative is 0 almost everywhere in every argument "
               "(`tests/rules/test_nondiff_audit.py` checks it).\n")
    for section in _ORDER:
        group = [r for r in nondiff if _section(r) == section]
        if group:
            names = ", ".join(f"`{r.name}`" for r in group)
            out.append(f"\n### {section}\n\n{names}\n")
    return "".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
