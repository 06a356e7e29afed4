"""How a Python process's children ended, as it reaps them: the kernel's exit status, which
a child cannot say of itself (Python's atexit handlers, where the child's agent sends its
last batch, run before the interpreter knows its exit code: `sys.exit(5)` or a spawn child
of multiprocessing would show as "exit ?").

os.waitpid, os.wait, os.wait3 and os.wait4 are wrapped: each returns exactly what it did
and raises what it did; a status that says a child ended (not stopped or continued) is sent
as a `child-exit` record, as a Node parent's agent sends it. subprocess and multiprocessing
reap through os.waitpid. Not seen: a child reaped in C (os.system) or by a SIGCHLD
handler set to SIG_IGN; subprocess's poll() when subprocess was imported before the agent
loaded (it keeps its own reference to waitpid).
"""

import os
import signal

_NAMES = ("waitpid", "wait", "wait3", "wait4")
_installed = [False]


def install(agent_module):
    if _installed[0]:
        return
    _installed[0] = True
    for name in _NAMES:
        real = getattr(os, name, None)
        if real is not None:
            setattr(os, name, _reporting(real, agent_module))


def _reporting(real, agent_module):
    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        try:
            _report(agent_module._state, result[0], result[1])
        except Exception:
            pass  # the program's call is its own: nothing of the agent's may change it
        return result

    wrapper.__name__ = real.__name__
    wrapper.__doc__ = real.__doc__
    wrapper.__wrapped__ = real
    return wrapper


def child_exit_message(pid, status, t_ms):
    """The `child-exit` record of a wait status, or None when it says no child ended (WNOHANG's
    (0, 0), a stopped or continued child)."""
    if pid <= 0:
        return None
    if os.WIFEXITED(status):
        code, sig = os.WEXITSTATUS(status), None
    elif os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            sig = signal.Signals(number).name
        except ValueError:
            sig = "SIG%d" % number
        code = None
    else:
        return None
    return {"type": "child-exit", "tMs": t_ms, "pid": pid, "code": code, "signal": sig}


def _report(agent, pid, status):
    if agent is None or agent.finished:
        return
    message = child_exit_message(pid, status, agent.now())
    if message is not None:
        agent.send(message)
