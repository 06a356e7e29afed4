import { readFileSync } from 'node:fs';

/** memkit's own version, from package.json (dist/src/core → the package root). */
export function memkitVersion(): string {
  try {
    const url = new URL('../../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
