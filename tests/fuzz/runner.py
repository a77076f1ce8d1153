"""Many programs: statistics, de-duplicated failures, minimal reproducers.

Example::

    stats = run(range(200), numba_every=25)
    stats.failures            # {key: [Found, ...]} one entry per kind of failure
    print(stats.summary())    # programs by status, rejections by class, FD skips

``Found`` holds the reduced program's source, its inputs and the failure
messages (expected vs got), ready to paste into a bug report.
"""
from __future__ import annotations

import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from . import grammar, oracle, reduce


@dataclass
class Found:
    seed: int
    family: str
    key: str
    source: str
    inputs: list
    messages: list

    def report(self):
        inputs = ", ".join(np.array2string(a, separator=", ", precision=17)
                           if isinstance(a, np.ndarray) else repr(a) for a in self.inputs)
        return (f"seed {self.seed} ({self.family}), {self.key}\n{self.source}\n"
                f"inputs: f({inputs})\n" + "\n".join(f"  {m}" for m in self.messages))


@dataclass
class Stats:
    status: Counter = field(default_factory=Counter)
    by_family: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    fd_checked: int = 0
    fd_skipped: int = 0
    tape: Counter = field(default_factory=Counter)
    numba: Counter = field(default_factory=Counter)
    failures: dict = field(default_factory=dict)      # key -> [Found]
    failing_seeds: list = field(default_factory=list)

    @property
    def programs(self):
        return sum(self.status.values())

    def reject_fraction(self):
        return self.status["rejected"] / max(1, self.programs)

    def skip_fraction(self):
        return self.fd_skipped / max(1, self.fd_checked)

    def summary(self):
        lines = [f"{self.programs} programs: " + ", ".join(f"{k} {v}" for k, v in
                                                           sorted(self.status.items())),
                 f"finite differences: {self.fd_checked} coordinates checked, "
                 f"{self.fd_skipped} skipped at non-differentiable points "
                 f"({100 * self.skip_fraction():.2f} %)",
                 "tape: " + ", ".join(f"{k} {v}" for k, v in sorted(self.tape.items())),
                 "numba: " + ", ".join(f"{k} {v}" for k, v in sorted(self.numba.items())),
                 "rejected (documented): " + (", ".join(f"{k} {v}" for k, v in
                                                       sorted(self.rejected.items())) or "none")]
        for key, found in sorted(self.failures.items()):
            fams = Counter(f.family for f in found)
            lines.append(f"FAIL {key}: {len(found)} programs ({dict(fams)}), seeds "
                         f"{[f.seed for f in found][:12]}: {found[0].messages[:1]}")
        return "\n".join(lines)


def run(seeds, families=None, numba_every=0, reduce_first=2, seconds=None, budget=300,
        log=None, max_reduced=None, avoid=()):
    """Check the program of every seed (stopping after ``seconds``); reduce
    the first ``reduce_first`` failures of each key, at most ``max_reduced``
    in all.  Programs whose source contains a string of ``avoid`` are left
    out (``--avoid copysign,linspace``: look past bugs already known)."""
    stats = Stats()
    reduced = 0
    t0 = time.time()
    for n, seed in enumerate(seeds):
        if seconds is not None and time.time() - t0 > seconds:
            break
        family = families[seed % len(families)] if families else None
        prog = grammar.generate(seed, family)
        if avoid and any(a in prog.source().split("\ndef f(")[-1] for a in avoid):
            stats.status["avoided"] += 1
            continue
        numba = bool(numba_every) and n % numba_every == 0
        try:
            out = oracle.check(prog, numba=numba)
        except Exception:                       # noqa: BLE001 - a fuzzer bug: report, go on
            out = oracle.Outcome()
            out.fail("fuzzer", traceback.format_exc(limit=-4))
            numba = False
        stats.status[out.status] += 1
        stats.by_family[(prog.family, out.status)] += 1
        if out.status == "rejected":
            stats.rejected[out.rejected] += 1
        stats.fd_checked += out.fd_checked
        stats.fd_skipped += out.fd_skipped
        stats.tape[out.tape] += 1
        stats.numba[out.numba] += 1 if numba else 0
        if not out.failures:
            continue
        stats.failing_seeds.append(seed)
        for key in dict.fromkeys(f.key for f in out.failures):
            found = stats.failures.setdefault(key, [])
            if key == "fuzzer":
                found.append(Found(seed, prog.family, key, prog.source(), prog.inputs(),
                                   [str(f) for f in out.failures]))
            elif len(found) < reduce_first and (max_reduced is None or reduced < max_reduced):
                reduced += 1
                small = reduce.minimize(prog, key, numba=numba, budget=budget)
                again = oracle.check(small, numba=numba)
                msgs = ([str(f) for f in again.failures if f.key == key] or
                        [str(f) for f in out.failures if f.key == key])[:4]
                at_edge = "@edge" in key or key.startswith("grad-edge")
                inputs = small.edge.inputs if at_edge else small.inputs()
                found.append(Found(seed, prog.family, key, small.source(), inputs, msgs))
                if log:
                    log(found[-1].report())
            else:
                found.append(Found(seed, prog.family, key, "", [],
                                   [str(f) for f in out.failures if f.key == key][:1]))
    return stats
