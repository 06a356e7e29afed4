import { StringDecoder } from 'node:string_decoder';
import { isOutOfHeap } from './exit-classifier.js';

/**
 * Finds the fatal ends that only stderr tells of, in the stderr stream that every process
 * of a command's tree shares: V8's `FATAL ERROR: …` (an out-of-heap abort leaves no agent
 * alive to say so) with the `[pid:0xisolate]` prefixes of the "Last few GCs" lines V8
 * prints just before it, and Node's ERR_WORKER_OUT_OF_MEMORY (a worker's resourceLimits,
 * thrown in its parent when nobody handles the worker's 'error').
 *
 * It scans the stream as it comes rather than the 16 KB tail kept for crash reports: with
 * several processes writing, a tail can lose the block. Chunks split anywhere and V8 glues
 * its ring of GC lines together (each cut at a fixed width), so the prefixes are matched
 * unanchored, only in text up to the last newline seen; memory stays bounded by keeping
 * nothing but an unfinished last line (itself capped).
 */

export interface StderrFatal {
  /** oom: V8's heap limit; worker-oom: a worker thread's resourceLimits; fatal: any other FATAL ERROR. */
  kind: 'oom' | 'worker-oom' | 'fatal';
  /** From the block's GC lines; absent when V8 printed none or they named several processes. */
  pid?: number;
  /** The V8 isolate's address as V8 prints it (`0x…`), as the agent's hello carries it. */
  isolate?: string;
  /** V8's / Node's own words, one line. */
  message: string;
}

/** A line longer than this without a newline (a progress bar redrawn with \r) is cut to its end. */
const MAX_OPEN_LINE_CHARS = 64 * 1024;
const KEEP_OF_OPEN_LINE_CHARS = 4 * 1024;
/** Blocks whose FATAL line has not come yet: one per process dying at the same moment. */
const MAX_OPEN_BLOCKS = 16;

/**
 * Node's OOM handler prints `FATAL ERROR: <message>`; V8's own fatal checks (an array grown
 * past its maximum: "Fatal JavaScript invalid size error", ended by SIGTRAP) print
 * `# Fatal error in <file>, line <n>` and then `# <message>`, in separate writes.
 */
const TOKENS =
  /<--- Last few GCs --->|<--- JS stacktrace --->|\[(\d+):(0x[0-9a-fA-F]+)\]\s+[\d.]+ ms: |FATAL ERROR: ([^\n]*)|\[ERR_WORKER_OUT_OF_MEMORY\]: ([^\n]*)|(?:^|\n)# ([^\n]*)/g;

interface Block {
  /** Every `pid:isolate` its GC lines named (one, unless another process wrote into it). */
  owners: Set<string>;
  closed: boolean;
}

export class StderrFatalScanner {
  private readonly decoder = new StringDecoder('utf8');
  private openLine = '';
  private readonly blocks: Block[] = [];
  private readonly found: StderrFatal[] = [];
  /** A V8 `# Fatal error in …` header was seen: its message is the next `# ` line. */
  private v8FatalPending = false;

  /** Feeds the next chunk of the shared stderr; returns the fatal ends it completed. */
  push(chunk: Buffer | string): StderrFatal[] {
    this.openLine += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const nl = this.openLine.lastIndexOf('\n');
    if (nl < 0) {
      if (this.openLine.length > MAX_OPEN_LINE_CHARS) this.openLine = this.openLine.slice(-KEEP_OF_OPEN_LINE_CHARS);
      return [];
    }
    const complete = this.openLine.slice(0, nl + 1);
    this.openLine = this.openLine.slice(nl + 1);
    return this.scan(complete);
  }

  /** The stream ended: scans what is left of a last line without a newline. */
  end(): StderrFatal[] {
    const rest = this.openLine + this.decoder.end();
    this.openLine = '';
    return rest ? this.scan(rest) : [];
  }

  /** Every fatal end found so far, in the order their messages appeared. */
  findings(): readonly StderrFatal[] {
    return this.found;
  }

  private scan(text: string): StderrFatal[] {
    const out: StderrFatal[] = [];
    for (const m of text.matchAll(TOKENS)) {
      const token = m[0];
      if (token === '<--- Last few GCs --->') {
        this.blocks.push({ owners: new Set(), closed: false });
        if (this.blocks.length > MAX_OPEN_BLOCKS) this.blocks.shift();
      } else if (token === '<--- JS stacktrace --->') {
        const open = this.lastOpenBlock();
        if (open) open.closed = true;
      } else if (m[1] !== undefined) {
        // A GC line outside a block is --trace-gc output on stderr, not a crash.
        this.lastOpenBlock()?.owners.add(`${m[1]}:${m[2]!.toLowerCase()}`);
      } else if (m[3] !== undefined) {
        out.push(this.fatal(m[3].trim()));
      } else if (m[4] !== undefined) {
        out.push({ kind: 'worker-oom', message: m[4].trim() });
      } else if (m[5] !== undefined) {
        const line = m[5].trim();
        if (line.startsWith('Fatal error in ')) this.v8FatalPending = true;
        else if (this.v8FatalPending && line !== '') {
          this.v8FatalPending = false;
          out.push({ kind: isOutOfHeap(line) ? 'oom' : 'fatal', message: line }); // V8 prints no GC block here
        }
      }
    }
    this.found.push(...out);
    return out;
  }

  private lastOpenBlock(): Block | undefined {
    const last = this.blocks[this.blocks.length - 1];
    return last && !last.closed ? last : undefined;
  }

  /**
   * A FATAL line belongs to the latest block before it: V8 prints the block and the line
   * back to back. Two processes dying together can print block, block, line, line; the
   * latest-first pairing may then swap them, but both ran out of heap, so no crash is
   * misnamed as another kind.
   */
  private fatal(message: string): StderrFatal {
    const block = this.blocks.pop();
    const finding: StderrFatal = { kind: isOutOfHeap(message) ? 'oom' : 'fatal', message };
    if (block?.owners.size === 1) {
      const [owner] = block.owners;
      const [pid, isolate] = owner!.split(':');
      finding.pid = Number(pid);
      finding.isolate = isolate;
    }
    return finding;
  }
}
