# The sweep test's fixture with a gc callback that does nothing: what CPython charges any
# callback per collection (two calls and an info dict each), the floor under memkit's agent.
import gc
import os
import runpy

gc.callbacks.append(lambda phase, info: None)
here = os.path.dirname(os.path.abspath(__file__))
runpy.run_path(os.path.join(here, "..", "..", "test", "fixtures", "python", "short-lived-containers.py"), run_name="__main__")
