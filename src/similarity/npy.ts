import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError, describeFsError } from '../core/errors.js';

/**
 * NumPy's .npy format (version 1.0–3.0): magic, version, a little-endian header length,
 * then a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }
 * padded with spaces to a 64-byte boundary. Only what similarity-build reads and writes:
 * 2-D little-endian float32/float64 in C order in, int32/float32 out.
 */

export type NpyDtype = 'f4' | 'f8' | 'i4';

export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
  itemBytes: number;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

const DTYPE_BYTES: Record<NpyDtype, number> = { f4: 4, f8: 8, i4: 4 };

/** Reads and checks the header of a 2-D float .npy matrix; every problem is one UsageError line. */
export function readNpyMatrixHeader(path: string): NpyHeader & { rows: number; cols: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new UsageError(describeFsError(err, path) ?? `${path}: cannot open (${(err as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory, expected a .npy file`);
    const size = st.size;
    const head = Buffer.alloc(Math.min(size, 65536 + 12));
    readFully(fd, head, 0);
    const header = parseNpyHeader(head, size, path);
    if (header.dtype === 'i4') {
      throw new UsageError(`${path}: dtype int32 is not supported for embeddings (float32 or float64 expected)`);
    }
    if (header.shape.length !== 2) {
      throw new UsageError(
        `${path}: expected a 2-D array (items x dimensions), got shape (${header.shape.join(', ')})`,
      );
    }
    const [rows, cols] = header.shape as [number, number];
    if (rows < 1 || cols < 1) throw new UsageError(`${path}: empty array, shape (${rows}, ${cols})`);
    const need = header.dataOffset + rows * cols * header.itemBytes;
    if (size < need) {
      throw new UsageError(
        `${path}: truncated .npy file: shape (${rows}, ${cols}) of ${header.dtype === 'f4' ? 'float32' : 'float64'} needs ${need} bytes, the file has ${size}`,
      );
    }
    return { ...header, rows, cols };
  } finally {
    closeSync(fd);
  }
}

/** Parses the header at the start of `buf` (`fileSize` is for the truncation message). */
export function parseNpyHeader(buf: Buffer, fileSize: number, path: string): NpyHeader {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) {
    if (buf.length < 10 && buf.subarray(0, Math.min(6, buf.length)).equals(MAGIC.subarray(0, Math.min(6, buf.length)))) {
      throw new UsageError(`${path}: truncated .npy header (the file has only ${fileSize} bytes)`);
    }
    throw new UsageError(`${path}: not a .npy file (no \\x93NUMPY magic); raw float32 input needs --dim`);
  }
  const major = buf[6]!;
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new UsageError(`${path}: truncated .npy header (the file has only ${fileSize} bytes)`);
    headerLen = buf.readUInt32LE(8);
    start = 12;
  } else {
    throw new UsageError(`${path}: unsupported .npy format version ${major}.${buf[7]} (1.0 to 3.0 are read)`);
  }
  if (start + headerLen > buf.length) {
    throw new UsageError(
      `${path}: truncated .npy header (it announces ${headerLen} bytes, the file has ${Math.max(0, fileSize - start)} after the preamble)`,
    );
  }
  const text = buf.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new UsageError(`${path}: malformed .npy header: ${JSON.stringify(text.trim())}`);
  }
  if (fortran === 'True') {
    throw new UsageError(
      `${path}: Fortran-order (column-major) array; save it in C order, e.g. np.save(path, np.ascontiguousarray(a))`,
    );
  }
  const dtype = dtypeOf(descr, path);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(v) || v < 0) throw new UsageError(`${path}: malformed .npy shape (${shapeText})`);
      return v;
    });
  return { dtype, shape, dataOffset: start + headerLen, itemBytes: DTYPE_BYTES[dtype] };
}

function dtypeOf(descr: string, path: string): NpyDtype {
  const m = /^([<>=|])([a-z])(\d+)$/.exec(descr);
  if (m && m[1] === '>' && m[2] === 'f') {
    throw new UsageError(`${path}: big-endian ${descr} array; convert it with a.astype('<f${m[3]}')`);
  }
  if (m && (m[1] === '<' || m[1] === '=' || m[1] === '|')) {
    const key = `${m[2]}${m[3]}`;
    if (key === 'f4' || key === 'f8' || key === 'i4') return key;
  }
  throw new UsageError(`${path}: dtype '${descr}' is not supported (float32 '<f4' or float64 '<f8' expected)`);
}

/** A version 1.0 header for a C-order array, padded so the data starts on a 64-byte boundary. */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '<${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + dict.length);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(dict.length, 8);
  out.write(dict, 10, 'latin1');
  return out;
}

function readFully(fd: number, buf: Buffer, position: number): void {
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, position + off);
    if (n === 0) break;
    off += n;
  }
}
