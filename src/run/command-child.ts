import { spawn } from 'node:child_process';
import { basename, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';
import { AGENT_ENV, CHANNEL_ENV, type AgentConfig } from '../samples/protocol.js';
import { agentRecordsOf, rootAgentFinished } from './agent-records.js';
import type { ChildKind } from './child-kind.js';

/**
 * The user's own command, with memkit's agent preloaded through NODE_OPTIONS into every
 * Node process and worker thread it starts (a non-Node process gets RSS/CPU sampling
 * only). Stopped by SIGTERM, as any program expects.
 */

const PRELOAD = fileURLToPath(new URL('../agent/preload.cjs', import.meta.url));
/**
 * memkit's Python agent: a folder holding only a sitecustomize.py, put first on PYTHONPATH
 * so every Python process of the tree loads the agent (it chains to the user's own
 * sitecustomize). Resolved from the installed package: dist/src/run/ → python/site.
 */
const PYTHON_SITE = fileURLToPath(new URL('../../../python/site', import.meta.url));

function isNodeBinary(cmd: string): boolean {
  return cmd === process.execPath || /^node(js)?(\.exe)?$/.test(basename(cmd));
}

/** What mem-stress adds to a command's agents: forced-GC checkpoints (agent/command-checkpoints.ts). */
/** What a command's agents take beyond sampling: mem-stress's checkpoints, --alloc-sites. */
export type CommandStressSettings = Pick<AgentConfig, 'gcCheckpointEveryMs' | 'settledCheckpoints' | 'warmupMs' | 'allocSites' | 'pythonGc'>;

export function commandChild(argv: string[], intervalMs: number, nodeArgs: string[], stress: CommandStressSettings = {}): ChildKind {
  const [cmd, ...args] = argv;
  return {
    isCommand: true,
    program: cmd ?? '',
    argv,
    nodeFlags: nodeArgs,
    politeStop: 'signal',
    agentSocket: true,
    spawn({ channelPath }) {
      if (!cmd) throw new UsageError('no command given after --');
      // Inherited through the environment: every process and worker thread of the tree takes the same checkpoints.
      const agent: AgentConfig = {
        mode: 'preload',
        intervalMs,
        ...(stress.gcCheckpointEveryMs !== undefined ? { gcCheckpointEveryMs: stress.gcCheckpointEveryMs } : {}),
        ...(stress.settledCheckpoints ? { settledCheckpoints: true } : {}),
        ...(stress.warmupMs !== undefined ? { warmupMs: stress.warmupMs } : {}),
        ...(stress.allocSites ? { allocSites: stress.allocSites } : {}),
        ...(stress.pythonGc ? { pythonGc: stress.pythonGc } : {}),
      };
      // --require, not --import: it runs in every worker thread too (docs/process-tree.md F2).
      const preload = `--require=${JSON.stringify(PRELOAD)}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        [AGENT_ENV]: JSON.stringify(agent),
        ...(channelPath ? { [CHANNEL_ENV]: channelPath } : {}),
        NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
        PYTHONPATH: [PYTHON_SITE, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
      };
      // Node flags go on a node command line directly: NODE_OPTIONS refuses many V8 flags.
      const finalArgs = isNodeBinary(cmd) ? [...nodeArgs, ...args] : args;
      if (!isNodeBinary(cmd) && nodeArgs.length) {
        env.NODE_OPTIONS = [env.NODE_OPTIONS, ...nodeArgs].join(' ');
      }
      // No IPC channel: the program runs as it would without memkit (no process.send of its
      // own), and every agent, the top one included, speaks over the run's socket.
      return spawn(cmd, finalArgs, { env, stdio: ['inherit', 'pipe', 'pipe'] });
    },
    recordsOf: agentRecordsOf,
    finished: rootAgentFinished,
  };
}
