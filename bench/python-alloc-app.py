# A fixed amount of allocation-heavy Python work (the tracemalloc overhead bench, README
# "Python programs"): short-lived dicts, lists and strings, and a cache that keeps a few MB,
# so both the per-allocation cost and the size of a read show. argv[1]: rounds (default 40).
import sys

cache = {}


def make_record(i):
    return {"id": i, "name": "item-%d" % i, "tags": [i, i + 1, i + 2], "score": i * 0.5}


def churn(round_no):
    batch = [make_record(round_no * 10000 + i) for i in range(10000)]
    total = 0
    for r in batch:
        total += len(r["name"]) + len(r["tags"])
    cache[round_no] = batch[:500]  # kept: ~20k records by the end
    return total


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    s = 0
    for n in range(rounds):
        s += churn(n)
    print(s)


main()
