"""A differential fuzzer for ad_compiler: random programs over the whole
accepted language, each checked four ways.

Example::

    prog = grammar.generate(seed=7, family="control")   # a random f(x, y, v, m)
    outcome = oracle.check(prog)                          # value, FD, tape, numba
    outcome.failures                                      # [] when all agree

Modules: ``grammar`` (random programs as Python source), ``edges`` (rule
calls at edge points with the documented gradient there), ``oracle`` (the
four checks), ``reduce`` (delta-reduction of a failing program to a minimal
one), ``runner`` (many programs, statistics, the report).  ``python -m
tests.fuzz --seconds 600`` is the long mode (``make fuzz``);
``test_fuzz_differential.py`` is the fast deterministic slice run in CI.
"""
