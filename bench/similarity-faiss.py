"""faiss IndexFlatIP exact top-K cosine neighbours, as the reference for memkit's
similarity-build benchmark. Usage: similarity-faiss.py items.npy K outdir
Prints one JSON line: compute and total seconds, peak RSS (ru_maxrss), threads."""
import json, os, resource, sys, time

t_start = time.perf_counter()
import numpy as np
import faiss

path, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
x = np.load(path).astype(np.float32, copy=False)
x = np.ascontiguousarray(x)
t0 = time.perf_counter()
faiss.normalize_L2(x)
index = faiss.IndexFlatIP(x.shape[1])
index.add(x)
scores, ids = index.search(x, k + 1)
t1 = time.perf_counter()
# Drop the item itself (usually rank 0; with exact duplicates it may sit elsewhere).
n = x.shape[0]
self_mask = ids == np.arange(n)[:, None]
has_self = self_mask.any(axis=1)
keep = ~self_mask
keep[~has_self, k] = False  # no self found: drop the (k+1)-th instead
ids = ids[keep].reshape(n, k).astype(np.int32)
scores = scores[keep].reshape(n, k).astype(np.float32)
os.makedirs(out, exist_ok=True)
np.save(os.path.join(out, "ids.npy"), ids)
np.save(os.path.join(out, "scores.npy"), scores)
t_end = time.perf_counter()
print(json.dumps({
    "tool": "faiss IndexFlatIP",
    "compute_s": t1 - t0,
    "total_s": t_end - t_start,
    "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "threads": faiss.omp_get_max_threads(),
    "version": faiss.__version__,
}))
