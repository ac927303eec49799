#!/usr/bin/env python3
"""fs_layers_test.py - fs/ calls in one direction: no file reaches back to a file that includes it.

Each fs/ file includes the headers of the files it calls (the compiler refuses a call without
its prototype: -Werror=implicit-function-declaration), so the include lines are the call graph.
A header belongs to the .c files that define what it declares (session.h: passthrough_api.c or
passthrough_raw.c; ops.h: the four *_ops.c files); fs_state.h (shared structs), kernel_abi.h and
fs.h (the outside's) belong to none. Checked here:
  - every function a module header declares is defined in one of its files;
  - the graph of "X.c includes a header of Y.c" has no cycle (printed when it has one);
  - no file but fs.c includes ops.h (the operations are the top: only the tables point at them).
Usage: fs_layers_test.py FS_DIR
"""
import os
import re
import sys

SHARED = {"fs_state.h", "kernel_abi.h", "fs.h"}


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def declared(header_text):
    """Names of the functions a header declares (prototypes only, not macros or types)."""
    text = strip_comments(header_text)
    return set(re.findall(r"^[a-z][^;(]*?\b(fs_\w+)\s*\([^;]*\);", text, re.M | re.S))


def defined(c_text):
    text = strip_comments(c_text)
    return set(re.findall(r"^(?:[a-z][\w ]*?[ *])(fs_\w+)\s*\([^;{]*\)\s*\{", text, re.M | re.S))


def main(fs_dir):
    sources = {f: open(os.path.join(fs_dir, f)).read() for f in os.listdir(fs_dir) if f.endswith(".c")}
    headers = {f: open(os.path.join(fs_dir, f)).read() for f in os.listdir(fs_dir)
               if f.endswith(".h") and f not in SHARED}
    defs = {c: defined(text) for c, text in sources.items()}
    owners, problems = {}, []
    for h, text in sorted(headers.items()):
        names = declared(text)
        owners[h] = {c for c, d in defs.items() if d & names}
        for name in sorted(names):
            if not any(name in defs[c] for c in owners[h]):
                problems.append("%s declares %s, which no fs/ file defines" % (h, name))
    edges = {c: set() for c in sources}
    for c, text in sources.items():
        for h in re.findall(r'^#include "([^"]+)"', text, re.M):
            if h == "ops.h" and c != "fs.c" and c not in owners.get(h, ()):
                problems.append("%s includes ops.h: only fs.c's tables point at the operations" % c)
            for owner in owners.get(h, ()):
                if owner != c and c not in owners[h]:
                    edges[c].add(owner)
    # a cycle, by depth-first search
    state, stack = {}, []

    def visit(c):
        state[c] = "open"
        stack.append(c)
        for d in sorted(edges[c]):
            if state.get(d) == "open":
                cycle = stack[stack.index(d):] + [d]
                problems.append("import circle: " + " -> ".join(cycle))
            elif d not in state:
                visit(d)
        stack.pop()
        state[c] = "done"

    for c in sorted(sources):
        if c not in state:
            visit(c)
    if len(sources) < 10 or not edges["fs.c"]:
        problems.append("fs/ looks wrong here (%d files): nothing was checked" % len(sources))
    for p in problems:
        print("FAIL: " + p)
    if not problems:
        print("fs/: %d files, %d headers, %d include edges, no circle" %
              (len(sources), len(headers), sum(len(e) for e in edges.values())))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "fs"))
