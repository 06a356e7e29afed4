import { describe, expect, it } from 'vitest';
import { lastPythonTraceback, tracebackTail } from '../src/samples/python-traceback.js';
import { classifyExit } from '../src/run/exit-classifier.js';

const TB = `Traceback (most recent call last):
  File "app.py", line 27, in <module>
    main()
  File "app.py", line 12, in read
    raise ConnectionError("closed")
ConnectionError: closed
`;

describe('lastPythonTraceback', () => {
  it('the exception line of a traceback that ends the stderr tail', () => {
    expect(lastPythonTraceback(`some log line\n${TB}`)).toEqual({ exception: 'ConnectionError: closed', text: TB.trimEnd() });
  });

  it('a chained traceback: the last one (the exception that ended the program)', () => {
    const chained = `${TB}\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "app.py", line 30, in <module>\n    cleanup()\nRuntimeError: cleanup failed\n`;
    expect(lastPythonTraceback(chained)?.exception).toBe('RuntimeError: cleanup failed');
  });

  it('none when the program went on writing after a traceback it caught and printed, or wrote none', () => {
    expect(lastPythonTraceback(`${TB}retrying in 5 s\n`)).toBeUndefined();
    expect(lastPythonTraceback('Error: exit 1\n')).toBeUndefined();
    expect(lastPythonTraceback('Traceback (most recent call last):\n  File "app.py", line 1, in <module>\n')).toBeUndefined(); // cut off
  });

  it("the tail keeps the innermost frames and the exception", () => {
    const deep = `Traceback (most recent call last):\n${Array.from({ length: 10 }, (_, i) => `  File "app.py", line ${i}, in f${i}\n    f${i + 1}()`).join('\n')}\nValueError: deep\n`;
    const tail = tracebackTail(lastPythonTraceback(deep)!);
    expect(tail).toHaveLength(9);
    expect(tail[0]).toBe('…');
    expect(tail[tail.length - 1]).toBe('ValueError: deep');
  });
});

describe('classifyExit: a Python program', () => {
  const facts = { signal: null, stopCause: null, sawDone: true, command: true } as const;
  it('exit 1 with a traceback ending its stderr: an uncaught exception, named', () => {
    expect(classifyExit({ ...facts, code: 1, stderrTail: TB })).toEqual({ status: 'crashed', reason: 'the program raised an uncaught exception (exit code 1): ConnectionError: closed' });
  });
  it('any other exit code, or memkit stopping it, is not read as one', () => {
    expect(classifyExit({ ...facts, code: 2, stderrTail: TB }).reason).toBe('the child exited with code 2');
    expect(classifyExit({ ...facts, code: 1, stderrTail: TB, stopCause: 'duration' }).reason).toBe('stopped at the end of --duration');
  });
});
