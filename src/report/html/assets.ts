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
  /** The flame graph's code (flame-client.ts), inlined only in a page that has one. */
  flameJs: string;
}

let cached: ReportAssets | undefined;

export function loadReportAssets(): ReportAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const read = (spec: string) => readFileSync(require.resolve(spec), 'utf8');
  const own = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  cached = {
    uplotJs: read('uplot/dist/uPlot.iife.min.js'),
    uplotCss: read('uplot/dist/uPlot.min.css'),
    // A source map the page cannot load would only be a failed request in DevTools.
    clientJs: own('./client.js'),
    flameJs: own('./flame-client.js'),
  };
  return cached;
}
