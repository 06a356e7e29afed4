/** The index of the sample nearest to t (samples need not fall exactly on window edges). */
export function nearestIndex(ts: ArrayLike<number>, t: number): number {
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < ts.length; i++) {
    const d = Math.abs(ts[i]! - t);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}
