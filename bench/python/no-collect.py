# Work that allocates no container: ints only, in a function (fast locals). CPython's
# collector never runs, so memkit's agent (gc.callbacks) has nothing to do in the window.
import sys


def work(n):
    s = 0
    for i in range(n):
        s += i * i % 7
    return s


print(work(int(sys.argv[1])))
