import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { UsageError } from '../core/errors.js';
import { AGENT_ENV, type AgentConfig } from '../samples/protocol.js';
import { agentFinished, agentRecordsOf } from './agent-records.js';
import type { ChildKind } from './child-kind.js';

/**
 * The user's own command, with memkit's agent preloaded through NODE_OPTIONS (a non-Node
 * command gets RSS/CPU sampling only). Stopped by SIGTERM, as any program expects.
 */

const PRELOAD = new URL('../agent/preload.js', import.meta.url).href;

function isNodeBinary(cmd: string): boolean {
  return cmd === process.execPath || /^node(js)?(\.exe)?$/.test(basename(cmd));
}

export function commandChild(argv: string[], intervalMs: number, nodeArgs: string[]): ChildKind {
  const [cmd, ...args] = argv;
  return {
    isCommand: true,
    program: cmd ?? '',
    nodeFlags: nodeArgs,
    politeStop: 'signal',
    spawn() {
      if (!cmd) throw new UsageError('no command given after --');
      const agent: AgentConfig = { mode: 'preload', intervalMs };
      const preload = `--import=${JSON.stringify(PRELOAD)}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        [AGENT_ENV]: JSON.stringify(agent),
        NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
      };
      // Node flags go on a node command line directly: NODE_OPTIONS refuses many V8 flags.
      const finalArgs = isNodeBinary(cmd) ? [...nodeArgs, ...args] : args;
      if (!isNodeBinary(cmd) && nodeArgs.length) {
        env.NODE_OPTIONS = [env.NODE_OPTIONS, ...nodeArgs].join(' ');
      }
      return spawn(cmd, finalArgs, { env, stdio: ['inherit', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
    },
    recordsOf: agentRecordsOf,
    finished: agentFinished,
  };
}
