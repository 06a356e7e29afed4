import type { AgentConfig } from '../samples/protocol.js';
import type { ChildKind } from './child-kind.js';
import { commandChild, type CommandStressSettings } from './command-child.js';
import { startChild, type ChildRunOptions, type RunHandle } from './runtime.js';
import { scenarioChild } from './scenario-child.js';

export type { RunControl } from './child-kind.js';
export type { RunHandle, RunOutcome } from './runtime.js';

/**
 * One measured run with memkit's agent inside, as the measuring session asks for it: a
 * scenario (the agent forked under --expose-gc) or the user's command (the agent
 * preloaded). Both are kinds of the one child runtime (runtime.ts).
 */

export type RunTarget =
  | { kind: 'scenario'; agent: AgentConfig }
  | { kind: 'command'; argv: string[]; intervalMs: number; stress?: CommandStressSettings };

export interface RunSpec extends Omit<ChildRunOptions, 'durationMs'> {
  target: RunTarget;
  /** Extra Node/V8 flags for the child (--node-arg), after --expose-gc. */
  nodeArgs: string[];
  /** Command mode: SIGTERM the program after this long (a scenario's agent keeps its own time). */
  durationMs?: number;
}

export function startRun(spec: RunSpec): RunHandle {
  const { target, nodeArgs, durationMs, ...options } = spec;
  const kind: ChildKind =
    target.kind === 'scenario' ? scenarioChild(target.agent, nodeArgs) : commandChild(target.argv, target.intervalMs, nodeArgs, target.stress);
  return startChild(kind, { ...options, ...(target.kind === 'command' && durationMs !== undefined ? { durationMs } : {}) });
}
