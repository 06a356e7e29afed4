import { studentTQuantile } from './student-t.js';

/** Least-squares line through (x, y) with a confidence interval on the slope. */
export interface SlopeFit {
  /** y units per x unit. */
  slope: number;
  intercept: number;
  /** Half-width of the two-sided confidence interval of the slope. */
  slopeHalfWidth: number;
  confidence: number;
  n: number;
  /** Coefficient of determination. */
  r2: number;
}

export function fitSlope(x: ArrayLike<number>, y: ArrayLike<number>, confidence = 0.95): SlopeFit | undefined {
  const n = Math.min(x.length, y.length);
  if (n < 3) return undefined;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const sse = Math.max(0, syy - slope * sxy);
  const se = Math.sqrt(sse / (n - 2) / sxx);
  const t = studentTQuantile(1 - (1 - confidence) / 2, n - 2);
  return { slope, intercept, slopeHalfWidth: t * se, confidence, n, r2: syy > 0 ? (slope * sxy) / syy : 1 };
}
