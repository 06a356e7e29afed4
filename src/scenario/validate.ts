import type { ScenarioDefinition } from './define.js';

/** Why a module's default export is not a usable scenario, or undefined when it is. */
export function findScenarioProblem(def: unknown): string | undefined {
  if (typeof def !== 'object' || def === null) {
    return 'its default export is not a scenario (use `export default defineScenario({...})`)';
  }
  const d = def as Partial<ScenarioDefinition>;
  if (typeof d.name !== 'string' || d.name === '') return 'the scenario has no "name"';
  if (typeof d.step !== 'function') return `scenario ${d.name} has no step() function`;
  if (typeof d.setup !== 'function') return `scenario ${d.name} has no setup() function`;
  if (typeof d.variants !== 'object' || d.variants === null || Object.keys(d.variants).length === 0) {
    return `scenario ${d.name} declares no variants`;
  }
  if (d.defaultVariant !== undefined && !(d.defaultVariant in d.variants)) {
    return `scenario ${d.name}: defaultVariant '${d.defaultVariant}' is not one of its variants`;
  }
  if (d.teardown !== undefined && typeof d.teardown !== 'function') return `scenario ${d.name}: teardown is not a function`;
  return undefined;
}
