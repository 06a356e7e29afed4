import { writeSync } from 'node:fs';
import type { ChildMessage, ParentMessage } from '../samples/protocol.js';

/**
 * How an agent talks to memkit: Node's IPC channel (a scenario child, which memkit
 * spawns itself) or the per-run Unix socket (every process and thread of a user's
 * command: socket-channel.ts).
 */
export interface AgentChannel {
  send(message: ChildMessage): void;
  /** Resolves when every message sent so far has been written. */
  flushed(): Promise<void>;
  /** For 'exit' handlers; returns false when the message could not be written. */
  sendSync(message: ChildMessage): boolean;
  onMessage(handler: (message: ParentMessage) => void): void;
  /** Lets a program exit on its own although the channel is open. */
  unref(): void;
  ref(): void;
  /** Messages that could not be sent, where the channel counts them. */
  readonly lost?: number;
  /** Once, if the parent disappears without ending the connection on purpose (socket channel only). */
  onParentGone?(handler: () => void): void;
}

/**
 * The child's end of Node's IPC channel. Sends are asynchronous and counted, so the
 * agent can wait for the last batch to leave before exiting. In a process 'exit'
 * handler no callback will ever run; there `sendSync` writes the message straight to the
 * channel's file descriptor in the same framing Node uses (JSON + newline) — only when
 * libuv holds no unwritten bytes for the channel (writeQueueSize 0; earlier sends usually
 * reach the kernel at once, their callbacks just have not run), since interleaving with
 * a half-written message would corrupt both.
 */
export class Channel implements AgentChannel {
  private pending = 0;
  private waiters: Array<() => void> = [];

  static available(): boolean {
    return typeof process.send === 'function' && process.connected;
  }

  send(message: ChildMessage): void {
    if (!process.connected || !process.send) return;
    this.pending++;
    process.send(message, undefined, undefined, () => {
      this.pending--;
      if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves when every message sent so far has been written to the channel. */
  flushed(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** For 'exit' handlers; returns false when the message could not be written. */
  sendSync(message: ChildMessage): boolean {
    const handle = process.channel as unknown as { fd?: number; writeQueueSize?: number } | undefined;
    const fd = handle?.fd;
    if (!process.connected || typeof fd !== 'number' || (handle?.writeQueueSize ?? 0) > 0) return false;
    try {
      writeSync(fd, JSON.stringify(message) + '\n');
      return true;
    } catch {
      return false; // EAGAIN on a full pipe: the parent keeps what it already has
    }
  }

  onMessage(handler: (message: ParentMessage) => void): void {
    process.on('message', (m) => handler(m as ParentMessage));
  }

  /** Lets a preloaded program exit on its own although the channel is open. */
  unref(): void {
    (process.channel as unknown as { unref?: () => void } | undefined)?.unref?.();
  }

  ref(): void {
    (process.channel as unknown as { ref?: () => void } | undefined)?.ref?.();
  }
}
