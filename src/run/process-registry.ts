import { constants } from 'node:os';
import { basename, isAbsolute, relative } from 'node:path';
import type {
  AgentErrorMessage,
  DoneMessage,
  ErrorMessage,
  ExitInfo,
  HelloMessage,
  NearHeapLimitMessage,
  WorkerExitMessage,
} from '../samples/protocol.js';
import type { NearHeapLimitEvidence, ProcessEndRecord, SampleRecord, UnreachedRecord } from '../samples/run-data.js';
import { isNodeExe, isPythonExe, linuxProcReader, looksLikeNode, preloadsOf, pythonAgentBlocked, type ProcReader } from './node-process-env.js';
import { type CgroupSighting, OomKillWatch, oomKillReason } from './oom-kill-watch.js';
import type { StderrFatal } from './stderr-fatal.js';

/**
 * Who is in a command's process tree and how each process and worker thread ended
 * (docs/process-tree.md 3.2). It is fed every record of the run as it is recorded, and the
 * stderr scanner's findings; at the end, `settle` pieces together one `process-end` per
 * process and thread from the best witness, and an `unreached` for every Node process or
 * thread no agent reported from, with the reason.
 *
 * Witnesses, strongest first: the kernel's exit status (the root's own exit, a Node parent's
 * `child-exit`, a worker's `worker-exit`); the V8 out-of-heap block on stderr (nothing runs
 * JS after it, so no agent can say it); the process's own agent (an uncaught error, `done`);
 * the agent's connection closing without `done` (lost); the outside sampler (gone, or still
 * running when the command ended). Why a Node process has no agent can only be read from
 * /proc while it lives, so that is done at once, on the sampler's `proc-info`.
 */

export interface ProcessRegistryOptions {
  readProc?: ProcReader;
  /** Tells memkit's preload among NODE_OPTIONS' --require paths. */
  isMemkitPreload?(path: string): boolean;
  /** Tells memkit's Python agent folder (python/site) among PYTHONPATH's entries. */
  isMemkitPythonSite?(path: string): boolean;
  /** Paths under it are shortened in the names of processes. */
  cwd?: string;
  /**
   * Reads each process's memory cgroup to tell the kernel OOM killer's SIGKILL from any
   * other. Default: the real one, unless readProc is a fake (a faked tree's pids are not
   * this machine's processes); null: none.
   */
  oomKills?: OomKillWatch | null;
}

/** How the root itself ended, from its ChildProcess 'exit'. */
export interface RootEnd {
  pid: number;
  exit: ExitInfo;
  tMs: number;
  /** The command as memkit spawned it, for a root no sample or agent described. */
  argv?: string[];
}

export interface SettledTree {
  ends: ProcessEndRecord[];
  unreached: UnreachedRecord[];
  /** Fatal ends on stderr that no process of the tree could be matched to. */
  unattributed: StderrFatal[];
}

const WORKER_OOM = 'ERR_WORKER_OUT_OF_MEMORY';
/** Signals a process ends with when V8 or Node gives up on it (abort, V8's IMMEDIATE_CRASH). */
const ABORT_SIGNALS = new Set(['SIGABRT', 'SIGTRAP', 'SIGILL']);
/** Non-Node programs a Node process commonly spawns to run others (no agent can be in them). */
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash', 'fish', 'busybox']);

/** Signal numbers to names; the first name wins (os.constants lists SIGIOT after SIGABRT, both 6). */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(constants.signals)) if (!SIGNAL_NAMES.has(n)) SIGNAL_NAMES.set(n, name);

interface Kernel {
  tMs: number;
  code: number | null;
  signal: string | null;
  source: ProcessEndRecord['source'];
  /** Inferred from a shell parent's 128+n. */
  viaShell?: { pid: number; code: number };
}

/** One isolate's agent: what it said of its own end. */
interface OwnWord {
  agentId?: number;
  hello?: HelloMessage;
  done?: DoneMessage;
  uncaught?: ErrorMessage;
  lostMs?: number;
  agentError?: AgentErrorMessage;
  fatal?: StderrFatal;
  /** The addon's record as V8 neared the heap limit, and the agent's first heap reading before it. */
  nearLimit?: NearHeapLimitMessage;
  firstHeap?: { tMs: number; usedBytes: number };
  /** The near-limit snapshot was written whole (its heap-snapshot-done came, with bytes). */
  nearLimitSnapshotWritten?: boolean;
}

interface Thread extends OwnWord {
  threadId: number;
  firstSeenMs: number;
  exit?: WorkerExitMessage;
}

interface Proc extends OwnWord {
  pid: number;
  startTicks?: number;
  ppid?: number;
  argv: string[];
  comm?: string;
  firstSeenMs: number;
  /** The outside sampler saw it (so /proc was read while it lived). */
  sampled: boolean;
  /** From /proc/<pid>/exe (or a hello); undefined when it could not be told. */
  node?: boolean;
  /** From /proc/<pid>/exe: a Python interpreter, where memkit's Python agent should be. */
  python?: boolean;
  /** Why a Node or Python process may have no agent, read from /proc/<pid>/environ. */
  envReason?: string;
  spawn?: { tMs: number; file: string; argv: string[] };
  parentExit?: Kernel;
  goneMs?: number;
  /** Its memory cgroup and the cgroup's OOM kills when it was seen there (oom-kill-watch.ts). */
  memcg?: CgroupSighting;
  threads: Map<number, Thread>;
}

export class ProcessRegistry {
  private readonly readProc: ProcReader;
  private readonly isMemkitPreload: (path: string) => boolean;
  private readonly isMemkitPythonSite: (path: string) => boolean;
  private readonly cwd: string;
  private readonly procs: Proc[] = [];
  private readonly latest = new Map<number, Proc>();
  private readonly agents = new Map<number, { proc: Proc; thread?: Thread }>();
  private readonly fatals: StderrFatal[] = [];
  private rootPid: number | undefined;
  private readonly oomKills: OomKillWatch | undefined;

  constructor(options: ProcessRegistryOptions = {}) {
    this.readProc = options.readProc ?? linuxProcReader;
    this.oomKills = options.oomKills === null ? undefined : (options.oomKills ?? (options.readProc ? undefined : new OomKillWatch()));
    this.isMemkitPreload = options.isMemkitPreload ?? ((p) => p.includes('memkit') && p.endsWith('preload.cjs'));
    this.isMemkitPythonSite = options.isMemkitPythonSite ?? ((p) => /(^|\/)python\/site\/?$/.test(p));
    this.cwd = options.cwd ?? process.cwd();
  }

  /** Every record of the run, in the order it was recorded. */
  add(r: SampleRecord): void {
    const agentId = (r as { agentId?: number }).agentId;
    switch (r.type) {
      case 'proc-info': {
        const p = this.procFor(r.pid, r.tMs, r.startTicks);
        p.sampled = true;
        p.ppid = r.ppid;
        p.argv = r.argv;
        p.comm = r.comm;
        // Again on every exec: a fork caught before its exec looks like its (Node) parent,
        // and a shell may have moved itself into another cgroup before it exec'd the program.
        this.inspect(p);
        p.memcg = this.oomKills?.sight(p.pid, p.memcg);
        break;
      }
      case 'proc-gone': {
        const p = this.latest.get(r.pid);
        if (p && p.goneMs === undefined) p.goneMs = r.tMs;
        break;
      }
      case 'hello': {
        if (agentId === undefined) break;
        const p = this.procFor(r.pid, r.tMs, r.startTicks);
        p.node = true;
        if (r.isMainThread === false && r.threadId !== undefined) {
          const t = threadOf(p, r.threadId, r.tMs);
          t.agentId = agentId;
          t.hello = r;
          this.agents.set(agentId, { proc: p, thread: t });
        } else {
          p.agentId = agentId;
          p.hello = r;
          p.ppid ??= r.ppid;
          if (p.argv.length === 0 && r.argv) p.argv = r.argv;
          this.agents.set(agentId, { proc: p });
          p.memcg = this.oomKills?.sight(p.pid, p.memcg);
        }
        break;
      }
      case 'done':
      case 'error':
      case 'agent-lost': {
        const who = agentId === undefined ? undefined : this.agents.get(agentId);
        if (!who) break;
        const word: OwnWord = who.thread ?? who.proc;
        if (r.type === 'done') word.done = r;
        else if (r.type === 'agent-lost') word.lostMs = r.tMs;
        else if (r.phase === 'uncaught') word.uncaught = r;
        break;
      }
      case 'mem':
      case 'near-heap-limit':
      case 'heap-snapshot-done': {
        const who = agentId === undefined ? undefined : this.agents.get(agentId);
        if (!who) break;
        const word: OwnWord = who.thread ?? who.proc;
        if (r.type === 'near-heap-limit') word.nearLimit ??= r;
        else if (r.type === 'heap-snapshot-done') {
          if (r.path === word.nearLimit?.snapshotPath && r.bytes > 0) word.nearLimitSnapshotWritten = true;
        } else if (!word.firstHeap && r.tMs.length > 0) word.firstHeap = { tMs: r.tMs[0]!, usedBytes: r.heapUsed[0]! };
        break;
      }
      case 'agent-error': {
        const p = this.procFor(r.pid, r.tMs);
        if (r.threadId > 0) threadOf(p, r.threadId, r.tMs).agentError = r;
        else p.agentError = r;
        break;
      }
      case 'child-spawn': {
        const parent = agentId === undefined ? undefined : this.agents.get(agentId)?.proc;
        const known = this.latest.get(r.pid);
        // A pid whose last process the kernel already saw end was reused.
        const p = known?.parentExit ? this.newProc(r.pid, r.tMs) : this.procFor(r.pid, r.tMs);
        p.spawn = { tMs: r.tMs, file: r.file, argv: r.argv };
        if (p.argv.length === 0) p.argv = r.argv;
        if (parent) p.ppid ??= parent.pid;
        break;
      }
      case 'child-exit': {
        const p = this.procFor(r.pid, r.tMs);
        p.parentExit = { tMs: r.tMs, code: r.code, signal: r.signal, source: 'parent-agent' };
        break;
      }
      case 'worker-start':
      case 'worker-exit': {
        const parent = agentId === undefined ? undefined : this.agents.get(agentId)?.proc;
        if (!parent) break;
        const t = threadOf(parent, r.threadId, r.tMs);
        if (r.type === 'worker-exit') t.exit = r;
        break;
      }
      default:
    }
  }

  /** A fatal end the stderr scanner found. */
  addStderrFatal(f: StderrFatal): void {
    this.fatals.push(f);
  }

  /** How every process and thread seen ended, and which Node ones were not measured. */
  settle(root: RootEnd): SettledTree {
    this.rootPid = root.pid;
    const rootProc = this.procFor(root.pid, root.tMs);
    if (rootProc.argv.length === 0 && root.argv) rootProc.argv = root.argv;
    const kernel = new Map<Proc, Kernel>();
    kernel.set(rootProc, { tMs: root.tMs, code: root.exit.code, signal: root.exit.signal, source: 'root' });
    for (const p of this.procs) if (p !== rootProc && p.parentExit) kernel.set(p, p.parentExit);
    this.inferFromShells(kernel);
    const unattributed = this.attributeFatals(kernel, root.tMs);

    const ends: ProcessEndRecord[] = [];
    const unreached: UnreachedRecord[] = [];
    for (const p of this.procs) {
      const end = this.processEnd(p, kernel.get(p), root.tMs);
      ends.push(end);
      const why = this.unreachedReason(p);
      if (why) unreached.push({ type: 'unreached', tMs: p.firstSeenMs, pid: p.pid, ...ticks(p), argv: p.argv, reason: why });
      for (const t of p.threads.values()) {
        ends.push(threadEnd(p, t, end));
        if (!t.hello) {
          const reason = t.agentError
            ? `memkit's agent did not load: ${firstLine(t.agentError.message)}`
            : `worker thread ${t.threadId}: not measured (started with an env without NODE_OPTIONS?)`;
          unreached.push({ type: 'unreached', tMs: t.firstSeenMs, pid: p.pid, ...ticks(p), threadId: t.threadId, argv: p.argv, reason });
        }
      }
    }
    return { ends, unreached, unattributed };
  }

  /**
   * The process or thread a record names, for people: "pid 3615 (cluster worker 1: node
   * cluster.js)", "worker thread 2 of pid 3728 (node wt.js)".
   */
  describe(end: { pid: number; threadId?: number; startTicks?: number }): string {
    const p = this.procs.findLast((q) => q.pid === end.pid && (end.startTicks === undefined || q.startTicks === end.startTicks));
    const argv = p ? shortArgv(p.argv, this.cwd) : '';
    if (end.threadId !== undefined) return `worker thread ${end.threadId} of pid ${end.pid}${argv ? ` (${argv})` : ''}`;
    const role = p?.hello?.role;
    const label = end.pid === this.rootPid
      ? ''
      : role === 'cluster-worker'
        ? `cluster worker${p?.hello?.clusterWorkerId !== undefined ? ` ${p.hello.clusterWorkerId}` : ''}`
        : role === 'fork'
          ? 'fork'
          : '';
    const inner = [label, argv].filter(Boolean).join(': ');
    return `pid ${end.pid}${inner ? ` (${inner})` : ''}`;
  }

  private newProc(pid: number, tMs: number, startTicks?: number): Proc {
    const p: Proc = { pid, startTicks, argv: [], firstSeenMs: tMs, sampled: false, threads: new Map() };
    this.procs.push(p);
    this.latest.set(pid, p);
    return p;
  }

  /** The latest process with this pid, unless startTicks says it is another one. */
  private procFor(pid: number, tMs: number, startTicks?: number): Proc {
    const p = this.latest.get(pid);
    if (p && (startTicks === undefined || p.startTicks === undefined || p.startTicks === startTicks)) {
      p.startTicks ??= startTicks;
      return p;
    }
    return this.newProc(pid, tMs, startTicks);
  }

  /** Is it Node, and if so, would an agent load in it? (3.2's reasons 1-3.) */
  private inspect(p: Proc): void {
    if (p.hello) return; // it said hello: Node, with an agent
    const exe = this.readProc.exe(p.pid);
    if (exe === 'gone') return;
    p.node = exe === 'denied' ? looksLikeNode(p.comm ?? '', p.argv) : isNodeExe(exe);
    p.python = exe !== 'denied' && isPythonExe(exe);
    p.envReason = undefined;
    if (p.python) {
      this.inspectPython(p);
      return;
    }
    if (!p.node) return;
    const env = this.readProc.environ(p.pid);
    if (env === 'gone') return;
    if (env === 'denied') {
      p.envReason = 'cannot read its environment (another user?)';
      return;
    }
    const options = env.find((e) => e.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length);
    if (options === undefined) p.envReason = 'its environment dropped NODE_OPTIONS (started with a custom env)';
    else if (!preloadsOf(options).some(this.isMemkitPreload)) {
      const shown = options.length > 60 ? `${options.slice(0, 59)}…` : options;
      p.envReason = `its NODE_OPTIONS does not load memkit's agent (set to ${JSON.stringify(shown)})`;
    }
  }

  /** Would memkit's Python agent load in it (PYTHONPATH, MEMKIT_CHANNEL, -I/-E/-S)? */
  private inspectPython(p: Proc): void {
    const env = this.readProc.environ(p.pid);
    if (env === 'gone') return;
    p.envReason = env === 'denied' ? 'cannot read its environment (another user?)' : pythonAgentBlocked(env, p.argv, this.isMemkitPythonSite);
  }

  /**
   * A shell exits 128+n when its child was killed by signal n (F15): with a single child and
   * no other witness of that child's end, that is the child's end.
   */
  private inferFromShells(kernel: Map<Proc, Kernel>): void {
    for (const sh of this.procs) {
      const k = kernel.get(sh);
      if (!k || k.code === null || k.code <= 128 || sh.node !== false) continue;
      const signal = SIGNAL_NAMES.get(k.code - 128);
      const children = this.procs.filter((c) => c.ppid === sh.pid && c !== sh && c.firstSeenMs >= sh.firstSeenMs);
      if (!signal || children.length !== 1) continue;
      const child = children[0]!;
      if (kernel.has(child) || child.done) continue;
      kernel.set(child, { tMs: k.tMs, code: null, signal, source: k.source, viaShell: { pid: sh.pid, code: k.code } });
    }
  }

  /**
   * Joins each stderr fatal to its process: by the pid its GC lines name (and to a worker
   * thread when the isolate is one's), else a lone FATAL line to the one process that
   * aborted. A worker's resourceLimits error is already known from its parent's worker-exit.
   */
  private attributeFatals(kernel: Map<Proc, Kernel>, tMs: number): StderrFatal[] {
    const left: StderrFatal[] = [];
    const lone: StderrFatal[] = [];
    for (const f of this.fatals) {
      if (f.kind === 'worker-oom') {
        const explained = this.procs.some(
          (p) => [...p.threads.values()].some((t) => t.exit?.errorCode === WORKER_OOM) || p.uncaught?.message.includes(f.message),
        );
        if (!explained) left.push(f);
      } else if (f.pid === undefined) lone.push(f);
      else {
        const p = this.latest.get(f.pid) ?? this.newProc(f.pid, tMs);
        const t = [...p.threads.values()].find((th) => th.hello?.isolate !== undefined && th.hello.isolate === f.isolate);
        (t ?? p).fatal ??= f;
      }
    }
    // As many lone lines as processes that aborted (several workers out of heap together):
    // paired in the order they died, which at worst swaps two identical causes.
    const aborted = this.procs
      .filter((p) => !p.fatal && ABORT_SIGNALS.has(kernel.get(p)?.signal ?? ''))
      .sort((a, b) => kernel.get(a)!.tMs - kernel.get(b)!.tMs);
    if (lone.length > 0 && (aborted.length === lone.length || aborted.length === 1)) {
      lone.forEach((f, i) => {
        if (aborted[i]) aborted[i]!.fatal = f;
        else left.push(f);
      });
    } else left.push(...lone);
    return left;
  }

  private processEnd(p: Proc, k: Kernel | undefined, rootEndMs: number): ProcessEndRecord {
    const base = { type: 'process-end' as const, pid: p.pid, ...ticks(p), ...(p.agentId !== undefined ? { agentId: p.agentId } : {}) };
    const code = k ? k.code : (p.done?.exitCode ?? null);
    const signal = k?.signal ?? null;
    const tMs = k?.tMs ?? p.done?.tMs ?? p.lostMs ?? p.goneMs ?? rootEndMs;
    const near = nearLimitEvidence(p);
    if (p.fatal) {
      const cause = p.fatal.kind === 'oom' ? 'oom' : 'signal';
      const reason = p.fatal.kind === 'oom' ? `ran out of V8 heap memory: ${p.fatal.message}` : `V8 fatal error: ${p.fatal.message}`;
      return { ...base, tMs, code, signal, cause, source: 'stderr', reason, ...(near && cause === 'oom' ? { nearHeapLimit: near } : {}) };
    }
    // V8 said it was at its limit, then the process aborted: its stderr block was not seen
    // (redirected by the program, or cut), but the abort after that record is the same death.
    if (near && ABORT_SIGNALS.has(signal ?? '') && p.done === undefined) {
      return { ...base, tMs, code, signal, cause: 'oom', source: 'own-agent', reason: 'ran out of V8 heap memory', nearHeapLimit: near };
    }
    // uncaughtExceptionMonitor also sees errors a handler then keeps the process alive from:
    // an error ended it only if it did not exit 0 (or die of a signal) after.
    if (p.uncaught && signal === null && code !== 0) {
      return { ...base, tMs, code, signal, cause: 'uncaught', source: 'own-agent', reason: uncaughtReason(p.uncaught) };
    }
    if (k && signal === 'SIGKILL') {
      // Only the kernel knows who sent a SIGKILL: its OOM killer counts its kills in the cgroup.
      const oom = this.oomKills?.evidence(p.pid, p.memcg);
      if (oom) return { ...base, tMs, code, signal, cause: 'oom', source: k.source, reason: oomKillReason(oom) };
    }
    if (k) {
      const reason = k.viaShell ? `its parent pid ${k.viaShell.pid} (a shell) exited ${k.viaShell.code} = 128 + ${signal}` : undefined;
      return { ...base, tMs, code, signal, cause: signal ? 'signal' : 'exit', source: k.source, ...(reason ? { reason } : {}) };
    }
    if (p.done) return { ...base, tMs, code, signal, cause: 'exit', source: 'own-agent' };
    if (p.lostMs !== undefined) {
      return { ...base, tMs, code, signal, cause: 'lost', source: 'own-agent', reason: "its agent's connection closed without its last word" };
    }
    if (p.goneMs === undefined && this.readProc.alive(p.pid, p.startTicks)) {
      return { ...base, tMs: rootEndMs, code, signal, cause: 'running', source: 'proc', reason: 'still running when the command ended' };
    }
    return { ...base, tMs, code, signal, cause: 'exit', source: 'proc', reason: 'ended; its exit status reached no witness (its parent runs no agent)' };
  }

  private unreachedReason(p: Proc): string | undefined {
    if (p.hello) return undefined;
    if (p.agentError) return `memkit's agent did not load: ${firstLine(p.agentError.message)}`;
    if (p.python) {
      // A forked child has its parent's exe until it says hello or execs: only a process
      // that ended without a word is unreached.
      return p.envReason ?? "memkit's Python agent never reported (it could not connect to memkit's channel, or the process ended or exec'd before; its stderr says which)";
    }
    const nodeNamed = looksLikeNode(p.comm ?? '', p.spawn ? [p.spawn.file, ...p.argv] : p.argv);
    if (p.node === true || (p.node === undefined && nodeNamed)) {
      if (p.envReason) return p.envReason;
      return p.sampled
        ? "memkit's agent never reported (it ended before its first event-loop turn, or the agent failed silently)"
        : "it ended before memkit's outside sampler saw it, and memkit's agent never reported from it";
    }
    if (p.node === false || p.sampled) return undefined; // not Node: RSS and CPU only, no note
    // Known only from its parent's child-spawn: too short-lived to look at; a shell is not Node.
    const program = basename(p.spawn?.file ?? p.argv[0] ?? '');
    if (SHELLS.has(program)) return undefined;
    return "it ended before memkit's outside sampler saw it (whether it ran Node is not known); no agent reported from it";
  }
}

function threadOf(p: Proc, threadId: number, tMs: number): Thread {
  let t = p.threads.get(threadId);
  if (!t) p.threads.set(threadId, (t = { threadId, firstSeenMs: tMs }));
  return t;
}

function threadEnd(p: Proc, t: Thread, processEnd: ProcessEndRecord): ProcessEndRecord {
  const base = { type: 'process-end' as const, pid: p.pid, ...ticks(p), threadId: t.threadId, ...(t.agentId !== undefined ? { agentId: t.agentId } : {}) };
  const code = t.exit?.code ?? t.done?.exitCode ?? null;
  const tMs = t.exit?.tMs ?? t.done?.tMs ?? t.lostMs ?? processEnd.tMs;
  const near = nearLimitEvidence(t);
  const evidence = near ? { nearHeapLimit: near } : {};
  if (t.fatal) return { ...base, tMs, code, signal: null, cause: 'oom', source: 'stderr', reason: `ran out of V8 heap memory: ${t.fatal.message}`, ...evidence };
  if (t.exit?.errorCode === WORKER_OOM) {
    const reason = `ran out of V8 heap memory (its resourceLimits)${t.exit.errorMessage ? `: ${firstLine(t.exit.errorMessage)}` : ''}`;
    return { ...base, tMs, code, signal: null, cause: 'oom', source: 'parent-agent', reason, ...evidence };
  }
  if (t.uncaught && code !== 0) return { ...base, tMs, code, signal: null, cause: 'uncaught', source: 'own-agent', reason: uncaughtReason(t.uncaught) };
  if (t.exit?.errorMessage) {
    // The worker's own agent did not say it (none, or lost): its parent got the error.
    return { ...base, tMs, code, signal: null, cause: 'uncaught', source: 'parent-agent', reason: firstLine(t.exit.errorMessage) };
  }
  if (t.exit) return { ...base, tMs, code, signal: null, cause: 'exit', source: 'parent-agent' };
  if (t.done) return { ...base, tMs, code, signal: null, cause: 'exit', source: 'own-agent' };
  if (t.lostMs !== undefined) {
    return { ...base, tMs, code, signal: null, cause: 'lost', source: 'own-agent', reason: "its agent's connection closed without its last word" };
  }
  if (processEnd.cause === 'running') return { ...base, tMs, code, signal: null, cause: 'running', source: 'proc', reason: processEnd.reason };
  // Nothing of its own: it went down with its process, whose record says how.
  return { ...base, tMs, code: null, signal: null, cause: 'exit', source: processEnd.source, reason: `ended with its process (pid ${p.pid})` };
}

/**
 * The addon's near-heap-limit record as the process's end keeps it, with what grew: the
 * heap from the agent's first reading to the record, and the space holding most of it.
 */
function nearLimitEvidence(w: OwnWord): NearHeapLimitEvidence | undefined {
  const n = w.nearLimit;
  if (!n) return undefined;
  const mb = (b: number): string => `${Math.round(b / 1e6)}`;
  const growth: string[] = [];
  if (w.firstHeap && n.usedHeapBytes > w.firstHeap.usedBytes) {
    const seconds = Math.max(0, (n.tMs - w.firstHeap.tMs) / 1000);
    growth.push(`heap used ${mb(w.firstHeap.usedBytes)} → ${mb(n.usedHeapBytes)} MB in ${seconds.toFixed(1)} s`);
  }
  const top = Object.entries(n.spaces ?? {}).sort((a, b) => b[1] - a[1])[0];
  if (top) growth.push(`${top[0]} ${mb(top[1])} MB`);
  return {
    limitBytes: n.limitBytes,
    initialLimitBytes: n.initialLimitBytes,
    usedHeapBytes: n.usedHeapBytes,
    ...(growth.length ? { growing: growth.join(', ') } : {}),
    ...(n.snapshotPath && w.nearLimitSnapshotWritten ? { snapshotPath: n.snapshotPath } : {}),
  };
}

function ticks(p: Proc): { startTicks?: number } {
  return p.startTicks !== undefined ? { startTicks: p.startTicks } : {};
}

function uncaughtReason(e: ErrorMessage): string {
  const message = firstLine(e.message);
  return e.origin === 'unhandledRejection' ? `unhandled promise rejection: ${message}` : message;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!;
}

/** A command line short enough for one line: the program's base name, paths under cwd relative. */
function shortArgv(argv: readonly string[], cwd: string): string {
  if (argv.length === 0) return '';
  const words = argv.map((a, i) => {
    if (i === 0) return a.includes(' ') ? a : basename(a); // npm's title ("npm run start") is no path
    if (isAbsolute(a)) {
      const rel = relative(cwd, a);
      if (!rel.startsWith('..') && !isAbsolute(rel)) return rel;
    }
    return a;
  });
  const s = words.join(' ');
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}
