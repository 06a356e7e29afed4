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

import gc
import os
import sys
import threading

# ast and bisect are imported at the first read: a run without --alloc-sites loads nothing more.

# Frames kept per block. tracemalloc keeps the innermost ones and costs more per frame on
# every allocation (it walks the stack and interns the traceback); 32 covers a web
# framework's request stack from its handler down to the allocating line, which is where a
# site is, at about half the cost of V8's 128 (pure-Python frames are far fewer than JS's).
STACK_DEPTH = 32

_HERE = os.path.dirname(os.path.abspath(__file__))
_OWN_PREFIXES = (_HERE + os.sep, os.path.join(os.path.dirname(_HERE), "site") + os.sep)


def _is_own(filename):
    return filename.startswith(_OWN_PREFIXES)


_UNREAD = object()
_STATEMENT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _defs_from_source(filename):
    """(first line, last line, the def's line, qualname) per def and class, with ast; None when
    the file is not Python source we can read ("?" at tracemalloc's line)."""
    import ast
    try:
        import tokenize
        with tokenize.open(filename) as f:
            tree = ast.parse(f.read(), filename)
    except Exception:
        return None
    defs = []
    # Only statement lists: a def or class is a statement, and walking every expression
    # node costs more than the parse itself.
    stack = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for field in _STATEMENT_FIELDS:
            for child in getattr(node, field, None) or ():
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    qual = prefix + child.name
                    end = getattr(child, "end_lineno", None) or child.lineno
                    # Its first line, decorators included: where CPython's co_firstlineno is.
                    first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                    defs.append([first, end, first, qual])
                    inner = qual + (".<locals>." if not isinstance(child, ast.ClassDef) else ".")
                    stack.append((child, inner))
                elif isinstance(child, ast.AST):
                    stack.append((child, prefix))
    return defs


def _defs_from_bytecode_cache(filename):
    """The same from the file's up-to-date .pyc (what import wrote): its code objects carry
    each def's name, first line and lines, and unmarshalling is about a hundred times cheaper
    than parsing (the standard library's large modules took ~0.1 s each to parse under load,
    paid again in every process of a tree). None without a current .pyc: the source then."""
    try:
        import importlib.util
        import marshal
        pyc = importlib.util.cache_from_source(filename)
        with open(pyc, "rb") as f:
            data = f.read()
        flags = int.from_bytes(data[4:8], "little")
        if data[:4] != importlib.util.MAGIC_NUMBER or flags != 0:
            return None  # another interpreter's, or hash-based: not checked here
        st = os.stat(filename)
        if int.from_bytes(data[8:12], "little") != (int(st.st_mtime) & 0xFFFFFFFF) or int.from_bytes(data[12:16], "little") != (st.st_size & 0xFFFFFFFF):
            return None  # stale: the source changed since
        module = marshal.loads(data[16:])
    except Exception:
        return None
    if not hasattr(module, "co_lines"):
        return None  # before 3.10: no line table to find a def's last line in; the source says
    defs = []
    stack = [(module, "")]
    code_type = type(module)
    while stack:
        code, prefix = stack.pop()
        for const in code.co_consts:
            if not isinstance(const, code_type):
                continue
            qual = getattr(const, "co_qualname", None) or prefix + const.co_name
            if not const.co_name.startswith("<"):  # not a lambda, comprehension or genexpr: their def's
                # The last line: computed when a lookup reaches this def (_Names.of), since it
                # walks every instruction and most defs of a file are never asked about.
                defs.append([const.co_firstlineno, const, const.co_firstlineno, qual])
                # CO_NEWLOCALS: a function (its inner defs are <locals>); a class body has none.
                stack.append((const, qual + (".<locals>." if const.co_flags & 0x2 else ".")))
            else:
                stack.append((const, prefix))
    return defs


def _last_line(code):
    last = code.co_firstlineno
    for _, _, line in code.co_lines():
        if line is not None and line > last:
            last = line
    return last


class _Names(object):
    """(file, line) -> (qualname, the def's 1-based line, or 0 for module level)."""

    def __init__(self):
        self.by_file = {}
        self.starts = {}
        self.by_frame = {}

    def defs_of(self, filename):
        defs = self.by_file.get(filename, _UNREAD)
        if defs is _UNREAD:
            defs = _defs_from_bytecode_cache(filename)
            if defs is None:
                defs = _defs_from_source(filename)
            if defs is not None:
                defs.sort(key=lambda d: d[0])
                self.starts[filename] = [d[0] for d in defs]
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
            # defs sorted by first line: the innermost def around `line` is the last one that
            # starts at or before it and has not ended (an enclosing def starts earlier).
            import bisect
            i = bisect.bisect_right(self.starts[filename], line) - 1
            out = ("<module>", 0)
            while i >= 0:
                d = defs[i]
                if not isinstance(d[1], int):
                    d[1] = _last_line(d[1])
                first, end, at, qual = d
                if end >= line:
                    out = (qual, at)
                    break
                i -= 1
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
        # Keyed by the traceback's id: tracemalloc interns tracebacks (one object per distinct
        # stack, alive while `traces` is), and hashing a 32-frame tuple per block costs more.
        per_stack = {}
        own_bytes = 0
        for trace in traces:
            size = trace[1]
            tb = trace[2]
            entry = per_stack.get(id(tb))
            if entry is None:
                own = False
                for frame in tb:
                    if _is_own(frame[0]):
                        own = True
                        break
                entry = per_stack[id(tb)] = [tb, own, 0, 0]
            entry[2] += size
            entry[3] += 1
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
        for tb, own, size, count in per_stack.values():
            if own:
                own_bytes += size
                continue
            node = 0
            for filename, line in reversed(tb):  # root (outermost) first
                if filename.startswith("<frozen "):
                    continue
                path = filename if filename.startswith("<") else os.path.join(cwd, filename)
                if filename == "<unknown>":
                    qual, def_line = "(no Python frame)", 0  # allocated with no Python code running
                else:
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
            if node == 0:
                # Only the import machinery's frames (dropped above): one frame that says so, so
                # every block is under a frame (pprof and folded stacks have no root value).
                f = frame_index.get("import")
                if f is None:
                    f = len(frames["name"])
                    frames["name"].append(s("(import machinery)"))
                    frames["url"].append(s(tb[0][0] if tb else "<unknown>"))
                    frames["line"].append(-1)
                    frames["col"].append(0)
                    frames["script"].append(1)
                    frame_index["import"] = f
                ckey = (0, f)
                node = child_index.get(ckey)
                if node is None:
                    node = len(nodes["parent"])
                    nodes["parent"].append(0)
                    nodes["frame"].append(f)
                    nodes["bytes"].append(0)
                    nodes["objects"].append(0)
                    child_index[ckey] = node
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
