import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The code and styles a report page inlines, so it opens anywhere without a network:
 * uPlot (installed from the npm registry as a dependency, read here at report time) and
 * memkit's own chart code (report/html/client.ts, compiled beside this file).
 */

export interface ReportAssets {
  uplotJs: string;
  uplotCss: string;
  clientJs: string;
}

let cached: ReportAssets | undefined;

export function loadReportAssets(): ReportAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const read = (spec: string) => readFileSync(require.resolve(spec), 'utf8');
  const client = readFileSync(new URL('./client.js', import.meta.url), 'utf8');
  cached = {
    uplotJs: read('uplot/dist/uPlot.iife.min.js'),
    uplotCss: read('uplot/dist/uPlot.min.css'),
    // A source map the page cannot load would only be a failed request in DevTools.
    clientJs: client.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n'),
  };
  return cached;
}
