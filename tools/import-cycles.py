#!/usr/bin/env python3
"""Fails when a crate's top-level modules import each other in a cycle.

Each top-level module of a crate (a file `src/x.rs` or a folder `src/x/`) is a node; an edge x → y is
any `crate::y` path written inside x (in `use` lines or in full paths). `super::` inside a folder stays
within the module and is ignored. Modules listed in SHARED are the crate's ground floor (errors,
configuration, geometry, ...): they must import no capability, and every module may use them.

Usage: tools/import-cycles.py server/src app/src ...   (exit 1 and the cycle on stdout when one is found)
"""
import pathlib
import re
import sys

PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")
COMMENT = re.compile(r"//.*$", re.M)


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


def graph(src: pathlib.Path):
    mods = modules(src)
    edges = {m: set() for m in mods}
    for name, files in mods.items():
        for f in files:
            text = COMMENT.sub("", f.read_text(encoding="utf-8"))
            for target in PATH.findall(text):
                if target != name and target in mods:
                    edges[name].add(target)
    return edges


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
    print("import-cycles self-test: a cycle is found, a tree passes")


def main(args):
    if args == ["--self-test"]:
        self_test()
        return 0
    failed = False
    for root in args:
        edges = graph(pathlib.Path(root))
        cycle = find_cycle(edges)
        if cycle:
            failed = True
            print(f"{root}: import cycle: {' -> '.join(cycle)}")
            for a, b in zip(cycle, cycle[1:]):
                print(f"  {a} uses crate::{b}")
        else:
            print(f"{root}: {len(edges)} modules, {sum(map(len, edges.values()))} imports, no cycle")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["server/src", "app/src"]))
