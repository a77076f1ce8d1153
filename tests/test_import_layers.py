"""The package's import graph: no cycles, and each module imports only from
its own layer or the layers below it (the order of the pipeline).

The graph is read from the source (every ``import`` statement, at module
level or inside a function), so an import hidden in a function to dodge a
cycle counts like any other.
"""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "ad_compiler"

# Lowest first.  A module belongs to the first entry that names it (exactly,
# or as "pkg.*": the package and everything in it).
LAYERS = [
    ("errors",),
    ("pytree",),                                     # containers
    ("outputs", "arguments", "cache", "cache.location", "cache.disk", "cache.modules", "compiled"),
    ("runtime",),                                    # what generated code calls
    ("runtime_reuse", "runtime_contract"),           # its in-place and contracting variants
    ("rules.registry",),                             # the rule table itself
    ("ir.nodes", "ir.ops", "ir.views", "ir.verify", "ir.walk", "ir.slots", "ir.loops", "ir.dot"),  # the IR
    ("rules.*",),                                    # the rules of each primitive
    ("tape.*",),
    ("frontend.*",),                                 # parse
    ("cache.keys", "cache.rule_asts", "cache.entries"),  # what an entry depends on
    ("ir.*",),                                       # build
    ("transforms.*",),
    ("backend.*",),                                  # emit, lower
    ("pipeline",),
    ("pickling",),
    ("api",),
    ("nested", "forward_api"),                       # grad of a gradient; forward mode
    ("forward_over", "higher"),                      # forward over reverse; jacobians, hessians
    ("callee_rules",),                               # a compiled gradient called in a graph
    ("check", "elementwise"),
    ("",),                                           # ad_compiler/__init__.py
    ("cli", "__main__"),                             # python -m ad_compiler
]


def _modules():
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name, path):
    """The package modules ``name`` imports (names relative to ad_compiler)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = [p for p in package if p]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
            for t in targets:
                if t == "ad_compiler" or t.startswith("ad_compiler."):
                    found.add(t[len("ad_compiler."):] if "." in t else "")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                mod = ".".join(base + (node.module.split(".") if node.module else []))
            elif node.module == "ad_compiler" or (node.module or "").startswith("ad_compiler."):
                mod = node.module[len("ad_compiler."):] if "." in node.module else ""
            else:
                continue
            for a in node.names:                     # from . import runtime: the module
                sub = f"{mod}.{a.name}" if mod else a.name
                found.add(sub if sub in MODULES else mod)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(name):
    for k, entries in enumerate(LAYERS):
        for e in entries:
            if e == name or (e.endswith(".*") and (name == e[:-2] or name.startswith(e[:-1]))):
                return k
    raise AssertionError(f"ad_compiler.{name} is in no layer: add it to LAYERS in {__file__}")


def test_the_reader_sees_the_imports():
    assert "errors" in GRAPH["api"] and "pipeline" in GRAPH["api"]
    assert "runtime" in GRAPH["transforms.reverse"]           # from .. import runtime
    assert "ir.ops" in GRAPH["ir.build"]                      # from . import ops
    assert GRAPH["errors"] == set()


def test_no_import_cycles():
    state, cycles = {}, []

    def visit(m, stack):
        state[m] = "open"
        for n in sorted(GRAPH[m]):
            if state.get(n) == "open":
                cycles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n, stack + [n])
        state[m] = "done"

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_down_the_layers(name):
    up = sorted(n for n in GRAPH[name] if _layer(n) > _layer(name))
    assert not up, (f"ad_compiler.{name} (layer {_layer(name)}) imports modules of a higher "
                    f"layer: {', '.join(f'{n} ({_layer(n)})' for n in up)}")


def test_backends_do_not_import_the_api():
    for name, deps in GRAPH.items():
        if name.startswith("backend."):
            assert not deps & {"api", "pipeline", "check", "elementwise"}, name
