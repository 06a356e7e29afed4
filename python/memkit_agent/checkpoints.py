"""mem-stress's forced checkpoints inside a measured Python process (the Python side of
src/agent/command-checkpoints.ts): a reading at the window's start, one at the end of the
warm-up, then one every `gcCheckpointEveryMs`; each is gc.collect() (a full collection) and
then the live memory, sent as a 'gc-checkpoint' / 'warmup-end' mark. Only when memkit asks
(gc-profile does not, and the program then sees no collection of memkit's).

The live figure, in bytes (the leak verdict's thresholds are bytes):
 - tracemalloc's traced memory (`get_traced_memory()[0]`) when the program runs with
   tracemalloc on (PYTHONTRACEMALLOC=1, -X tracemalloc, or tracemalloc.start()): the bytes
   Python's allocators hold for live objects. memkit never turns it on: it slows a program
   2-4x;
 - otherwise the process's resident memory read right after the collection
   (/proc/self/statm): a real byte figure that includes what C extensions hold, but an upper
   bound on what is live (pymalloc keeps freed arenas) - a leak shows once it grows past
   the program's earlier peak. sys.getallocatedblocks() is sent along, as a count: it is
   not bytes (a block is 8 to 512 bytes, larger objects are not blocks at all).

The timer is a daemon thread that sleeps between readings. Why a thread: Python has no
event loop to put a timer on; a SIGALRM timer would interrupt the program's system calls
and collide with its own alarm()/setitimer(); a profile hook would cost every call and
never fire in a loop that makes none. The collection takes the GIL, so it runs between
two bytecodes of the program, as a collection its own allocations trigger would. What
the thread changes: threading.enumerate() lists one more (daemon) thread,
'memkit-checkpoints', and finalizers of the garbage memkit's collections find run on it.
Its collections are tagged as memkit's (src=1 in the gc batch, as the Node agent's), so the
program's counts and pauses leave them out.
"""

import gc
import os
import sys
import threading
import time

from .pymem import AT_CHECKPOINT

_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss_bytes():
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_BYTES
    except Exception:
        return None


def live_reading():
    """(live bytes, the figure's name), right after a collection; (None, None) when this
    platform has neither tracemalloc tracing nor /proc."""
    # The C module: PYTHONTRACEMALLOC / -X tracemalloc start tracing without importing the
    # tracemalloc package, and importing a built-in module allocates nothing worth naming.
    try:
        import _tracemalloc
        if _tracemalloc.is_tracing():
            return _tracemalloc.get_traced_memory()[0], "tracemalloc"
    except ImportError:
        pass
    rss = _rss_bytes()
    if rss is not None:
        return rss, "rss"
    return None, None


class Checkpoints(object):
    def __init__(self, agent, every_ms, warmup_ms):
        self.agent = agent
        self.every_s = every_ms / 1000.0
        self.warmup_s = max(0.0, warmup_ms / 1000.0)
        self.stopped = threading.Event()
        self.thread = None
        # Set while memkit's own gc.collect() runs on the checkpoint thread: the gc callback
        # tags that collection as memkit's. Only around the call: memkit's other allocations
        # on this thread (its reading, its message) can trigger an automatic collection,
        # which the program's gc.get_stats() counts as its own, and so does memkit.
        self.collecting_ident = None
        self.count = 0

    def is_memkit_collection(self, generation):
        return generation == 2 and self.collecting_ident is not None and self.collecting_ident == threading.get_ident()

    def mark(self, label):
        if self.stopped.is_set():
            return
        agent = self.agent
        agent.pymem.take(agent.now(), AT_CHECKPOINT)
        self.collect()
        self.count += 1
        live, source = live_reading()
        message = {"type": "mark", "label": label, "tMs": agent.now(), "steps": 0}
        if live is not None:
            message["heapUsedAfterGcBytes"] = live
            message["externalAfterGcBytes"] = 0
            message["liveSource"] = source
        else:
            message["liveSource"] = "none"  # neither /proc nor tracemalloc: the verdict says so
        rss = _rss_bytes()
        if rss is not None:
            message["rssBytes"] = rss
        message["pythonAllocatedBlocks"] = sys.getallocatedblocks()
        agent.send(message)
        if agent.alloc_sites is not None:
            agent.alloc_sites.read("checkpoint")  # right after memkit's collection: what is alive
        # Now, not with the next gc batch: a program that never collects sends none.
        samples = agent.pymem.message()
        if samples is not None:
            agent.send(samples)

    def collect(self):
        """A full collection, for sure. gc.collect() does nothing while another collection is
        under way, and the GIL can pass to this thread in the middle of one (between two
        bytecodes of a gc callback or of a __del__ it calls): then let the program's collection
        end and ask again."""
        for _ in range(1000):
            before = gc.get_stats()[2]["collections"]
            self.collecting_ident = threading.get_ident()
            try:
                gc.collect()
            finally:
                self.collecting_ident = None
            if gc.get_stats()[2]["collections"] != before:
                return
            time.sleep(0.001)
        raise RuntimeError("gc.collect() did not run for a second")

    def run(self):
        try:
            if self.stopped.wait(self.warmup_s):
                return
            self.mark("warmup-end")
            while not self.stopped.wait(self.every_s):
                self.mark("gc-checkpoint")
        except Exception as err:
            self.agent.fail(err)

    def start(self):
        """The first reading now (the window's start), then the warm-up and checkpoint timer."""
        self.mark("gc-checkpoint")
        thread = threading.Thread(target=self.run, name="memkit-checkpoints")
        thread.daemon = True  # the program's exit is its own
        self.thread = thread
        thread.start()

    def stop(self):
        self.stopped.set()
        # A checkpoint under way ends first, and its collection's record with it, before the
        # agent's last batch: at the agent's finish the main thread could otherwise send that
        # batch between the collection and its 'stop' callback's append (a gunicorn worker's
        # last checkpoint went missing so). Bounded: a stop from inside one of the program's
        # collections cannot let this thread's gc.collect() run.
        thread = self.thread
        if thread is not None and thread is not threading.current_thread() and thread.is_alive():
            thread.join(0.5)


def from_config(agent, config):
    """None when the run asks for no checkpoints (gc-profile)."""
    every = config.get("gcCheckpointEveryMs")
    if not every or every <= 0:
        return None
    return Checkpoints(agent, float(every), float(config.get("warmupMs") or 0))
