"""A forked child measured as a process of its own (os.fork, multiprocessing's 'fork'
start method, gunicorn's workers).

The child inherits the parent's agent: its socket (a copy of the parent's file descriptor),
its unsent batch (the parent's collections, which the parent sends itself) and its
counters. The child closes its copy of the descriptor (close, never shutdown: that would
end the parent's connection too), opens its own connection to the same channel, says its
own hello (pid, ppid, role 'fork') and counts from the fork: the window of a forked child
starts when this hook ends, so collections in the parent are never counted twice.

A forked child often ends with os._exit (multiprocessing does, after its own exit
functions), which runs no atexit handler: the child's os._exit is wrapped so the agent
sends its last batch first.

A measured process that execs (gunicorn's USR2 re-exec forks, then execs a new master; a
launcher that execs the real program) keeps its pid and start time, and the new program
loads its own agent and says its own hello: os.execv and os.execve (every os.exec*
function ends in one of them) are wrapped so the old agent first sends its last batch and
a done with reason 'exec', which tells memkit that this pid's program is the next hello's.

A fork must not happen in the middle of a collection on another thread: CPython copies its
"a collection is under way" flag into the child, where no thread will ever clear it, and
the child's collector never runs again (automatic collections and gc.collect() alike). The
agent's callbacks run Python code inside every collection and mem-stress's checkpoint
thread runs long full collections, so the GIL often passes to a thread that forks right
there (gunicorn's arbiter forking a worker lost its worker's collector about one run in
ten). The before-fork hook waits (the GIL released) until no other thread is inside a
collection the agent can see; the child says so on stderr if it was forked inside one all
the same.
"""

import gc
import os
import sys
import threading
import time

# How long a fork waits for another thread's collection to end: a bound, never a deadlock.
_FORK_WAIT_S = 1.0


def install(agent_module):
    if hasattr(os, "register_at_fork"):
        # Before hooks run last registered first: this one, registered at start-up, runs just before the fork.
        os.register_at_fork(before=lambda: _before_fork(agent_module), after_in_child=lambda: _after_fork_in_child(agent_module))
    _wrap_exec(agent_module)


def _collection_elsewhere(agent):
    """A collection under way that this thread is not running: one the agent's callbacks are
    between the start and the end of (in_gc), or mem-stress's gc.collect() on its thread."""
    cp = agent.checkpoints
    if cp is not None and cp.collecting_ident not in (None, threading.get_ident()):
        return True
    if not agent.in_gc:
        return False
    frame = sys._getframe(1)
    own = agent.on_gc.__func__.__code__
    while frame is not None:
        if frame.f_code is own:
            return False  # forked from this thread's own gc callback: nothing to wait for
        frame = frame.f_back
    return True


# Set by the before-fork hook when its wait ended at the bound, read in the child (a copy).
_waited_in_vain = [False]


def _before_fork(agent_module):
    _waited_in_vain[0] = False
    try:
        agent = agent_module._state
        if agent is None or agent.finished or agent.pid != os.getpid():
            return
        deadline = time.monotonic() + _FORK_WAIT_S
        while _collection_elsewhere(agent):
            if time.monotonic() >= deadline:
                _waited_in_vain[0] = True
                return
            time.sleep(0.0005)  # releases the GIL: the other thread ends its collection
    except Exception:
        pass


def _forked_inside_collection():
    """Only when the fork went ahead with a collection still under way: a gen0 collection
    tells whether this process's collector is stuck. (A fork from a finalizer of the forking
    thread's own collection, which the agent cannot tell from another thread's, also waits
    1 s and is reported stuck, though the child finishes that collection: CPython leaves such
    a child in the middle of it anyway.)"""
    if not _waited_in_vain[0]:
        return False
    try:
        before = gc.get_stats()[0]["collections"]
        gc.collect(0)  # before the child's window and callbacks: no one counts it
        return gc.get_stats()[0]["collections"] == before
    except Exception:
        return False


def own_start_ticks():
    """Field 22 of /proc/self/stat (clock ticks after boot when the process started): with the
    pid, it names this process even after its pid is reused. None where there is no /proc."""
    try:
        with open("/proc/self/stat") as f:
            stat = f.read()
        # The command name (field 2) may hold spaces and parentheses: count from the last ')'.
        return int(stat[stat.rindex(")") + 2:].split(" ")[19])
    except Exception:
        return None


def _after_fork_in_child(agent_module):
    parent_agent = agent_module._state
    if parent_agent is None:
        return
    agent_module._state = None
    parent_agent.finished = True
    try:
        gc.callbacks.remove(parent_agent.on_gc)
    except ValueError:
        pass
    try:
        parent_agent.sock.close()  # this process's copy of the descriptor only
    except Exception:
        pass
    if sys.getprofile() is not None and parent_agent.window_start[0] is None:
        sys.setprofile(None)  # forked before the parent's __main__ ran: the hook was the agent's
    if _about_to_exec():
        return  # the exec'd program loads its own agent from PYTHONPATH and says its own hello
    stuck = _forked_inside_collection()
    try:
        agent = agent_module._Agent(parent_agent.path, parent_agent.config)
    except Exception as err:
        _say_unmeasured(err)
        return
    agent.role = "fork"
    agent.now_at_load = agent.now()
    agent_module._state = agent
    agent.hello()
    _wrap_os_exit()
    agent.stats_at_start = gc.get_stats()
    gc.callbacks.append(agent.on_gc)
    # Last: the child's window (and its measure-start mark) begins here.
    agent.window_start[0] = agent.now()
    # The mark goes out now, so a child that never collects and is killed still has its window.
    agent.send_marks()
    if stuck:
        _say_collector_stuck()
        return  # no checkpoints: gc.collect() does nothing in this process
    # mem-stress: the child takes its own checkpoints (the parent's thread did not survive the fork).
    try:
        from . import checkpoints as _checkpoints

        if agent.config.get("allocSites"):
            from . import alloc_sites as _alloc_sites

            # The parent's traces go on in the child (tracemalloc survives fork): the child's in-use
            # view is what it holds, inherited blocks included; its reading thread did not survive.
            agent.alloc_sites = _alloc_sites.from_config(agent, agent.config)
        agent.checkpoints = _checkpoints.from_config(agent, agent.config)
        if agent.checkpoints is not None:
            agent.checkpoints.start()
        if agent.alloc_sites is not None:
            agent.alloc_sites.start_thread()
    except Exception as err:
        agent.fail(err)  # one memkit: line, never a traceback from the fork hook


def _about_to_exec():
    """subprocess with preexec_fn forks through CPython's fork hooks, then execs: that child is
    the new program's, which measures itself; a hello from the fork would be a second one
    under the same pid."""
    frame = sys._getframe(1)
    for _ in range(8):
        if frame is None:
            return False
        if frame.f_code.co_name == "_execute_child" and frame.f_globals.get("__name__") == "subprocess":
            return True
        frame = frame.f_back
    return False


_real_exit = [None]


def _wrap_os_exit():
    if _real_exit[0] is not None:
        return  # a fork of a fork: already wrapped (the wrapper finds the current agent)
    _real_exit[0] = os._exit

    def _exit(code):
        try:
            from . import _finish_at_exit, _state

            if _state is not None and isinstance(code, int):
                _state.exit_code = code
            _finish_at_exit()
        except Exception:
            pass
        _real_exit[0](code)

    os._exit = _exit


def _wrap_exec(agent_module):
    for name in ("execv", "execve"):
        real = getattr(os, name, None)
        if real is None or getattr(real, "_memkit_real", None) is not None:
            continue

        def _exec(*args, _real=real):
            try:
                agent = agent_module._state
                if agent is not None and agent.pid == os.getpid():
                    agent.finish("exec")  # the socket is close-on-exec: nothing is sent after this
            except Exception:
                pass
            return _real(*args)

        _exec._memkit_real = real
        _exec.__name__ = name
        setattr(os, name, _exec)


def _say_collector_stuck():
    try:
        sys.stderr.write("memkit: pid %d was forked while another thread of its parent was inside a collection: CPython's collector will not run in it again (no automatic collection, gc.collect() does nothing)\n" % os.getpid())
    except Exception:
        pass


def _say_unmeasured(err):
    try:
        sys.stderr.write("memkit: the Python agent of forked pid %d could not connect (%s: %s); it runs unmeasured\n" % (os.getpid(), type(err).__name__, err))
    except Exception:
        pass
