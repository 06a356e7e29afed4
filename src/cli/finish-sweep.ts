import { ExitCode } from '../core/errors.js';
import { writeBaseline } from '../baseline/io.js';
import type { Baseline } from '../baseline/schema.js';
import { compareSweep } from '../analyze/sweep-compare.js';
import { renderSweep } from '../report/terminal/sweep-table.js';
import { colorEnabled } from '../report/terminal/color.js';
import type { SweepResult } from '../profile/gc-sweep.js';

/**
 * The end of a `gc-profile --sweep`: write every setting's baseline, print the one table
 * (or its data as JSON), and turn how the runs ended into the exit code.
 */
export function finishSweep(sweep: SweepResult, opts: { json: boolean }): number {
  for (const { result } of sweep.settings) writeBaseline(result.baselinePath, result.baseline);
  const comparison = compareSweep(
    sweep.settings.map(({ setting, result }) => ({ label: setting.label, path: result.baselinePath, baseline: result.baseline as Baseline })),
    sweep.knob,
  );
  if (opts.json) process.stdout.write(JSON.stringify({ knob: sweep.knob, ...comparison }, null, 2) + '\n');
  else process.stdout.write(renderSweep(comparison, sweep.knob, { color: colorEnabled() }) + '\n');
  process.stderr.write(`baselines written: ${sweep.settings.map((s) => s.result.baselinePath).join(', ')}\n`);
  const crashed = sweep.settings.find((s) => s.result.baseline.status === 'crashed');
  if (crashed) {
    process.stderr.write(`memkit: the measured child crashed (${crashed.setting.label}): ${crashed.result.baseline.statusReason ?? 'unknown reason'}\n`);
    return ExitCode.ChildCrashed;
  }
  return sweep.interrupted ? ExitCode.Interrupted : ExitCode.Ok;
}
