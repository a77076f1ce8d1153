"""The command line: ``python -m ad_compiler cache info|clear`` and ``show``.

Example::

    $ python -m ad_compiler show model.py:loss --wrt w,b
    # SSA graph of loss
    bb0(w_0, b_1, x_2): ...
    # generated gradient (arrays)
    def loss_grad(w, b, x, seed): ...

    $ python -m ad_compiler cache info
    path     /home/me/.cache/ad_compiler
    ...
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys

__all__ = ["main"]


def _parser():
    p = argparse.ArgumentParser(prog="python -m ad_compiler",
                                description="ad_compiler: source-to-source automatic "
                                            "differentiation for Python and NumPy.")
    sub = p.add_subparsers(dest="command", required=True, metavar="{cache,show}")
    c = sub.add_parser("cache", help="inspect or empty the on-disk cache of compiled gradients",
                       description="The on-disk cache of compiled gradients (AD_COMPILER_CACHE_DIR, "
                                   "else $XDG_CACHE_HOME/ad_compiler or ~/.cache/ad_compiler).")
    c.add_argument("action", choices=("info", "clear"),
                   help="info: folder, entries, size; clear: remove every entry")
    s = sub.add_parser("show", help="print the SSA graph and the generated gradient of a function",
                       description="Print the SSA graph and the generated Python source of the "
                                   "gradient of FUNCTION, defined in FILE.")
    s.add_argument("target", metavar="FILE:FUNCTION",
                   help="a Python file and the name of a function in it (Class.method: no)")
    s.add_argument("--wrt", default="0",
                   help="parameters to differentiate with respect to: indices or names, "
                        "separated by commas (default: 0)")
    s.add_argument("--mode", choices=("rev", "value_and_grad"), default="rev",
                   help="rev: grad (reverse mode, default); value_and_grad: also return the value")
    s.add_argument("--scalar", action="append", default=[], metavar="NAME",
                   help="a parameter that receives a Python float (the default is an array); "
                        "repeatable")
    s.add_argument("--joint", action="store_true",
                   help="also print the joint (forward + adjoint) SSA graph")
    return p


def _load(target):
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise SystemExit(f"expected FILE:FUNCTION, got {target!r}")
    if not os.path.isfile(path):
        raise SystemExit(f"no such file: {path}")
    path = os.path.abspath(path)
    modname = os.path.splitext(os.path.basename(path))[0]
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    spec.loader.exec_module(module)
    obj = getattr(module, name, None)
    if obj is None:
        raise SystemExit(f"{path} defines no {name!r}")
    from .api import GradFunction
    from .pickling import _plain
    return _plain(obj, GradFunction)


def _wrt(text):
    items = [w.strip() for w in text.split(",") if w.strip()]
    vals = tuple(int(w) if w.lstrip("-").isdigit() else w for w in items)
    return vals[0] if len(vals) == 1 else vals


def _show(a, out):
    import ad_compiler as adc
    fn = _load(a.target)
    make = adc.grad if a.mode == "rev" else adc.value_and_grad
    g = make(fn, wrt=_wrt(a.wrt), cache=False)
    names = g.arg_names
    unknown = [n for n in a.scalar if n not in names]
    if unknown:
        raise SystemExit(f"--scalar {unknown[0]}: not a parameter of {fn.__name__}({', '.join(names)})")
    kinds = ["s" if n in a.scalar else "a" for n in names]
    n_star = len(g._sig.param_names) - len(names) if g._sig else 0
    v = g.variant(tuple(kinds) + ("q",) * n_star)
    out.write(f"# SSA graph of {fn.__name__}\n{g.ir}\n\n")
    if a.joint:
        out.write(f"# joint SSA graph (forward and adjoint)\n{v.graph}\n\n")
    shown = ", ".join(f"{n}: {'float' if k == 's' else 'array'}" for n, k in zip(names, kinds))
    out.write(f"# generated gradient ({shown}), {v.path}\n{v.source}")


def _cache(a, out):
    from . import cache
    if a.action == "info":
        i = cache.info()
        out.write(f"path       {i['path']}\n"
                  f"enabled    {'yes' if i['enabled'] else 'no (AD_COMPILER_CACHE=0)'}\n"
                  f"entries    {i['entries']}\n"
                  f"size       {i['bytes']} bytes\n"
                  f"max size   {i['max_bytes']} bytes\n")
    else:
        n = cache.clear()
        out.write(f"removed {n} entries from {cache.path()}\n")


def main(argv=None, out=None):
    out = out or sys.stdout
    a = _parser().parse_args(argv)
    if a.command == "cache":
        _cache(a, out)
    else:
        from .errors import ADError
        try:
            _show(a, out)
        except ADError as e:
            raise SystemExit(f"error: {e}") from None
    return 0
