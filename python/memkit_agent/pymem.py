"""The interpreter's own memory figures over time, sent as 'py-mem' records beside the gc
batches: sys.getallocatedblocks() (pymalloc's blocks in use: a count, not bytes) and
gc.get_count() (what each generation has gathered toward its threshold).

Read when a collection of the program's starts, at most once per --interval (from the gc
callback, as the batches are sent: no thread, nothing read while the program does not
collect), at each of mem-stress's checkpoints before memkit's collection (so a program
that allocates no container, and never collects, is read too), and once at the program's
end. The `at` column says which: AT_COLLECTION, AT_CHECKPOINT, AT_END. At a collection's start the counts are the ones that triggered it
(gen0 at its threshold, gen1/gen2 the younger collections since the older one's last), and
the blocks are the program's before the collection frees any. getallocatedblocks() walks
pymalloc's pools (microseconds for a small heap, about a millisecond per GB): it is read
before the pause's clock starts.
"""

import gc
import sys


AT_COLLECTION = 0
AT_CHECKPOINT = 1
AT_END = 2


class PyMemSamples(object):
    """Rows, not columns: the gc callback (any thread) and the checkpoint thread both take
    and send, and one append or one swap of the list cannot be split by the other."""

    def __init__(self):
        self.rows = []

    def take(self, t_ms, at):
        counts = gc.get_count()
        self.rows.append((t_ms, sys.getallocatedblocks(), counts[0], counts[1], counts[2], at))

    def message(self):
        """The samples since the last call as one record, or None."""
        rows = self.rows
        self.rows = []
        if not rows:
            return None
        return {
            "type": "py-mem",
            "tMs": [r[0] for r in rows],
            "allocatedBlocks": [r[1] for r in rows],
            "gcCount0": [r[2] for r in rows],
            "gcCount1": [r[3] for r in rows],
            "gcCount2": [r[4] for r in rows],
            "at": [r[5] for r in rows],
        }
