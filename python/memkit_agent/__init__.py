"""memkit's agent inside a measured Python process: pure standard library.

It records every collection through gc.callbacks (generation, start, pause, collected,
uncollectable) into columns in memory and sends them to memkit over the run's Unix
socket (MEMKIT_CHANNEL), one JSON line per message, in the dialect of memkit's Node agent
(src/samples/protocol.ts): hello, mark, gc batches, done. It computes nothing.

The measured window runs from the first line of the program's __main__ code (found with a
one-shot profile hook, removed at once) to memkit's atexit handler, which Python runs
after every handler the program registered (atexit is last in, first out and this one is
registered at start-up). Collections before the window (interpreter start-up, site, this
agent) are sent too, and left out by memkit's analysis.

Every failure is caught: the program's output, exit code and behaviour stay its own; the
agent says once on stderr, with a `memkit:` prefix, that it stopped.
"""

import atexit
import gc
import json
import os
import signal
import socket
import sys
import threading
import time

from . import checkpoints as _checkpoints
from . import pymem as _pymem
from . import child_exits
from . import fork
from .fork import own_start_ticks
from . import tuning

# memkit's GcKind codes for CPython's generations (V8's GCType bits are 1..16).
_KIND_BY_GENERATION = (256, 512, 1024)

_state = None


_perf_counter = time.perf_counter


def _epoch_offset_ms():
    # One monotonic axis in epoch milliseconds, as the Node agent's clock (a GC's start is
    # never before a mark read earlier): offset + perf_counter() * 1000.
    return time.time() * 1000.0 - _perf_counter() * 1000.0


def _command_line():
    """The interpreter's own command line, as /proc/<pid>/cmdline would say it after any exec:
    sys.orig_argv (3.10+), else the interpreter and sys.argv (3.6 sets sys.argv after site)."""
    orig = getattr(sys, "orig_argv", None)
    if orig:
        return list(orig)
    return [sys.executable] + list(getattr(sys, "argv", None) or [])


class _Agent(object):
    def __init__(self, path, config):
        self.pid = os.getpid()
        self.path = path
        self.config = config
        self.role = "process"  # "fork" in a forked child (fork.py)
        self.exit_code = None
        self.epoch_offset_ms = _epoch_offset_ms()
        offset = self.epoch_offset_ms
        self.now = lambda: offset + _perf_counter() * 1000.0
        self.interval_ms = float(config.get("intervalMs", 100))
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.broken = False
        # The gc callback (any thread) and mem-stress's checkpoint thread both send; re-entrant
        # because a collection can start inside send() and flush from its callback.
        self.send_lock = threading.RLock()
        self.checkpoints = None
        self.alloc_sites = None  # --alloc-sites (alloc_sites.py)
        self.pymem = _pymem.PyMemSamples()
        self.lost = 0
        self.finished = False
        self.warned = False
        # From a collection's 'start' callback to the end of its 'stop' callback: a signal
        # handler can run in between (in this callback's Python code, or in a __del__ the
        # collection calls), and must not end the record half-way.
        self.in_gc = False
        self.pending_term = False
        # The batch's columns, filled in place and cleared in place after each send.
        self.t = []
        self.kind = []
        self.pause = []
        self.collected = []
        self.uncollectable = []
        self.src = []
        self.counts = [0, 0, 0]
        self.started_at = 0.0
        self.started_perf = 0.0
        self.last_send = self.now()
        self.window_start = [None]
        self.stats_at_start = None

    # -- the wire ---------------------------------------------------------------------
    def send(self, message):
        if self.broken:
            self.lost += 1
            return
        try:
            with self.send_lock:
                self.sock.sendall((json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8"))
        except Exception:
            self.broken = True
            self.lost += 1

    def hello(self):
        message = {
            "type": "hello",
            "runtime": "python",
            "python": "%d.%d.%d" % sys.version_info[:3],
            "pythonImplementation": sys.implementation.name,
            "pid": self.pid,
            "ppid": os.getppid(),
            "tMs": self.now(),
            "node": "",
            "v8": "",
            "execArgv": [],
            "heapSizeLimitBytes": 0,
            "constrainedMemoryBytes": None,
            "mode": "preload",
            "threadId": 0,
            "isMainThread": True,
            "role": self.role,
            "argv": _command_line(),
            "gcThresholds": list(gc.get_threshold()),
        }
        ticks = own_start_ticks()
        if ticks is not None:
            message["startTicks"] = ticks  # joins this hello to the sampler's /proc record
        self.send(message)

    # -- collections ------------------------------------------------------------------
    def on_gc(self, phase, info):
        # Runs twice per collection, on the program's time: one clock read per phase (two
        # when the interval is up), no system call, no method call unless mem-stress's
        # checkpoints run (bench/python-agent-instructions.mjs measures what is left).
        try:
            if phase == "start":
                self.in_gc = True
                perf = _perf_counter()
                # Sent by this collection's flush; not at memkit's own collections (their counts are memkit's doing).
                if self.epoch_offset_ms + perf * 1000.0 - self.last_send >= self.interval_ms and not self.is_memkit(info):
                    self.pymem.take(self.epoch_offset_ms + perf * 1000.0, _pymem.AT_COLLECTION)
                    perf = _perf_counter()
                self.started_perf = perf
                return
            started = self.started_perf
            if started == 0.0:
                return
            self.pause.append((_perf_counter() - started) * 1000.0)
            self.started_perf = 0.0
            started_at = self.epoch_offset_ms + started * 1000.0
            gen = info["generation"]
            self.t.append(started_at)
            self.kind.append(_KIND_BY_GENERATION[gen] if 0 <= gen < 3 else 0)
            self.collected.append(info["collected"])
            self.uncollectable.append(info["uncollectable"])
            checkpoints = self.checkpoints
            self.src.append(1 if checkpoints is not None and checkpoints.is_memkit_collection(gen) else 0)
            if 0 <= gen < 3:
                self.counts[gen] += 1
            if started_at - self.last_send >= self.interval_ms:
                self.flush()
        except Exception as err:
            self.fail(err)
        finally:
            if phase != "start":
                self.in_gc = False
                if self.pending_term:
                    _terminate()

    def is_memkit(self, info):
        return self.checkpoints is not None and self.checkpoints.is_memkit_collection(info.get("generation", 0))

    def flush(self):
        self.last_send = self.now()
        if os.getpid() != self.pid:
            # A fork no at-fork hook saw (a C extension's fork()): this copy is the parent's, not ours to send.
            for column in (self.t, self.kind, self.pause, self.collected, self.uncollectable, self.src):
                del column[:]
            return
        self.send_marks()
        pymem = self.pymem.message()
        if pymem is not None:
            self.send(pymem)
        n = len(self.t)
        if n == 0:
            return
        minus = [-1] * n
        zeros = [0] * n
        self.send({
            "type": "gc",
            "tMs": self.t,
            "kind": self.kind,
            "pauseMs": self.pause,
            "flags": zeros,
            "usedBefore": minus,
            "usedAfter": minus,
            "totalAfter": minus,
            "src": self.src,
            "collected": self.collected,
            "uncollectable": self.uncollectable,
        })
        for column in (self.t, self.kind, self.pause, self.collected, self.uncollectable, self.src):
            del column[:]

    def send_marks(self):
        start = self.window_start[0]
        if start is not None and start is not True:
            self.window_start[0] = True
            self.send({"type": "mark", "label": "measure-start", "tMs": start, "steps": 0})
            self.send({"type": "mark", "label": "program-start", "tMs": start, "steps": 0})

    # -- the window's start: the first frame of __main__ --------------------------------
    def watch_program_start(self, on_start=None):
        slot = self.window_start
        now = self.now

        def hook(frame, event, arg):
            if event == "call" and frame.f_code.co_name == "<module>" and frame.f_globals.get("__name__") == "__main__":
                sys.setprofile(None)
                if on_start is not None:
                    on_start()  # gc.freeze (tuning.py): before the window opens, so its own cost is outside it
                slot[0] = now()  # a float: nothing the collector tracks is allocated past this point

        sys.setprofile(hook)

    # -- the end -----------------------------------------------------------------------
    def finish(self, reason="exit"):
        if self.finished or os.getpid() != self.pid:
            return
        self.finished = True
        end_ms = self.now()
        if self.checkpoints is not None:
            self.checkpoints.stop()
        try:
            gc.callbacks.remove(self.on_gc)
        except ValueError:
            pass
        if sys.getprofile() is not None and self.window_start[0] is None:
            sys.setprofile(None)
        if self.window_start[0] is None:
            # The program's first frame was never seen (another profiler replaced the hook):
            # the window is the agent's whole life, and the report's start-up is empty.
            self.window_start[0] = self.now_at_load
        self.pymem.take(end_ms, _pymem.AT_END)
        self.flush()
        stats_now = gc.get_stats()
        # Collections the callbacks missed (another callback raised before ours, a fork): expected 0.
        desync = 0
        for gen in range(min(3, len(stats_now))):
            seen = stats_now[gen]["collections"] - self.stats_at_start[gen]["collections"]
            desync += abs(seen - self.counts[gen])
        if self.alloc_sites is not None:
            self.alloc_sites.read_at_end()  # its collection after the count above: not the program's
        self.send({"type": "mark", "label": "measure-end", "tMs": end_ms, "steps": 0})
        done = {"type": "done", "tMs": self.now(), "steps": 0, "reason": reason, "gcDesync": desync}
        if self.exit_code is not None:
            done["exitCode"] = self.exit_code  # known at os._exit (fork.py); a forked child's parent tells memkit nothing
        if self.lost:
            done["lostMessages"] = self.lost
        self.send(done)
        try:
            self.sock.close()
        except Exception:
            pass

    def fail(self, err):
        try:
            gc.callbacks.remove(self.on_gc)
        except Exception:
            pass
        if not self.warned:
            self.warned = True
            try:
                sys.stderr.write("memkit: the Python agent stopped (%s: %s); the program goes on unmeasured\n" % (type(err).__name__, err))
            except Exception:
                pass


def _on_sigterm(signum, frame):
    """memkit ends a program at the end of --duration with SIGTERM: keep the last batch, then
    die of the signal as the program would have (it had no handler of its own)."""
    agent = _state
    if agent is not None and agent.in_gc:
        agent.pending_term = True  # the collection's 'stop' callback finishes, then ends the process
        return
    _terminate()


def _terminate():
    try:
        if _state is not None:
            _state.finish("stopped")
    except Exception:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def start():
    global _state
    path = os.environ.get("MEMKIT_CHANNEL")
    if not path or _state is not None:
        return
    config = json.loads(os.environ.get("MEMKIT_AGENT") or "{}")
    # A sweep's setting first, so hello's gcThresholds are the ones the program runs with.
    tuning.apply_at_start(config)
    agent = _Agent(path, config)
    agent.now_at_load = agent.now()
    _state = agent
    agent.hello()
    agent.stats_at_start = gc.get_stats()
    gc.callbacks.append(agent.on_gc)
    # Tracing on before the program's first line (and before the checkpoints' first reading).
    if config.get("allocSites"):
        from . import alloc_sites as _alloc_sites  # only with --alloc-sites: its start-up cost is no one else's

        agent.alloc_sites = _alloc_sites.from_config(agent, config)
    agent.watch_program_start(tuning.at_program_start(config))
    agent.checkpoints = _checkpoints.from_config(agent, config)
    if agent.checkpoints is not None:
        agent.checkpoints.start()
    if agent.alloc_sites is not None:
        agent.alloc_sites.start_thread()
    atexit.register(_finish_at_exit)
    fork.install(sys.modules[__name__])  # a forked child measures itself
    child_exits.install(sys.modules[__name__])  # its children's exit status, as it reaps them
    try:
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
    except Exception:
        pass  # not the main thread, or no SIGTERM here


def _finish_at_exit():
    try:
        if _state is not None:
            _state.finish()
    except Exception as err:
        try:
            sys.stderr.write("memkit: the Python agent could not send its last batch (%s: %s)\n" % (type(err).__name__, err))
        except Exception:
            pass
