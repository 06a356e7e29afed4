/**
 * A Python program that dies of an uncaught exception prints a traceback on stderr and
 * exits 1. What the child's stderr tail says about it, read in two places: the run's exit
 * reason (run/exit-classifier.ts) and the report's tail of the traceback (report/terminal):
 * here, below both, so the two read it one way.
 */

export interface PythonTraceback {
  /** The exception's last line: `ConnectionError: price feed closed`. */
  exception: string;
  /** The traceback from its header to the exception line (the last one on the tail). */
  text: string;
}

const HEADER = 'Traceback (most recent call last):';

/** The last traceback on the tail, when it ends the output (nothing but blank lines after it). */
export function lastPythonTraceback(stderrTail: string): PythonTraceback | undefined {
  const start = stderrTail.lastIndexOf(HEADER);
  if (start < 0) return undefined;
  const lines = stderrTail.slice(start).split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  // The frames are indented; the exception is the first unindented line after the header.
  // A chained traceback ("During handling of the above exception…") starts another header,
  // and lastIndexOf has already skipped to it.
  const end = lines.findIndex((l, i) => i > 0 && l.length > 0 && !/^\s/.test(l));
  if (end < 0 || end !== lines.length - 1) return undefined;
  return { exception: lines[end]!, text: lines.join('\n') };
}

/** The traceback's last `maxLines` lines, for a report (the innermost frames and the exception). */
export function tracebackTail(tb: PythonTraceback, maxLines = 9): string[] {
  const lines = tb.text.split('\n');
  return lines.length <= maxLines ? lines : ['…', ...lines.slice(-maxLines + 1)];
}
