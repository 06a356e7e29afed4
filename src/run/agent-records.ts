import type { ChildMessage } from '../samples/protocol.js';
import { mainIsolateOf, type RunData, type SampleRecord } from '../samples/run-data.js';

/**
 * How a child with memkit's agent inside (a scenario, or a preloaded command) speaks: one
 * tick's batches arrive bundled in a single IPC message and are recorded one by one, so
 * the samples file never holds a bundle; its last word is `done`.
 */

export function agentRecordsOf(message: { type: string }): SampleRecord[] {
  const m = message as ChildMessage;
  if (m.type !== 'tick') return [m];
  if (!Array.isArray(m.batches)) return [];
  return m.batches.filter((b) => b && typeof b.type === 'string');
}

export function agentFinished(data: RunData): boolean {
  return data.done !== undefined;
}

/** A command: the agent of the process memkit started said its last word. */
export function rootAgentFinished(data: RunData, rootPid: number): boolean {
  return mainIsolateOf(data, rootPid)?.done !== undefined;
}
