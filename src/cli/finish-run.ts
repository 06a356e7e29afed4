import type { Baseline } from '../baseline/schema.js';
import type { InterruptSignal } from '../run/interrupts.js';
import type { MetricsExporter } from '../prometheus/exporter.js';
import type { PrometheusSettings } from '../prometheus/cli-options.js';
import type { MeasuredResult } from '../report/terminal/run-outputs.js';
import { ExitCode } from '../core/errors.js';

/**
 * What a measuring command does once its runs are over: write the baseline, print the
 * tables (or the JSON), write the HTML report, let the Prometheus exporter serve its last
 * scrape, and turn how the runs ended into the exit code.
 */
export interface FinishedMeasurement extends MeasuredResult {
  interrupted?: InterruptSignal;
  exporter?: MetricsExporter;
}

export async function finishMeasurement(
  result: FinishedMeasurement,
  opts: {
    json: boolean;
    html: unknown;
    prometheus: PrometheusSettings | undefined;
    render(baseline: Baseline, opts: { color: boolean }): string;
    /** Exit code for a run that ended normally (mem-stress: 1 when an assertion failed). */
    verdict?(): number;
  },
): Promise<number> {
  const [{ writeBaseline }, { colorEnabled }, { writeRunOutputs }] = await Promise.all([
    import('../baseline/io.js'),
    import('../report/terminal/color.js'),
    import('../report/terminal/run-outputs.js'),
  ]);
  try {
    writeBaseline(result.baselinePath, result.baseline);
    if (opts.json) process.stdout.write(JSON.stringify(result.baseline, null, 2) + '\n');
    else process.stdout.write(opts.render(result.baseline, { color: colorEnabled() }) + '\n');
    process.stderr.write(`baseline written: ${result.baselinePath}\n`);
    await writeRunOutputs(result, { json: opts.json, html: opts.html, color: colorEnabled(), stdout: process.stdout });
  } finally {
    if (result.exporter) {
      const { finishExporter } = await import('../prometheus/attach.js');
      await finishExporter(result.exporter, opts.prometheus, { interrupted: result.interrupted !== undefined });
    }
  }
  if (result.baseline.status === 'crashed') {
    process.stderr.write(`memkit: the measured child crashed: ${result.baseline.statusReason ?? 'unknown reason'}\n`);
    return ExitCode.ChildCrashed;
  }
  if (result.interrupted) return ExitCode.Interrupted;
  return opts.verdict?.() ?? ExitCode.Ok;
}
