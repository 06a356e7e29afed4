/**
 * Error control across a whole diff: one p-value per deciding metric in, one adjusted
 * p-value per metric out (same order), so that "adjusted p <= alpha" holds a promise about
 * the diff as a whole rather than about each metric alone.
 *
 * - holm: Holm-Bonferroni step-down. P(any true-null metric is called significant) <= alpha
 *   (family-wise error), under any dependence between the metrics. A same-versus-same diff
 *   then fails at most alpha of the time, however many metrics, processes and sites.
 * - bh: Benjamini-Hochberg step-up. Expected share of false calls among the calls <= alpha
 *   (false discovery rate), for independent or positively dependent p-values. When nothing
 *   changed every call is false, so it bounds a same-versus-same diff's failure rate too,
 *   and it keeps more power when many metrics move together.
 * - none: each metric at alpha on its own (the old behaviour; ~1 - (1 - alpha)^m failures).
 *
 * Adjusted p-values follow the usual definitions (R's p.adjust): monotone in the raw
 * p-values, never below them, capped at 1. Tied p-values get the same adjusted value.
 */

export const CORRECTIONS = ['holm', 'bh', 'none'] as const;
export type Correction = (typeof CORRECTIONS)[number];

export function adjustPValues(pValues: readonly number[], method: Correction): number[] {
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`adjustPValues: ${p} is not a p-value`);
  }
  switch (method) {
    case 'holm':
      return holm(pValues);
    case 'bh':
      return benjaminiHochberg(pValues);
    case 'none':
      return [...pValues];
  }
}

/** Indices ordered by p ascending; a stable sort keeps ties in input order. */
function ascending(pValues: readonly number[]): number[] {
  return pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]! || a - b);
}

/**
 * Step-down: the i-th smallest p (i from 0) is multiplied by m - i, and each adjusted
 * value is at least the one before it (a hypothesis is only rejected if every smaller
 * p was rejected first).
 */
function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const out = new Array<number>(m);
  let running = 0;
  ascending(pValues).forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[index]!));
    out[index] = running;
  });
  return out;
}

/**
 * Step-up: the i-th smallest p (rank i + 1) is multiplied by m / (i + 1), and each
 * adjusted value is the smallest of these from its rank upwards (rejecting the k-th
 * smallest rejects every smaller one).
 */
function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const out = new Array<number>(m);
  const order = ascending(pValues);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank]!;
    running = Math.min(running, (m / (rank + 1)) * pValues[index]!);
    out[index] = running;
  }
  return out;
}

/**
 * Tarone's (1990) refinement for discrete tests: which hypotheses to correct over at all.
 * An exact test on few, tied runs has a smallest attainable p (5 runs of a GC count that
 * are all 0 can only give p = 1); such a metric can never be called, yet in the family it
 * would multiply every other metric's p. With K the smallest count such that at most K
 * metrics can reach alpha / K, only those metrics form the family. The attainable p
 * depends on the pooled values only, not on which run is on which side, so for identical
 * code (runs exchangeable) the family is fixed before the labels are looked at, and the
 * correction over it keeps its guarantee.
 * Returns, per hypothesis, whether it is in the family.
 */
export function taroneFamily(minAttainableP: readonly number[], alpha: number): boolean[] {
  const m = minAttainableP.length;
  for (let k = 1; k <= m; k++) {
    const reachable = minAttainableP.filter((p) => p <= alpha / k).length;
    if (reachable <= k) return minAttainableP.map((p) => p <= alpha / k);
  }
  return minAttainableP.map(() => true);
}
