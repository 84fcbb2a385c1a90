#!/usr/bin/env python3
"""The layout docs/architecture.md describes, checked against the tree.

1. Layers: in src/, a file includes only its own layer and those before it:
   foundation (src/config/, config.h, log.h, pixfmt.h, version.h) ->
   capture/ -> encode/ -> tick/ -> stream/ -> the shell (main, daemon,
   stats, notify, features_cli). lib/ and include/camcast/ include nothing from src/;
   viewer/ and bench/ include nothing from src/ either (they link the
   client library alone).
2. docs/architecture.md names every source file of src/, lib/ and
   include/camcast/ (a table row or a path in its text).

Usage: test_layout.py SOURCE_ROOT. Exit 0 when both hold, 1 with every
breach listed.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

# Layer of a path relative to src/, lowest first.
LAYERS = ["foundation", "capture", "encode", "tick", "stream", "shell"]
FOUNDATION = {"clock.h", "config.h", "config.c", "log.h", "log.c", "pixfmt.h", "pixfmt.c",
              "version.h"}
SHELL = {"main.c", "daemon.h", "daemon.c", "stats.h", "stats.c", "notify.h",
         "notify.c", "features_cli.h", "features_cli.c"}


def layer_of(rel):
    top = rel.split("/", 1)[0]
    if "/" not in rel:
        if rel in FOUNDATION:
            return 0
        if rel in SHELL:
            return 5
        return None
    if top == "config":
        return 0
    return LAYERS.index(top) if top in LAYERS else None


def sources(*dirs):
    for d in dirs:
        base = os.path.join(ROOT, d)
        for dirpath, _, files in os.walk(base):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, f), ROOT)


def resolve(including, inc):
    """The src/-relative path an include names, or None (not in src/)."""
    here = os.path.dirname(including)
    for cand in (os.path.join(here, inc), os.path.join(ROOT, "src", inc)):
        if os.path.isfile(cand):
            rel = os.path.relpath(cand, os.path.join(ROOT, "src"))
            return None if rel.startswith("..") else rel
    return None


def check_layers(errors):
    for path in sources("src"):
        rel = os.path.relpath(path, "src")
        mine = layer_of(rel)
        if mine is None:
            errors.append(f"{path}: in no layer (add it to tests/test_layout.py)")
            continue
        text = open(os.path.join(ROOT, path), encoding="utf-8").read()
        for inc in INCLUDE.findall(text):
            target = resolve(os.path.join(ROOT, path), inc)
            if target is None:
                continue
            theirs = layer_of(target)
            if theirs is not None and theirs > mine:
                errors.append(f"{path} ({LAYERS[mine]}) includes {inc} "
                              f"({LAYERS[theirs]}): a later layer")
    for path in sources("lib", "include", "viewer", "bench"):
        text = open(os.path.join(ROOT, path), encoding="utf-8").read()
        top = path.split("/", 1)[0]
        own = [os.path.dirname(path), top, "include", "include/camcast"]
        for inc in INCLUDE.findall(text):
            mine = any(os.path.isfile(os.path.join(ROOT, d, inc)) for d in own)
            if not mine and os.path.isfile(os.path.join(ROOT, "src", inc)):
                errors.append(f"{path} includes {inc} from src/")


def check_docs(errors):
    """A module counts as named when its .c or .h is (`mux.c` names
    mux.h too); a header without a .c must be named itself."""
    doc = open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8").read()
    named = {os.path.basename(n) for n in re.findall(r"[\w/.-]+\.[ch]\b", doc)}
    files = list(sources("src", "lib", "include/camcast"))
    for path in files:
        base = os.path.basename(path)
        stem = base[:-2]
        if base in named or (stem + ".c") in named or (stem + ".h") in named:
            continue
        errors.append(f"docs/architecture.md does not name {path}")


def main():
    errors = []
    check_layers(errors)
    check_docs(errors)
    for e in errors:
        print("FAIL:", e)
    n = sum(1 for _ in sources("src", "lib", "include", "viewer", "bench"))
    print(f"{'FAIL' if errors else 'PASS'} test_layout.py: {n} files, "
          f"{len(errors)} breaches")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
