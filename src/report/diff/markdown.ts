import type { DiffReport } from '../../analyze/diff.js';
import { describeDetectable, describeMethod, describeOutcome, describeReason, describeSide, verdictLabel } from './reason.js';
import { formatRelative, formatStats, formatThreshold, formatValue } from '../values.js';

/**
 * GitHub-flavoured Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY: the
 * outcome first, regressions first in the table, warnings and the method after.
 */
export function renderDiffMarkdown(report: DiffReport): string {
  const r = report.result;
  const icon = report.exitCode === 0 ? '✅' : '❌';
  const order = { regressed: 0, improved: 1, missing: 2, unchanged: 3, info: 4 } as const;
  const metrics = [...r.metrics].sort((a, b) => order[a.verdict] - order[b.verdict] || a.name.localeCompare(b.name));
  const out: string[] = [];
  out.push(`### ${icon} memkit diff (${report.kind}): ${escapeText(describeOutcome(report))}`, '');
  out.push(`**base** ${code(describeSide(report.base))} → **current** ${code(describeSide(report.current))}  `);
  out.push(`${escapeText(describeMethod(report))}`, '');
  if (r.thresholdOnly > 0) {
    out.push(`> [!WARNING]`, `> **Threshold only**: ${r.thresholdOnly} metric(s) were decided without a significance test (too few runs per side).`, '');
  }
  out.push('| metric | baseline | current | change | verdict | reason |');
  out.push('|---|--:|--:|--:|---|---|');
  for (const m of metrics) {
    const change = m.change ? `${formatValue(m.change.absolute, m.unit, true)} (${formatRelative(m.change.relative)})` : '—';
    const verdict = m.verdict === 'regressed' && m.gating ? `**${verdictLabel(m)}**` : verdictLabel(m);
    out.push(
      `| ${code(m.name)} | ${cell(formatStats(m.base, m.unit))} | ${cell(formatStats(m.current, m.unit))} | ${cell(change)} | ${verdict} | ${cell(describeReason(m, r.alpha))} |`,
    );
  }
  out.push('');
  if (report.warnings.length > 0) {
    out.push('**Warnings**', '');
    for (const w of report.warnings) out.push(`- ${escapeText(w)}`);
    out.push('');
  }
  const detectable = describeDetectable(report);
  if (detectable.length > 0) {
    out.push('<details><summary>What these runs can detect</summary>', '');
    for (const line of detectable) out.push(`- ${escapeText(line)}`);
    out.push('', '</details>', '');
  }
  out.push('<details><summary>How memkit decided</summary>', '');
  const adjusted = r.correction === 'none' ? 'p' : `p adjusted across the ${r.family} deciding metrics (${r.correction})`;
  out.push(
    `A metric regresses when its change is significant (Mann-Whitney U, ${adjusted} ≤ ${r.alpha}) **and** the whole confidence interval of its shift ` +
      '(Hodges-Lehmann) is beyond its threshold, or when it breaks a `--max`/`--min` limit. With too few runs for the test to reach alpha, the threshold alone decides (labelled "threshold only").',
    '',
  );
  const thresholds = metrics.filter((m) => m.threshold).map((m) => `${code(m.name)}: ${escapeText(formatThreshold(m.threshold!, m.unit))} (${escapeText(m.threshold!.source)})`);
  if (thresholds.length > 0) out.push('Thresholds: ' + thresholds.join(' · '), '');
  out.push(`Files: base ${report.base.files.map(code).join(', ')}; current ${report.current.files.map(code).join(', ')}`, '');
  out.push('</details>', '');
  return out.join('\n');
}

function cell(text: string): string {
  return escapeText(text).replace(/\|/g, '\\|');
}

/** Keeps user-controlled text (paths, names) from turning into Markdown or HTML. */
function escapeText(text: string): string {
  return text.replace(/[<>&]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[ch]!).replace(/([*_`[\]])/g, '\\$1');
}

function code(text: string): string {
  return '`' + text.replace(/`/g, "'").replace(/\|/g, '\\|') + '`';
}
