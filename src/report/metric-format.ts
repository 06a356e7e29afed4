import { lookupMetric, unitFromName, type Unit } from '../metrics/registry.js';

/** A metric's value in its own unit: the same cells as every diff renderer. */
export { formatValue as formatMetric } from './values.js';

export function metricUnit(name: string): Unit {
  return lookupMetric(name)?.unit ?? unitFromName(name);
}
