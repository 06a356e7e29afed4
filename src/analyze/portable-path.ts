/**
 * A path as a key part that is the same on the next machine and in the next run: under the
 * working directory it is relative (CI checkouts live in different folders), and a
 * temporary directory (a fresh name each run) is `<tmp>`.
 */
export function portablePath(path: string, cwd: string): string {
  let s = path;
  const dir = cwd.length > 1 ? cwd.replace(/\/+$/, '') : cwd;
  if (dir !== '/' && s.startsWith(`${dir}/`)) s = s.slice(dir.length + 1);
  return s.replace(TMP_DIR, '$1<tmp>');
}

/** /tmp/<one folder> at the start or after `=` or whitespace (an argument like --require=/tmp/x/y). */
export const TMP_DIR = /(^|[=\s])\/tmp\/[^/\s]+/g;
