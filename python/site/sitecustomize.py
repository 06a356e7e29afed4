"""memkit's entry into a measured Python process (memkit puts this folder first on
PYTHONPATH). It starts memkit's agent, then runs the sitecustomize this one shadows, if
there is one further on the path, as Python would have run it. An agent that fails says
so once on stderr and the program runs unmeasured; the user's own sitecustomize fails as
it would have without memkit (site reports it)."""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))


def _start_memkit():
    try:
        sys.path.insert(0, os.path.dirname(_here))
        try:
            import memkit_agent
        finally:
            del sys.path[0]
        memkit_agent.start()
    except Exception as err:  # never break the user's program
        try:
            sys.stderr.write("memkit: the Python agent did not load (%s: %s); the program runs unmeasured\n" % (type(err).__name__, err))
        except Exception:
            pass


def _is_memkit_dir(entry):
    try:
        return os.path.abspath(entry or os.curdir) == _here
    except Exception:
        return False


def _chain():
    """The user's own sitecustomize: the one Python would have found without memkit's folder."""
    import importlib.machinery
    import importlib.util

    # Leave the program's sys.path as it would have been (PYTHONPATH's other entries stay).
    sys.path[:] = [p for p in sys.path if not _is_memkit_dir(p)]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop("sitecustomize", None)
        raise


_start_memkit()
_chain()
