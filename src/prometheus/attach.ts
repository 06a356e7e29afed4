import type { Target } from '../baseline/schema.js';
import type { RunSpec } from '../run/runner.js';
import type { PrometheusSettings } from './cli-options.js';
import { formatHostPort } from './listen-address.js';
import { startMetricsExporter, type MetricsExporter } from './exporter.js';
import { TreeRecordFolder } from './tree-records.js';

/**
 * How a measuring command uses the exporter, in three calls:
 *
 *   const exporter = await openExporter(s.prometheus, exporterLabels('mem-stress', resolved, runId));
 *   specFor: (i) => attachExporter(exporter, spec(i), i),
 *   await finishExporter(exporter, s.prometheus, { interrupted })   // after the baseline is written
 *
 * This module is itself loaded with `await import()` only when --prometheus is given, so
 * prom-client never slows `memkit --help` or `memkit diff`.
 */

/** What is measured, as the labels need it: the baseline's target and its short label. */
export interface LabelledTarget {
  /** For file names and headings: "lru-cache-stable-key", "node-app.js". */
  label: string;
  target: Target;
}

/** Labels on every series of a command's runs. */
export function exporterLabels(command: string, measured: LabelledTarget, runId: string): Record<string, string> {
  const t = measured.target;
  return {
    command,
    scenario: t.type === 'scenario' ? t.scenario : '',
    variant: t.type === 'scenario' ? t.variant : '',
    target: measured.label,
    run_id: runId,
  };
}

export async function openExporter(
  settings: PrometheusSettings,
  labels: Record<string, string>,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<MetricsExporter> {
  const exporter = await startMetricsExporter({ listen: formatHostPort(settings.listen.host, settings.listen.port), labels });
  log(`memkit: Prometheus metrics at ${exporter.url}`);
  if (!exporter.loopback) {
    log(`memkit: warning: ${exporter.url} is reachable from other machines, without authentication`);
  }
  return exporter;
}

/** The run's spec, with every record also fed to the exporter (`run` label: index + 1). */
export function attachExporter(exporter: MetricsExporter | undefined, spec: RunSpec, index: number): RunSpec {
  if (!exporter) return spec;
  exporter.newRun({ run: String(index + 1) });
  const inner = spec.onRecord;
  const tree = new TreeRecordFolder();
  let failed = false;
  return {
    ...spec,
    onRecord(record, control) {
      // A fault in the exporter must not end a 24-hour measurement: say so once, go on.
      if (!failed) {
        try {
          for (const r of tree.fold(record)) exporter.onRecord(r);
        } catch (err) {
          failed = true;
          process.stderr.write(`memkit: warning: the Prometheus exporter stopped updating: ${(err as Error).message}\n`);
        }
      }
      inner?.(record, control);
    },
  };
}

/**
 * Keeps serving until Prometheus has scraped the final values (or --prometheus-linger
 * has passed), then closes. An interrupted command does not wait.
 */
export async function finishExporter(
  exporter: MetricsExporter | undefined,
  settings: PrometheusSettings | undefined,
  opts: { interrupted?: boolean; log?: (line: string) => void } = {},
): Promise<void> {
  if (!exporter) return;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  try {
    const lingerMs = opts.interrupted ? 0 : (settings?.lingerMs ?? 0);
    if (lingerMs > 0) {
      const scraped = await exporter.waitForFinalScrape(lingerMs);
      if (!scraped) log(`memkit: no Prometheus scrape read the final values within ${Math.round(lingerMs / 1000)}s (--prometheus-linger)`);
    }
  } finally {
    await exporter.close();
  }
}
