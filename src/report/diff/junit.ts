import type { DiffReport, MetricDiff } from '../../analyze/diff.js';
import { describeOutcome, describeReason, describeSide, verdictLabel } from './reason.js';
import { formatRelative, formatStats, formatValue } from '../values.js';

/**
 * JUnit XML for CI test-report UIs: one test case per metric. A gating regression is a
 * <failure>; a metric on one side only, or one that does not decide, is <skipped>;
 * everything else passes. Warnings go to the suite's <system-err>.
 */
export function renderDiffJunit(report: DiffReport): string {
  const r = report.result;
  const suiteName = `memkit diff (${report.kind})`;
  const failures = r.metrics.filter(isFailure).length;
  const skipped = r.metrics.filter((m) => !isFailure(m) && isSkipped(m)).length;
  const counts = `tests="${r.metrics.length}" failures="${failures}" errors="0" skipped="${skipped}"`;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="${attr(suiteName)}" ${counts}>`);
  out.push(`  <testsuite name="${attr(suiteName)}" ${counts}>`);
  out.push('    <properties>');
  for (const [name, value] of [
    ['base', describeSide(report.base)],
    ['current', describeSide(report.current)],
    ['alpha', String(r.alpha)],
    ['outcome', describeOutcome(report)],
  ]) {
    out.push(`      <property name="${attr(name!)}" value="${attr(value!)}"/>`);
  }
  out.push('    </properties>');
  for (const m of r.metrics) {
    const open = `    <testcase classname="${attr(`memkit.diff.${report.kind}`)}" name="${attr(m.name)}" time="0"`;
    const reason = describeReason(m, r.alpha);
    const detail = `baseline ${formatStats(m.base, m.unit)}, current ${formatStats(m.current, m.unit)}` +
      (m.change ? `, change ${formatValue(m.change.absolute, m.unit, true)} (${formatRelative(m.change.relative)})` : '');
    if (isFailure(m)) {
      out.push(`${open}>`);
      out.push(`      <failure type="regression" message="${attr(`regressed: ${reason}`)}">${text(detail)}</failure>`);
      out.push('    </testcase>');
    } else if (isSkipped(m)) {
      out.push(`${open}>`);
      out.push(`      <skipped message="${attr(`${verdictLabel(m)}: ${reason}`)}"/>`);
      out.push('    </testcase>');
    } else {
      out.push(`${open}>`);
      out.push(`      <system-out>${text(`${verdictLabel(m)}: ${reason}; ${detail}`)}</system-out>`);
      out.push('    </testcase>');
    }
  }
  if (report.warnings.length > 0) out.push(`    <system-err>${text(report.warnings.join('\n'))}</system-err>`);
  out.push('  </testsuite>');
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

function isFailure(m: MetricDiff): boolean {
  return m.gating && m.verdict === 'regressed';
}

function isSkipped(m: MetricDiff): boolean {
  return m.verdict === 'missing' || !m.gating;
}

/** XML 1.0 cannot carry most control characters even escaped: they are dropped. */
function text(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
