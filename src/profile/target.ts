import { UsageError } from '../core/errors.js';
import type { AgentConfig } from '../samples/protocol.js';
import type { Target } from '../baseline/schema.js';
import type { RunTarget } from '../run/runner.js';
import { loadScenario, parseParamFlags, resolveVariantAndParams } from '../scenario/loader.js';
import type { ScenarioDefinition } from '../scenario/define.js';

export const DEFAULT_SCENARIO = 'lru-cache';

export interface TargetOptions {
  scenario?: string;
  variant?: string;
  params: string[];
  /** A command after `--`, instead of a scenario. */
  command: string[];
}

export interface ResolvedTarget {
  /** For file names and headings: "lru-cache-stable-key", "node-app.js". */
  label: string;
  target: Target;
  definition?: ScenarioDefinition;
  /** The runner's target for one run, given the agent settings of the command. */
  runTarget(agent: Omit<AgentConfig, 'mode' | 'scenario'>): RunTarget;
}

/**
 * What to measure: a scenario (built-in name or file; loaded here, in the parent, so a
 * bad name, variant, parameter or a file that throws is exit 2 before any child runs)
 * or the user's own command.
 */
export async function resolveTarget(opts: TargetOptions, cwd = process.cwd()): Promise<ResolvedTarget> {
  if (opts.command.length > 0) {
    if (opts.scenario || opts.variant || opts.params.length) {
      throw new UsageError('give either a scenario (--scenario/--variant/--param) or a command after --, not both');
    }
    const argv = opts.command;
    return {
      label: argv.map((a) => a.split('/').pop()).join('-'),
      target: { type: 'command', argv, instrumented: false },
      runTarget: (agent) => ({
        kind: 'command',
        argv,
        intervalMs: agent.intervalMs,
        // mem-stress's checkpoints (gc-profile asks for none): a program has no steps to count.
        stress: { gcCheckpointEveryMs: agent.gcCheckpointEveryMs, settledCheckpoints: agent.settledCheckpoints, warmupMs: agent.warmupMs, allocSites: agent.allocSites, pythonGc: agent.pythonGc },
      }),
    };
  }
  const spec = opts.scenario ?? DEFAULT_SCENARIO;
  const loaded = await loadScenario(spec, cwd);
  const { variant, params } = resolveVariantAndParams(loaded.definition, opts.variant, parseParamFlags(opts.params));
  const name = loaded.definition.name;
  return {
    label: `${name}-${variant}`,
    definition: loaded.definition,
    target: { type: 'scenario', scenario: name, file: loaded.file, builtin: loaded.builtin, variant, params },
    runTarget: (agent) => ({
      kind: 'scenario',
      agent: { mode: 'scenario', ...agent, scenario: { file: loaded.file, variant, params } },
    }),
  };
}
