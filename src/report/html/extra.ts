import type { Baseline } from '../../baseline/schema.js';
import { html, type SafeHtml } from './escape.js';

/**
 * Command-specific sections of a baseline (extra.<section>) that no table of the page shows
 * are still shown, as JSON: nothing the run recorded is hidden from the report.
 */
const SHOWN_ELSEWHERE = new Set(['runs', 'heapSummary', 'leak', 'assertions']);

export function renderExtraSections(b: Baseline, sideLabel?: string): SafeHtml {
  const entries = Object.entries(b.extra ?? {}).filter(([k]) => !SHOWN_ELSEWHERE.has(k));
  return html`${entries.map(
    ([k, v]) => html`<details class="panel extra"><summary>extra.${k}${sideLabel ? ` (${sideLabel})` : ''}</summary><pre>${JSON.stringify(v, null, 2)}</pre></details>`,
  )}`;
}
