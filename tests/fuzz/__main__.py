"""Long mode: ``python -m tests.fuzz --seconds 600`` (``make fuzz``).

New seeds each run (the first one is printed, ``--start`` repeats a run);
every new kind of failure is reduced and printed as a minimal program with
its inputs and expected-vs-got; the exit status is 1 when anything failed.
"""
import argparse
import itertools
import os
import sys
import time

from . import grammar
from .runner import run


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz")
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--start", type=int, default=None, help="first seed (default: from the clock)")
    ap.add_argument("--families", default="", help=f"comma-separated subset of {grammar.FAMILIES}")
    ap.add_argument("--numba-every", type=int, default=10, help="0: no numba")
    ap.add_argument("--reduce", type=int, default=2, help="failures reduced per kind")
    ap.add_argument("--avoid", default="", help="comma-separated strings: skip programs "
                    "whose f contains one (to look past known bugs)")
    ap.add_argument("--report", default="", help="also write the report to this file")
    a = ap.parse_args(argv)
    start = a.start if a.start is not None else int(time.time() * 1000) % 10 ** 9
    families = tuple(f for f in a.families.split(",") if f) or None
    os.environ.setdefault("AD_COMPILER_CACHE_DIR", os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "ad_compiler_fuzz_cache"))
    print(f"fuzzing from seed {start} for {a.seconds:.0f} s "
          f"(repeat with --start {start})", flush=True)
    stats = run(itertools.count(start), families=families, numba_every=a.numba_every,
                reduce_first=a.reduce, seconds=a.seconds,
                avoid=tuple(x for x in a.avoid.split(",") if x),
                log=lambda text: print("\n" + text, flush=True))
    text = stats.summary()
    print("\n" + text)
    if a.report:
        with open(a.report, "w") as fh:
            fh.write(text + "\n\n")
            for key, found in sorted(stats.failures.items()):
                for fnd in found:
                    if fnd.source:
                        fh.write(fnd.report() + "\n\n")
    return 1 if stats.failures else 0


if __name__ == "__main__":
    sys.exit(main())
