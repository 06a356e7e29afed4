import { GcSource, type GcBatch } from '../samples/protocol.js';
import { gcKindName, type GcKindName } from '../analyze/gc-stats.js';
import { pythonGcKindName, type PythonGcKindName } from '../analyze/python-gc-stats.js';
import { inWindow, measuredWindow, type Window } from '../analyze/window.js';
import { addRecord, emptyRunData, type RunData, type SampleRecord } from '../samples/run-data.js';

/**
 * Decides, as records stream in, which GC events the baseline will count, so the live
 * counters end exactly at the baseline's `gc.count.<kind>`: the program's own GCs
 * (memkit's checkpoint GCs left out) inside the measured window, by the very functions
 * the baseline uses (`gcKindName`, `measuredWindow`, `inWindow`).
 *
 * Two things are only known later than the GC events they decide:
 *  - the window's start: a scenario's setup GCs arrive before the `measure-start` mark, and
 *    a run that dies in setup falls back to another start. Events wait here until the start
 *    is final (the mark, or the end of the run), then are admitted or dropped;
 *  - the window's end: until `measure-end` (or `done`, or the run's `end`) the window is
 *    open. The agent sends `measure-end` before the batch holding any later GC, so no event
 *    admitted while the window is open can fall after its end.
 * A counter never goes back, which is why nothing is admitted on a guess.
 */

export interface AdmittedGc {
  /** V8's kinds, or CPython's generations (a Python process: gc.count.gen<N>). */
  kind: GcKindName | PythonGcKindName;
  pauseMs: number;
}

interface Pending {
  tMs: number;
  kind: GcKindName | PythonGcKindName;
  pauseMs: number;
}

/** The record types that move the window's edges (small; the columns are not kept). */
const EDGE_RECORDS = new Set<SampleRecord['type']>(['run', 'hello', 'mark', 'done', 'error', 'end']);

export class GcWindowGate {
  /** Only the window-defining records: measuredWindow() reads nothing else that matters here. */
  private readonly edges: RunData = emptyRunData();
  private pending: Pending[] = [];
  private startFinal = false;
  private endFinal = false;

  constructor(private readonly admit: (gc: AdmittedGc) => void) {}

  /** Every record of the run, in order. */
  onRecord(r: SampleRecord): void {
    if (r.type === 'gc') {
      this.onGc(r);
      return;
    }
    if (!EDGE_RECORDS.has(r.type)) return;
    addRecord(this.edges, r);
    if (r.type === 'mark' && r.label === 'measure-end') this.endFinal = true;
    if (r.type === 'done' || r.type === 'error' || r.type === 'end') {
      // The run is over: whatever the start is now, it will not change.
      this.startFinal = true;
      if (r.type !== 'error') this.endFinal = true;
    }
    if (r.type === 'mark' && r.label === 'measure-start') this.startFinal = true;
    if (this.startFinal && this.pending.length) this.flush();
  }

  /** The window as far as it is known: an open end until the run says where it ends. */
  private window(): Window {
    const w = measuredWindow(this.edges);
    return this.endFinal ? w : { startMs: w.startMs, endMs: Infinity };
  }

  private onGc(b: GcBatch): void {
    const window = this.startFinal ? this.window() : undefined;
    for (let i = 0; i < b.tMs.length; i++) {
      if (b.src[i] === GcSource.Checkpoint) continue;
      const kind = gcKindName(b.kind[i]!) ?? pythonGcKindName(b.kind[i]!);
      if (!kind) continue;
      const e = { tMs: b.tMs[i]!, kind, pauseMs: b.pauseMs[i]! };
      if (!window) this.pending.push(e);
      else if (inWindow(e.tMs, window)) this.admit(e);
    }
  }

  private flush(): void {
    const window = this.window();
    const pending = this.pending;
    this.pending = [];
    for (const e of pending) if (inWindow(e.tMs, window)) this.admit(e);
  }
}
