/**
 * Provider errors: a failed call to a model endpoint (`APICallError`, with `statusCode`, `isRetryable`,
 * an excerpt of the response body and the server's `retry-after`), and a response that does not have the
 * documented shape (`InvalidResponseError`).
 */
import { CogcoreError, type CogcoreErrorOptions } from "../errors.ts";

/** Longest response-body excerpt kept on an error. */
const BODY_EXCERPT_LENGTH = 500;

export interface APICallErrorOptions extends CogcoreErrorOptions {
  /** Where the request went. */
  url?: string;
  /** HTTP status, or undefined for network failures and timeouts. */
  statusCode?: number;
  /** Whether the same request may succeed later. Default: from the status (408, 409, 429, 5xx) or true with no status. */
  isRetryable?: boolean;
  /** The response body as received (kept as an excerpt). */
  responseBody?: string;
  /** How long the server asked to wait before retrying, from `retry-after` / `retry-after-ms`. */
  retryAfterMs?: number;
}

/** A call to a model endpoint failed: HTTP error status, network failure or timeout. */
export class APICallError extends CogcoreError {
  override readonly code = "api_call";
  override readonly exitCode = 69;
  override readonly isRetryable: boolean;
  readonly url?: string;
  readonly statusCode?: number;
  /** The first 500 characters of the response body. */
  readonly responseBody?: string;
  readonly retryAfterMs?: number;

  constructor(message: string, options: APICallErrorOptions = {}) {
    super(message, options);
    this.url = options.url;
    this.statusCode = options.statusCode;
    this.isRetryable = options.isRetryable ?? isRetryableStatus(options.statusCode);
    this.responseBody = options.responseBody?.slice(0, BODY_EXCERPT_LENGTH);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A response that does not have the shape the API documents (a truncated stream, a missing field). */
export class InvalidResponseError extends CogcoreError {
  override readonly code = "invalid_response";
  override readonly exitCode = 76;
}

/** 408 timeout, 409 conflict, 429 rate limit and every 5xx may succeed on retry; no status = network. */
export function isRetryableStatus(statusCode: number | undefined): boolean {
  if (statusCode === undefined) return true;
  return statusCode === 408 || statusCode === 409 || statusCode === 429 || statusCode >= 500;
}

/**
 * Reads `retry-after-ms` (milliseconds), then `retry-after` (seconds or an HTTP date), as sent with 429
 * and 503 responses. Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get("retry-after-ms");
  if (milliseconds !== null && /^\d+(\.\d+)?$/.test(milliseconds.trim())) return Number(milliseconds);
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
