#!/usr/bin/env python3
"""Fails when a crate's top-level modules import each other in a cycle.

Each top-level module of a crate (a file `src/x.rs` or a folder `src/x/`) is a node; an edge x → y is
any `crate::y` path written inside x: in `use` lines, grouped ones (`use crate::{a, b::c}`) included,
and in full paths. `super::` inside a folder stays within the module and is ignored.

Two rules on top (see docs/design/architecture.md):
- the composition root (`state` in the server: it assembles every capability, and every handler
  takes its `AppState`) may import anything; edges into it are not counted;
- the ground floor (GROUND below: errors, configuration, geometry, the shared types) imports only
  the ground floor, so every module may use it.

Usage: tools/import-cycles.py server/src app/src ...   (exit 1 and the cycle on stdout when one is found)
"""
import pathlib
import re
import sys

PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")
GROUP = re.compile(r"\bcrate::\{([^}]*)\}")
COMMENT = re.compile(r"//.*$", re.M)

# The composition root of each crate, and its ground floor, by the crate's folder.
ROOT = {"server": "state"}
GROUND = {
    "server": {"error", "config", "db", "geometry", "idempotency", "guard", "headers", "health", "web", "sql", "sync", "cluster"},
    "app": {"model", "contract", "live_types", "api"},
}


def modules(src: pathlib.Path):
    out = {}
    for entry in sorted(src.iterdir()):
        if entry.name in ("lib.rs", "main.rs", "bin"):
            continue
        if entry.is_dir():
            files = list(entry.rglob("*.rs"))
            name = entry.name
        elif entry.suffix == ".rs":
            files = [entry]
            name = entry.stem
        else:
            continue
        out.setdefault(name, []).extend(files)
    return out


def targets(text):
    """Every top-level module named after `crate::`, in plain and grouped paths."""
    found = set(PATH.findall(text))
    for group in GROUP.findall(text):
        for part in group.split(","):
            head = part.strip().split("::")[0].strip()
            if re.fullmatch(r"[a-z_][a-z0-9_]*", head):
                found.add(head)
    return found


def graph(src: pathlib.Path, root=None):
    mods = modules(src)
    edges = {m: set() for m in mods}
    for name, files in mods.items():
        for f in files:
            text = COMMENT.sub("", f.read_text(encoding="utf-8"))
            for target in targets(text):
                if target != name and target in mods and target != root:
                    edges[name].add(target)
    return edges


def ground_violations(edges, ground):
    """(module, import) pairs where a ground-floor module imports a module above it."""
    return [(m, t) for m in sorted(ground & edges.keys()) for t in sorted(edges[m]) if t not in ground]


def find_cycle(edges):
    """Depth-first search; returns one cycle as a list of modules, or None."""
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def self_test():
    """The checker must see a cycle through a folder module and a file module, and none in a tree."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp)
        (src / "live").mkdir()
        (src / "live" / "mod.rs").write_text("use crate::incidents::expire;\n")
        (src / "incidents.rs").write_text("// crate::nothing in a comment\nuse crate::live::record;\n")
        (src / "error.rs").write_text("")
        assert find_cycle(graph(src)) == ["incidents", "live", "incidents"], graph(src)
        (src / "live" / "mod.rs").write_text("use crate::error::ApiError;\n")
        assert find_cycle(graph(src)) is None, graph(src)
        (src / "live" / "mod.rs").write_text("use crate::{error::ApiError, incidents};\n")
        assert find_cycle(graph(src)) == ["incidents", "live", "incidents"], "grouped imports count"
        (src / "error.rs").write_text("use crate::live;\n")
        (src / "live" / "mod.rs").write_text("")
        assert ground_violations(graph(src), {"error"}) == [("error", "live")]
    print("import-cycles self-test: a cycle is found, a tree passes")


def main(args):
    if args == ["--self-test"]:
        self_test()
        return 0
    failed = False
    for src in args:
        crate = pathlib.Path(src).parent.name
        edges = graph(pathlib.Path(src), ROOT.get(crate))
        cycle = find_cycle(edges)
        if cycle:
            failed = True
            print(f"{src}: import cycle: {' -> '.join(cycle)}")
            for a, b in zip(cycle, cycle[1:]):
                print(f"  {a} uses crate::{b}")
        else:
            print(f"{src}: {len(edges)} modules, {sum(map(len, edges.values()))} imports, no cycle")
        for module, target in ground_violations(edges, GROUND.get(crate, set())):
            failed = True
            print(f"{src}: {module} is on the ground floor but uses crate::{target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["server/src", "app/src"]))
