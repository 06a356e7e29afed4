import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AGENT_ENV, type AgentConfig } from '../samples/protocol.js';
import { agentFinished, agentRecordsOf } from './agent-records.js';
import type { ChildKind } from './child-kind.js';

/** memkit's agent runs a scenario's step loop under --expose-gc, stopped by a message. */

const CHILD_MAIN = fileURLToPath(new URL('../agent/child-main.js', import.meta.url));

export function scenarioChild(agent: AgentConfig, nodeArgs: string[]): ChildKind {
  return {
    isCommand: false,
    program: 'node',
    nodeFlags: nodeArgs,
    politeStop: 'message',
    spawn: () =>
      fork(CHILD_MAIN, [], {
        execArgv: ['--expose-gc', ...nodeArgs],
        env: { ...process.env, [AGENT_ENV]: JSON.stringify(agent) },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      }),
    recordsOf: agentRecordsOf,
    finished: agentFinished,
  };
}
