import type { Baseline } from '../../baseline/schema.js';
import { colorEnabled } from './color.js';
import { renderGcProfile } from './gc-profile-table.js';
import { renderMemStress } from './mem-stress-table.js';
import { renderTable } from './table.js';
import { formatMetric } from '../metric-format.js';
import { loadSide, type ReportSide } from '../inputs.js';
import { renderMemorySparklines, sparkWidth } from './sparkline.js';

/**
 * `memkit report FILE` without --html: the terminal tables of a baseline, and on a TTY a
 * sparkline of RSS and heap from its first run's samples.
 */
export async function renderTerminalReport(
  path: string,
  b: Baseline,
  stdout: { isTTY?: boolean; columns?: number },
  /** Its samples, when the command has read them already (report --process). */
  loaded?: ReportSide,
): Promise<string> {
  const color = colorEnabled(stdout);
  const parts: string[] = [];
  if (b.kind === 'gc-profile') {
    parts.push(renderGcProfile(b, { color }));
  } else if (b.kind === 'mem-stress') {
    parts.push(renderMemStress(b, { color }));
  } else {
    const rows = Object.entries(b.metrics).map(([name, e]) => [name, formatMetric(e.value, e.unit)]);
    parts.push(renderTable({ title: `${b.kind} · ${b.status}`, head: ['metric', 'value'], rows, alignRight: [1], color }));
  }
  if (stdout.isTTY) {
    const side = loaded ?? (await loadSide(path, { ...b, runs: b.runs.slice(0, 1) }));
    const data = side.runs[0]?.data;
    if (data) {
      const spark = renderMemorySparklines(data, { width: sparkWidth(stdout.columns), color });
      if (spark) parts.push('', spark);
    }
  }
  return parts.join('\n');
}
