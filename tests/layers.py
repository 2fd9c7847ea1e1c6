"""The layers of lib/ (the Makefile's LIB_LAYERS, bottom up): a file in
lib/<layer>/ includes only headers of its own layer and of the layers below
it, and every quoted include of lib/, cgi-bin/ and tools/ names a header
that exists. Run by tests/run.py as one check; also usable alone:

    python3 tests/layers.py      # prints the violations, exits 1 if any
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
GENERATED = {"queries.h": "db"}   # build/gen/queries.h belongs to the db layer


def layers(root):
    mk = open(os.path.join(root, "Makefile")).read()
    m = re.search(r"^LIB_LAYERS\s*:=\s*(.+)$", mk, re.M)
    return m.group(1).split() if m else []


def problems(root):
    order = layers(root)
    if not order:
        return ["the Makefile names no LIB_LAYERS"]
    rank = {name: i for i, name in enumerate(order)}
    where = dict(GENERATED)
    for layer in order:
        d = os.path.join(root, "lib", layer)
        for f in os.listdir(d) if os.path.isdir(d) else []:
            if f.endswith(".h"):
                if f in where:
                    return [f"lib/{layer}/{f}: a header of that name is also in lib/{where[f]}/"]
                where[f] = layer
    out = []
    for top in os.listdir(os.path.join(root, "lib")):
        if os.path.isdir(os.path.join(root, "lib", top)) and top not in rank:
            out.append(f"lib/{top}/ is not a layer of LIB_LAYERS")
    for base, _, files in os.walk(root):
        rel = os.path.relpath(base, root)
        if not (rel == "lib" or rel.startswith(("lib/", "cgi-bin", "tools"))):
            continue
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(rel, f)
            own = rel.split("/")[1] if rel.startswith("lib/") else None
            if rel == "lib":
                out.append(f"{path}: lib/ files live in a layer's folder")
                continue
            text = open(os.path.join(base, f), errors="replace").read()
            for inc in INCLUDE.findall(text):
                name = os.path.basename(inc)
                local = os.path.exists(os.path.join(base, inc))
                if own is None:
                    if not local and name not in where:
                        out.append(f"{path}: includes \"{inc}\", which is no header of lib/")
                    continue
                if name not in where:
                    if not local:
                        out.append(f"{path}: includes \"{inc}\", which is no header of lib/")
                    continue
                if rank[where[name]] > rank[own]:
                    out.append(f"{path} ({own}) includes {name} of the higher layer "
                               f"{where[name]}")
    return out


if __name__ == "__main__":
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = problems(here)
    for p in found:
        print(p)
    sys.exit(1 if found else 0)
