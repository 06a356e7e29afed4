"""The seed's old way with scikit-learn: cosine_similarity(batch_of_1000, all_items), then
argpartition for the top K of each row. Reference for memkit's similarity-build
benchmark. Usage: similarity-sklearn.py items.npy K outdir [batch]
Prints one JSON line: compute and total seconds, peak RSS (ru_maxrss)."""
import json, os, resource, sys, time

t_start = time.perf_counter()
import numpy as np
import sklearn
from sklearn.metrics.pairwise import cosine_similarity

path, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
batch = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
x = np.load(path)
n = x.shape[0]
ids = np.empty((n, k), dtype=np.int32)
scores = np.empty((n, k), dtype=np.float32)
t0 = time.perf_counter()
for b0 in range(0, n, batch):
    b1 = min(n, b0 + batch)
    sim = cosine_similarity(x[b0:b1], x)
    sim[np.arange(b1 - b0), np.arange(b0, b1)] = -np.inf
    part = np.argpartition(-sim, k, axis=1)[:, :k]
    s = np.take_along_axis(sim, part, axis=1)
    order = np.lexsort((part, -s), axis=1)
    ids[b0:b1] = np.take_along_axis(part, order, axis=1)
    scores[b0:b1] = np.take_along_axis(s, order, axis=1)
t1 = time.perf_counter()
os.makedirs(out, exist_ok=True)
np.save(os.path.join(out, "ids.npy"), ids)
np.save(os.path.join(out, "scores.npy"), scores)
print(json.dumps({
    "tool": f"sklearn cosine_similarity, batches of {batch}",
    "compute_s": t1 - t0,
    "total_s": time.perf_counter() - t_start,
    "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "version": sklearn.__version__,
}))
