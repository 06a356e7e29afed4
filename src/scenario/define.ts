import type { Better, Unit } from '../metrics/registry.js';

/**
 * The scenario API (DESIGN.md): a module whose default export is `defineScenario({...})`.
 * A scenario is one unit of work (`step`) repeated by memkit under measurement, with named
 * variants — a "before" and an "after" where the point is a comparison — and parameters
 * with defaults that `--param key=value` overrides.
 */

export type ParamValue = string | number | boolean;

export interface ParamSpec {
  default: ParamValue;
  description: string;
}

export interface VariantSpec {
  description: string;
  /** Parameter values this variant sets; `--param` still overrides them. */
  params?: Record<string, ParamValue>;
}

export interface CustomMetricSpec {
  unit?: Unit;
  better?: Better;
  description?: string;
}

/** What a scenario's code can reach while it runs in the measured child. */
export interface ScenarioContext {
  readonly variant: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Steps completed so far. */
  readonly steps: number;
  /** Adds to a counter, e.g. ctx.count('cache.hit'); reported as custom.<name>. */
  count(name: string, n?: number): void;
  /** Sets a gauge to its latest value; reported as custom.<name>. */
  gauge(name: string, value: number): void;
  /** Starts timing a phase; call the returned function to end it. */
  phase(name: string): () => void;
}

export interface ScenarioDefinition<State = unknown> {
  name: string;
  description: string;
  variants: Record<string, VariantSpec>;
  /** The variant used without --variant; the first one when omitted. */
  defaultVariant?: string;
  params?: Record<string, ParamSpec>;
  /** Declares units and directions of custom counters/gauges (by name without `custom.`). */
  metrics?: Record<string, CustomMetricSpec>;
  /** Phase names in pipeline order, for reports. */
  phases?: string[];
  /**
   * Checks the parameter values before anything runs (in memkit itself, so a bad value is
   * exit 2 with one line, not a crash of the child): return the problem, or nothing.
   */
  validateParams?(params: Readonly<Record<string, ParamValue>>): string | undefined;
  setup(ctx: ScenarioContext): State | Promise<State>;
  step(state: State, ctx: ScenarioContext): void | Promise<void>;
  teardown?(state: State, ctx: ScenarioContext): void | Promise<void>;
}

export function defineScenario<State>(def: ScenarioDefinition<State>): ScenarioDefinition<State> {
  return def;
}
