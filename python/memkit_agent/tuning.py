"""The collector settings of a `memkit gc-profile --sweep` run, applied by the agent so the
program itself is never edited. memkit passes one setting per run in the agent's config
(MEMKIT_AGENT's "pythonGc"); every Python process of the tree reads the same config, so a
worker started by the program gets the same setting as its parent.

- threshold: gc.set_threshold(...) when the agent starts (from sitecustomize), i.e. before
  the program's first line and before any module the program imports.
- freeze: gc.freeze() at the program's first line (the first frame of __main__): everything
  interpreter start-up, site and sitecustomize made goes to the permanent generation, and
  the program's own objects (its imports included) are collected as usual. That point, not
  "after the imports", because it is the start of memkit's measured window and the same in
  every program; a program that wants its imports frozen calls gc.freeze() itself.
"""

import gc


def _settings(config):
    value = config.get("pythonGc")
    return value if isinstance(value, dict) else {}


def apply_at_start(config):
    """Before the program runs: the thresholds (a wrong one raises, and the agent says so)."""
    threshold = _settings(config).get("threshold")
    if threshold:
        gc.set_threshold(*[int(t) for t in threshold])


def at_program_start(config):
    """What to call at the program's first line, or None."""
    if _settings(config).get("freeze") and hasattr(gc, "freeze"):
        return gc.freeze
    return None
