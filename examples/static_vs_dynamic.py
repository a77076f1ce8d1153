"""Static (compiled, ``@grad``) versus dynamic (tape, PyTorch-style)
differentiation of the SAME plain NumPy functions.

    python examples/static_vs_dynamic.py        # about 10 seconds

1. the gradients are equal;
2. time per call as the input grows and as the loop grows;
3. the tape records a new graph on every call (its size follows the loop
   length); the compiler builds one SSA graph, once;
4. a compiled gradient is called again and again; a tape's graph is freed
   by its first backward();
5. both graphs, as Graphviz DOT text.
"""
import time

import numpy as np

import ad_compiler as adc
from ad_compiler import tape
from ad_compiler.ir.dot import to_dot


# -- the two functions: plain NumPy, written once ----------------------------------------
def mlp_loss(W1, b1, W2, X, Y):
    """Straight-line code: a one-hidden-layer tanh network's squared error."""
    h = np.tanh(X @ W1 + b1)
    pred = h @ W2
    return np.mean((pred - Y) ** 2)


def branchy_loop(w, h, n):
    """A loop whose branch depends on the data: the path differs per input."""
    for i in range(n):
        if np.sum(h) > 0:
            h = np.tanh(w * h + 0.1)
        else:
            h = np.sin(h) * w - 0.2
    return np.sum(h ** 2)


MLP_WRT = (0, 1, 2)


def mlp_args(n_samples, n_in=8, n_hidden=16, seed=0):
    rng = np.random.default_rng(seed)
    return (0.3 * rng.standard_normal((n_in, n_hidden)), 0.1 * rng.standard_normal(n_hidden),
            0.3 * rng.standard_normal((n_hidden, 1)), rng.standard_normal((n_samples, n_in)),
            rng.standard_normal((n_samples, 1)))


def loop_args(n, size=4, seed=1):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 1.5, size), rng.uniform(-1.0, 1.0, size), n


# -- helpers -------------------------------------------------------------------------------
def per_call(fn, *args, budget=0.15):
    """Seconds per call: the best of a few batches that together take ~budget."""
    fn(*args)
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < budget / 5 or calls < 2:
        fn(*args)
        calls += 1
    batch = max(1, calls)
    best = float("inf")
    for _ in range(4):
        t0 = time.perf_counter()
        for _ in range(batch):
            fn(*args)
        best = min(best, (time.perf_counter() - t0) / batch)
    return best


def recorded_nodes(out):
    """How many grad_fn nodes the tape recorded for ``out`` (leaves' included)."""
    return len(tape.engine.topological_order(out.grad_fn))


def table(title, header, rows):
    print(f"\n{title}")
    widths = [max(len(str(r[k])) for r in [header] + rows) for k in range(len(header))]
    for r in [header] + rows:
        print("  " + "  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


def us(seconds):
    return f"{seconds * 1e6:,.0f} us"


# -- the five parts --------------------------------------------------------------------------
def equal_gradients():
    print("1. The same gradients")
    cases = [("mlp_loss", mlp_loss, MLP_WRT, mlp_args(32)),
             ("branchy_loop", branchy_loop, (0, 1), loop_args(20))]
    for name, fn, wrt, args in cases:
        compiled = adc.grad(fn, wrt=wrt)(*args)
        taped = tape.grad_of(fn, wrt=wrt)(*args)
        equal = all(np.allclose(c, t, rtol=1e-10, atol=1e-12) for c, t in zip(compiled, taped))
        biggest = max(float(np.max(np.abs(c - t))) for c, t in zip(compiled, taped))
        print(f"  {name}: tape and compiler gradients are equal: {equal} "
              f"(largest difference {biggest:.1e})")
        assert equal, name


def timings(sizes=(10, 100, 1000, 10000), lengths=(10, 100, 1000)):
    g_mlp = adc.grad(mlp_loss, wrt=MLP_WRT)
    t_mlp = tape.grad_of(mlp_loss, wrt=MLP_WRT)
    rows = []
    for n in sizes:
        args = mlp_args(n)
        tc, tt = per_call(g_mlp, *args), per_call(t_mlp, *args)
        rows.append([n, us(tc), us(tt), f"{tt / tc:.1f}x"])
    table("2a. Time per gradient call of mlp_loss as the batch grows",
          ["samples", "@grad", "tape", "tape/@grad"], rows)
    size_rows = rows
    g_loop = adc.grad(branchy_loop, wrt=(0, 1))
    t_loop = tape.grad_of(branchy_loop, wrt=(0, 1))
    rows = []
    for n in lengths:
        args = loop_args(n)
        tc, tt = per_call(g_loop, *args), per_call(t_loop, *args)
        rows.append([n, us(tc), us(tt), f"{tt / tc:.1f}x"])
    table("2b. Time per gradient call of branchy_loop as the loop grows",
          ["n", "@grad", "tape", "tape/@grad"], rows)
    return size_rows, rows


def graph_sizes(lengths=(1, 10, 100, 1000)):
    print("\n3. One graph per call (tape) versus one graph, built once (@grad)")
    fresh = adc.GradFunction(branchy_loop, wrt=(0, 1))    # not yet compiled (adc.grad caches)
    t0 = time.perf_counter()
    fresh(*loop_args(3))
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    fresh(*loop_args(3))
    second = time.perf_counter() - t0
    g = adc.grad(branchy_loop, wrt=(0, 1))
    ir = g.ir
    rows = []
    for n in lengths:
        w, h, _ = loop_args(n)
        wt, ht = tape.tensor(w, requires_grad=True), tape.tensor(h, requires_grad=True)
        nodes = recorded_nodes(branchy_loop(wt, ht, n))
        g(w, h, n)
        rows.append([n, nodes, len(g.ir.blocks), sum(1 for _ in g.ir.instructions()),
                     len(g.joint_ir.blocks)])
    table("  nodes recorded per call by the tape vs the size of the compiled graph",
          ["n", "tape grad_fn nodes", "@grad blocks", "@grad instructions",
           "joint blocks"], rows)
    print(f"  g.ir is the same object after every call: {g.ir is ir}; "
          f"adc.grad(branchy_loop, wrt=(0, 1)) is g: {adc.grad(branchy_loop, wrt=(0, 1)) is g}")
    print(f"  a new GradFunction: first call (compiles) {first * 1e3:.1f} ms, "
          f"second call {second * 1e3:.2f} ms")
    return rows


def reuse_versus_second_backward(calls=1000):
    print("\n4. Reusing the gradient")
    g = adc.grad(mlp_loss, wrt=MLP_WRT)
    args = mlp_args(32)
    first = g(*args)
    for _ in range(calls):
        again = g(*args)
    same = all(np.array_equal(a, b) for a, b in zip(first, again))
    print(f"  @grad: called {calls + 1} times, the same gradients every time: {same}")
    W1, b1, W2 = (tape.tensor(a, requires_grad=True) for a in args[:3])
    loss = mlp_loss(W1, b1, W2, *args[3:])
    loss.backward()
    try:
        loss.backward()
    except RuntimeError as e:
        message = str(e)
        print(f"  tape: loss.backward() a second time raises RuntimeError:\n    {message}")
    else:
        raise AssertionError("the second backward() should have raised")
    return message


def draw_both(n=2, lines=8):
    print(f"\n5. Both graphs as Graphviz DOT (branchy_loop, n={n}); the first {lines} lines")
    w, h, _ = loop_args(n)
    wt, ht = tape.tensor(w, requires_grad=True), tape.tensor(h, requires_grad=True)
    dynamic = tape.draw(branchy_loop(wt, ht, n), params={"w": wt, "h": ht})
    static = to_dot(adc.grad(branchy_loop, wrt=(0, 1)).ir)
    for name, text in (("tape.draw(out)  -- changes with n", dynamic),
                       ("to_dot(g.ir)    -- the same for every n", static)):
        all_lines = text.splitlines()
        print(f"  {name}: {len(all_lines)} lines")
        for line in all_lines[:lines]:
            print("    " + line.expandtabs(2))
    return dynamic, static


def main():
    t0 = time.perf_counter()
    equal_gradients()
    timings()
    graph_sizes()
    reuse_versus_second_backward()
    draw_both()
    print(f"\ndone in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
