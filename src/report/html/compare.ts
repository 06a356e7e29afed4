import type { ReportSide } from './inputs.js';
import type { ReportOptions } from './page.js';

/**
 * What a comparison adds to the page beyond the overlaid charts: verdict badges and the
 * metric table. Until memkit diff's analysis is on main, the page shows the plain
 * side-by-side table (compare-table.ts) and no verdict.
 */
export async function compareExtras(_base: ReportSide, _current: ReportSide): Promise<Pick<ReportOptions, 'verdicts' | 'compareTable'>> {
  return {};
}
