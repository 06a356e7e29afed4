import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 free a moment ago (the OS picks it; the probe is closed). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
