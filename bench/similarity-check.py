"""Checks memkit's neighbours against a reference's (faiss): per row, the id lists must be
identical except where scores tie. Two float32 products of the same vectors summed in a
different order differ by a few ulps, so a "tie" is two scores within `tol` (default
2e-6, ~16 float32 ulps at 1.0). Usage: similarity-check.py memkit_dir ref_dir [tol]
Prints one JSON line with counts; exit 1 on a real difference."""
import json, os, sys
import numpy as np

mk, ref = sys.argv[1], sys.argv[2]
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 2e-6
a_ids = np.load(os.path.join(mk, "neighbors.ids.npy"))
a_sc = np.load(os.path.join(mk, "neighbors.scores.npy"))
b_ids = np.load(os.path.join(ref, "ids.npy"))
b_sc = np.load(os.path.join(ref, "scores.npy"))
n, k = a_ids.shape
identical = (a_ids == b_ids).all(axis=1)
max_score_diff = float(np.abs(a_sc.astype(np.float64) - b_sc).max())
tie_only = 0
bad_rows = []
for r in np.nonzero(~identical)[0]:
    # Positions where the lists differ must be inside runs of (near-)equal scores, and
    # the two lists must hold the same ids except at the boundary tie with rank K+1.
    diff = np.nonzero(a_ids[r] != b_ids[r])[0]
    kth = b_sc[r, -1]
    ok = True
    for p in diff:
        near = np.abs(b_sc[r] - b_sc[r, p]) <= tol
        if near.sum() < 2 and abs(b_sc[r, p] - kth) > tol:
            ok = False
            break
    sa, sb = set(a_ids[r].tolist()), set(b_ids[r].tolist())
    for i in sa ^ sb:  # swapped across the K-th place: must tie with the K-th score
        s = a_sc[r][a_ids[r] == i] if i in sa else b_sc[r][b_ids[r] == i]
        if abs(float(s[0]) - kth) > tol:
            ok = False
    if ok:
        tie_only += 1
    else:
        bad_rows.append(int(r))
print(json.dumps({
    "rows": int(n), "k": int(k), "identical_rows": int(identical.sum()),
    "rows_differing_only_in_ties": tie_only, "rows_with_real_differences": len(bad_rows),
    "first_bad_rows": bad_rows[:5], "max_abs_score_diff": max_score_diff, "tie_tolerance": tol,
}))
sys.exit(1 if bad_rows else 0)
