import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParentMessage } from '../samples/protocol.js';

/**
 * The per-run Unix socket every agent of a command's tree connects to (MEMKIT_CHANNEL):
 * one connection per isolate, one JSON line per message. The directory is made with mode
 * 0700, so no other user can connect and write records into the run. Each connection gets
 * an agentId (1, 2, … in the order the agents connect; an agent's first line is its hello,
 * or agent-error) that the runtime tags its records with. A connection that closes without
 * the agent's `done` is reported lost; a last line cut short by a kill is dropped.
 */
export interface AgentChannelEvents {
  message(message: { type: string }, agentId: number): void;
  /** The connection closed; `partialBytes` of a cut last line were dropped. */
  closed(agentId: number, partialBytes: number): void;
}

/** sun_path holds 108 bytes with its terminating NUL. */
const MAX_SOCKET_PATH = 107;

export class AgentChannelServer {
  readonly path: string;
  private readonly dir: string;
  private readonly server: Server;
  private readonly sockets = new Map<number, Socket>();
  private nextId = 1;
  private closing = false;

  constructor(private readonly events: AgentChannelEvents) {
    let dir = mkdtempSync(join(tmpdir(), 'memkit-'));
    if (join(dir, 'ch.sock').length > MAX_SOCKET_PATH) {
      rmSync(dir, { recursive: true, force: true });
      dir = mkdtempSync('/tmp/memkit-');
    }
    this.dir = dir;
    this.path = join(dir, 'ch.sock');
    this.server = createServer((socket) => this.accept(socket));
    this.server.on('error', () => {}); // a failed listen leaves every agent unconnected: they are listed as not measured
    this.server.listen(this.path);
    this.server.unref();
  }

  private accept(socket: Socket): void {
    const agentId = this.nextId++;
    this.sockets.set(agentId, socket);
    socket.setEncoding('utf8');
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let start = 0;
      let nl: number;
      while ((nl = buffered.indexOf('\n', start)) >= 0) {
        const line = buffered.slice(start, nl);
        start = nl + 1;
        let message: unknown;
        try {
          message = JSON.parse(line);
        } catch {
          continue;
        }
        if (message && typeof message === 'object' && typeof (message as { type?: unknown }).type === 'string') {
          this.events.message(message as { type: string }, agentId);
        }
      }
      buffered = buffered.slice(start);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(agentId);
      this.events.closed(agentId, Buffer.byteLength(buffered));
    });
  }

  /** Sends a message to one agent (a command agent reads stop requests and snapshot requests). */
  send(agentId: number, message: ParentMessage): void {
    this.sockets.get(agentId)?.write(JSON.stringify(message) + '\n');
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  /**
   * Stops accepting and removes the socket. Connections still open (a process left running
   * after the root) are told `detach` and closed from this side: the run is over, and their
   * agents know memkit ended it rather than died (then they would end their process).
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.server.close();
    for (const s of this.sockets.values()) {
      s.end(JSON.stringify({ type: 'detach' } satisfies ParentMessage) + '\n');
      s.unref();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
