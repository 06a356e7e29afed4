import { writeSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import type { AgentChannel } from './channel.js';
import type { ChildMessage, ParentMessage } from '../samples/protocol.js';

/**
 * An agent's connection to the per-run Unix socket of a command (MEMKIT_CHANNEL): one per
 * isolate, so a worker thread's data does not wait for a busy main thread, and never
 * passes through the user's own `parentPort`. One JSON line per message.
 *
 * A Unix socket's connect is done by the kernel inside `createConnection`, so its file
 * descriptor can be written at once, before the event loop has turned: messages go out with
 * a synchronous write whenever nothing is queued in libuv or in the stream, which keeps
 * their order and lets a process that exits before its first loop turn (a `-e` one-liner,
 * an early `process.exit`) still say hello and its last word. The fd is non-blocking: what
 * the kernel does not take at once (a full socket buffer) goes through the stream.
 */
export class SocketChannel implements AgentChannel {
  private readonly socket: Socket;
  private broken = false;
  private pending = 0;
  private waiters: Array<() => void> = [];
  private readonly handlers: Array<(message: ParentMessage) => void> = [];
  /** memkit's end took bytes from this connection: it was open, whatever the loop has seen. */
  private reached = false;
  /** Messages that could not be sent (the connection failed or closed). */
  lost = 0;

  constructor(path: string) {
    this.socket = createConnection(path);
    this.socket.setNoDelay?.(true);
    this.socket.on('error', () => {
      this.broken = true;
    });
    this.socket.on('close', () => {
      this.broken = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** The socket's file descriptor: the gc-hooks addon writes its near-heap-limit record there (near-heap-limit.ts). */
  get fd(): number | undefined {
    const fd = (this.socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : undefined;
  }

  /** Nothing is waiting to be written, so a direct write keeps the order. */
  private idle(): boolean {
    const handle = (this.socket as unknown as { _handle?: { writeQueueSize?: number } })._handle;
    return this.pending === 0 && this.socket.writableLength === 0 && (handle?.writeQueueSize ?? 0) === 0;
  }

  /** Writes what the kernel takes now; returns the bytes it did not take (-1: the connection is gone). */
  private writeNow(line: Buffer): number {
    const fd = this.fd;
    if (fd === undefined) return line.length;
    try {
      const written = writeSync(fd, line);
      if (written > 0) this.reached = true;
      return line.length - written;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return line.length;
      this.broken = true;
      return -1;
    }
  }

  send(message: ChildMessage): void {
    if (this.broken) {
      this.lost++;
      return;
    }
    const line = Buffer.from(JSON.stringify(message) + '\n');
    let rest = line.length;
    if (this.idle()) {
      rest = this.writeNow(line);
      if (rest < 0) {
        this.lost++;
        return;
      }
    }
    if (rest === 0) return;
    this.pending++;
    this.socket.write(line.subarray(line.length - rest), () => {
      this.pending--;
      if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  flushed(): Promise<void> {
    if (this.pending === 0 || this.broken) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  sendSync(message: ChildMessage): boolean {
    if (this.broken || !this.idle()) {
      this.lost++;
      return false;
    }
    const line = Buffer.from(JSON.stringify(message) + '\n');
    let rest = this.writeNow(line);
    // In an 'exit' handler nothing asynchronous will run: a short wait for the parent to
    // read beats dropping the last word.
    for (let tries = 0; rest > 0 && tries < 50; tries++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
      rest = this.writeNow(line.subarray(line.length - rest));
    }
    if (rest !== 0) this.lost++;
    return rest === 0;
  }

  onMessage(handler: (message: ParentMessage) => void): void {
    this.handlers.push(handler);
    if (this.handlers.length > 1) return;
    let buffered = '';
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let message: ParentMessage;
        try {
          message = JSON.parse(line) as ParentMessage;
        } catch {
          continue; // not ours to crash the program over
        }
        for (const h of this.handlers) h(message);
      }
    });
  }

  /**
   * Once, when memkit went away: the connection it had accepted closed without memkit
   * saying `detach` first (memkit was killed). Not for a connection that never opened.
   */
  onParentGone(handler: () => void): void {
    let detached = false;
    this.socket.once('connect', () => {
      this.reached = true;
    });
    this.onMessage((m) => {
      if (m.type === 'detach') detached = true;
    });
    this.socket.once('close', () => {
      if (this.reached && !detached) handler();
    });
  }

  unref(): void {
    this.socket.unref();
  }

  ref(): void {
    this.socket.ref();
  }
}
