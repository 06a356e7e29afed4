/**
 * How a request failed, in the kinds the baseline counts (`http.errors.<kind>`):
 * - status: the program answered, with a status that is not 2xx or 3xx;
 * - timeout: no response within --http-timeout of going out, or a body stalled that long
 *   (undici's headers and body timeouts; a connect timeout too);
 * - reset: the connection broke under the request (ECONNRESET, EPIPE, the socket closed);
 * - refused: nothing listened (ECONNREFUSED);
 * - other: anything else (a DNS failure, a malformed response, …), kept rather than lost.
 */
export const ERROR_KINDS = ['status', 'timeout', 'reset', 'refused', 'other'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** 2xx and 3xx are answers; 1xx never reaches a caller and anything from 400 up is an error. */
export function isErrorStatus(statusCode: number): boolean {
  return statusCode < 200 || statusCode >= 400;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);

/** The kind of a request's rejection (undici's errors, Node's socket errors, an AbortSignal.timeout). */
export function classifyRequestError(err: unknown): Exclude<ErrorKind, 'status'> {
  const e = err as { name?: unknown; code?: unknown; cause?: unknown } | null | undefined;
  // AbortSignal.timeout() rejects with a DOMException named TimeoutError.
  if (e?.name === 'TimeoutError') return 'timeout';
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const causeCode = (e?.cause as { code?: unknown } | undefined)?.code;
  for (const c of [code, typeof causeCode === 'string' ? causeCode : undefined]) {
    if (c === undefined) continue;
    if (TIMEOUT_CODES.has(c)) return 'timeout';
    if (c === 'ECONNREFUSED') return 'refused';
    if (RESET_CODES.has(c)) return 'reset';
  }
  return 'other';
}
