"""--alloc-sites in a Python process: tracemalloc's live blocks per stack, sent as memkit's
AllocProfileRecord (src/samples/alloc-profile.ts) with view 'inuse' and source
'tracemalloc', so the parent's one analysis (sites, flame graph, pprof, leak sites, diff)
reads it as it reads V8's.

What tracemalloc gives, and what it does not:
 - every block Python's allocators hand out is traced (not sampled), with its stack: the
   in-use view is exact, in bytes and blocks;
 - nothing of what was freed: CPython keeps no cumulative allocation count per stack, so
   there is no allocated view (the parent says "not measured", never zero).

Started as early as memkit can (sitecustomize time, before the program's first line), with
STACK_DEPTH frames. A program that already traces (PYTHONTRACEMALLOC, -X tracemalloc, its
own tracemalloc.start()) keeps its own setting: memkit neither restarts nor stops it.

Reads: every `everyMs` on a daemon thread (what a crash leaves), at each mem-stress
checkpoint right after memkit's gc.collect(), and at the window's end after a full
collection. A read is `_tracemalloc._get_traces()` (what take_snapshot wraps, without its
objects): (domain, size, traceback most-recent-first, total frames) per live block.

Left out of the nodes, counted in ownBytes: every block with a frame in memkit's agent
(this folder, its sitecustomize): its start-up imports, its batches, its reads. The
import machinery's frames (`<frozen importlib._bootstrap>` …) are dropped from stacks, so a
module's import-time memory is at the program's `import` line. Frames carry file and line
only: each is named by the def/class enclosing its line (ast, once per file, at reads
only) and placed at that def's line, as V8 places a function at its start; module-level
code is "<module>".
"""

import ast
import gc
import os
import sys
import threading

# Frames kept per block. tracemalloc keeps the innermost ones and costs more per frame on
# every allocation (it walks the stack and interns the traceback); 32 covers a web
# framework's request stack from its handler down to the allocating line, which is where a
# site is, at about half the cost of V8's 128 (pure-Python frames are far fewer than JS's).
STACK_DEPTH = 32

_HERE = os.path.dirname(os.path.abspath(__file__))
_OWN_PREFIXES = (_HERE + os.sep, os.path.join(os.path.dirname(_HERE), "site") + os.sep)


def _is_own(filename):
    return filename.startswith(_OWN_PREFIXES)


class _Names(object):
    """(file, line) -> (qualname, the def's 1-based line, or 0 for module level)."""

    def __init__(self):
        self.by_file = {}
        self.by_frame = {}

    def defs_of(self, filename):
        defs = self.by_file.get(filename)
        if defs is None:
            defs = []
            try:
                import tokenize
                with tokenize.open(filename) as f:
                    tree = ast.parse(f.read(), filename)
                stack = [(tree, "")]
                while stack:
                    node, prefix = stack.pop()
                    for child in ast.iter_child_nodes(node):
                        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                            qual = prefix + child.name
                            end = getattr(child, "end_lineno", None) or child.lineno
                            first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                            defs.append((first, end, child.lineno, qual))
                            inner = qual + (".<locals>." if not isinstance(child, ast.ClassDef) else ".")
                            stack.append((child, inner))
                        else:
                            stack.append((child, prefix))
            except Exception:
                defs = None  # not Python source we can read: "?" at tracemalloc's line
            self.by_file[filename] = defs
        return defs

    def of(self, filename, line):
        key = (filename, line)
        known = self.by_frame.get(key)
        if known is not None:
            return known
        defs = self.defs_of(filename)
        if defs is None:
            out = ("?", line)
        else:
            best = None
            for first, end, at, qual in defs:
                if first <= line <= end and (best is None or first >= best[0]):
                    best = (first, at, qual)
            out = ("<module>", 0) if best is None else (best[2], best[1])
        self.by_frame[key] = out
        return out


class AllocSites(object):
    def __init__(self, agent, every_ms):
        self.agent = agent
        self.every_s = max(0.05, every_ms / 1000.0)
        self.seq = 0
        self.names = _Names()
        self.cwd = os.getcwd()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = None
        self.error = None

    def start_thread(self):
        thread = threading.Thread(target=self.run, name="memkit-alloc-sites")
        thread.daemon = True
        self.thread = thread
        thread.start()

    def run(self):
        try:
            while not self.stopped.wait(self.every_s):
                self.read("periodic")
        except Exception as err:
            self.agent.fail(err)

    def stop(self):
        self.stopped.set()

    def read(self, why):
        """One in-use record, sent. Never raises into the program: a failure is said once."""
        with self.lock:
            try:
                import _tracemalloc
                if not _tracemalloc.is_tracing():
                    if self.error is None:
                        self.error = "the program stopped tracemalloc"
                        sys.stderr.write("memkit: --alloc-sites has no in-use profile from here on: %s\n" % self.error)
                    return
                traces = _tracemalloc._get_traces()
                record = self.encode(traces, why)
                del traces
                self.agent.send(record)
            except Exception as err:
                self.agent.fail(err)

    def encode(self, traces, why):
        # Live blocks per stack: tracebacks are interned by tracemalloc, so equal ones hash fast.
        per_stack = {}
        own_bytes = 0
        for trace in traces:
            size = trace[1]
            tb = trace[2]
            own = False
            for frame in tb:
                if _is_own(frame[0]):
                    own = True
                    break
            if own:
                own_bytes += size
                continue
            entry = per_stack.get(tb)
            if entry is None:
                per_stack[tb] = [size, 1]
            else:
                entry[0] += size
                entry[1] += 1
        strings = []
        string_index = {}

        def s(text):
            i = string_index.get(text)
            if i is None:
                i = len(strings)
                strings.append(text)
                string_index[text] = i
            return i

        frames = {"name": [], "url": [], "line": [], "col": [], "script": []}
        frame_index = {}
        nodes = {"parent": [-1], "frame": [-1], "bytes": [0], "objects": [0]}
        child_index = {}
        names = self.names
        cwd = self.cwd
        for tb, (size, count) in per_stack.items():
            node = 0
            for filename, line in reversed(tb):  # root (outermost) first
                if filename.startswith("<frozen "):
                    continue
                path = filename if filename.startswith("<") else os.path.join(cwd, filename)
                qual, def_line = names.of(path, line)
                fkey = (path, qual, def_line)
                f = frame_index.get(fkey)
                if f is None:
                    f = len(frames["name"])
                    frames["name"].append(s(qual))
                    frames["url"].append(s(path))
                    frames["line"].append(def_line - 1)  # 0-based, as V8's
                    frames["col"].append(0)
                    frames["script"].append(1)
                    frame_index[fkey] = f
                ckey = (node, f)
                child = child_index.get(ckey)
                if child is None:
                    child = len(nodes["parent"])
                    nodes["parent"].append(node)
                    nodes["frame"].append(f)
                    nodes["bytes"].append(0)
                    nodes["objects"].append(0)
                    child_index[ckey] = child
                node = child
            nodes["bytes"][node] += size
            nodes["objects"][node] += count
        seq = self.seq
        self.seq += 1
        return {
            "type": "alloc-profile", "tMs": self.agent.now(), "seq": seq, "why": why, "steps": 0,
            "source": "tracemalloc", "view": "inuse", "intervalBytes": 1,
            "strings": strings, "frames": frames, "nodes": nodes, "ownBytes": own_bytes,
        }

    def read_at_end(self):
        """After a full collection (the cycles the program dropped are not in use), as the Node agent's end read."""
        self.stop()
        gc.collect()
        self.read("end")


def start_tracing():
    """tracemalloc on, before the program's first line; a program's own tracing is left as it is."""
    import _tracemalloc  # the C module: the tracemalloc package would import pickle, fnmatch… into the program
    if not _tracemalloc.is_tracing():
        _tracemalloc.start(STACK_DEPTH)


def from_config(agent, config):
    sites = config.get("allocSites")
    if not sites:
        return None
    start_tracing()
    return AllocSites(agent, float(sites.get("everyMs") or 10000))
