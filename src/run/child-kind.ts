import type { ChildProcess } from 'node:child_process';
import type { JobParentMessage, ParentMessage } from '../samples/protocol.js';
import type { RunData, SampleRecord } from '../samples/run-data.js';
import type { StopCause } from './exit-classifier.js';

/**
 * What differs between the children memkit measures, as hyperfine's `Executor` and
 * vitest's pool runtimes separate it: how a child is started, how it is asked to stop,
 * which of its messages are records, and when it has said its last word. Everything they
 * share (the samples file, the outside sampler, the stderr tail, stop escalation, the exit
 * classifier) is the runtime's, in runtime.ts. The kinds: scenario-child.ts (memkit's
 * agent runs a scenario), command-child.ts (a user's command, agent preloaded),
 * job-child.ts (a computation such as similarity-build's).
 */
export interface ChildKind {
  /** A user's command: its own exit code decides, and memkit's agent may not be inside. */
  readonly isCommand: boolean;
  /** The program named when it cannot be started ('node', or the user's command). */
  readonly program: string;
  /** The command line as spawned, to name a root that neither /proc nor an agent described. */
  readonly argv?: string[];
  /** The child's Node flags, to name a heap limit the user set when it runs out. */
  readonly nodeFlags: string[];
  /**
   * How a stop is asked for first: 'message' lets memkit's agent finish its step and report;
   * 'signal' sends SIGTERM (a program or a job stops where it is). Both escalate to SIGKILL.
   */
  readonly politeStop: 'message' | 'signal';
  /**
   * Its agents speak over the run's Unix socket (run/agent-channel.ts), one per process and
   * thread, instead of the IPC channel of the one child memkit spawned.
   */
  readonly agentSocket?: boolean;
  /** Starts the child; throws UsageError for what cannot be run. `channelPath`: the run's socket. */
  spawn(ctx: { channelPath?: string }): ChildProcess;
  /** The records one IPC message holds, in order; none for messages that are not data. */
  recordsOf(message: { type: string }): SampleRecord[];
  /** The child said its last word: a clean exit after it is a complete run. */
  finished(data: RunData, rootPid: number): boolean;
  /** Once the child is started (a job child is handed its job here). */
  onStart?(control: RunControl): void;
  /** Every message, after its records were written: handshakes and progress. */
  onMessage?(message: { type: string }, control: RunControl, record: (r: SampleRecord) => void): void;
}

/** A running child, as its caller (and its kind) can steer it. */
export interface RunControl {
  readonly pid: number;
  readonly samplesPath: string;
  send(message: ParentMessage | JobParentMessage<unknown>): void;
  /** A command: one agent of its tree, by the agentId its records carry (over the run's socket). */
  sendToAgent(agentId: number, message: ParentMessage): void;
  /**
   * Ask the child to stop; escalates to SIGTERM and SIGKILL if it does not. `detail`: the
   * figures behind the cause, for the run's status line (--memory-limit).
   */
  stop(cause: StopCause, detail?: string): void;
  readonly data: RunData;
  /** A parent-side record (mem-stress's load): written and folded like the child's; ignored once the run has ended. */
  record(r: SampleRecord): void;
}
