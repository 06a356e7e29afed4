# no-collect.py after importing what memkit's Python agent imports: the control that tells
# pymalloc's pool layout (which any import moves) from the agent's own work.
import atexit, json, signal, socket, threading  # noqa: E401,F401
import sys


def work(n):
    s = 0
    for i in range(n):
        s += i * i % 7
    return s


print(work(int(sys.argv[1])))
