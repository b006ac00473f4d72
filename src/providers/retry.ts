/**
 * Retries with exponential backoff for retryable provider errors (429, 5xx, network, timeouts),
 * honouring the server's `retry-after`; and a per-attempt timeout combined with the caller's signal.
 */
import { AbortedError, type CogcoreError, toCogcoreError } from "../errors.ts";
import { APICallError } from "./errors.ts";

export interface RetryOptions {
  /** Retries after the first attempt. Default: 2. */
  maxRetries?: number;
  /** Wait before the first retry. Default: 500 ms. */
  initialDelayMs?: number;
  /** Factor applied to the wait after each retry. Default: 2. */
  backoffFactor?: number;
  /** Longest wait honoured, from backoff or `retry-after`. Default: 60 000 ms. */
  maxDelayMs?: number;
  /** Cancels waiting and further attempts. */
  abortSignal?: AbortSignal;
  /** Waits; replaced in tests. Default: a timer that the abort signal interrupts. */
  sleep?: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each retry, for logs. */
  onRetry?: (error: APICallError, attempt: number, delayMs: number) => void;
}

/** Runs `attempt` until it succeeds, fails with a non-retryable error, or the retries are spent. */
export async function withRetry<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxRetries = options.maxRetries ?? 2;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const sleep = options.sleep ?? abortableSleep;
  let delayMs = options.initialDelayMs ?? 500;
  for (let attemptNumber = 0; ; attemptNumber++) {
    try {
      return await attempt();
    } catch (thrown) {
      const error = toCogcoreError(thrown);
      const retryable = error instanceof APICallError && error.isRetryable;
      if (!retryable || attemptNumber >= maxRetries || options.abortSignal?.aborted) {
        if (retryable && attemptNumber > 0) {
          throw new APICallError(`${error.message} (gave up after ${attemptNumber + 1} attempts)`, {
            url: error.url,
            statusCode: error.statusCode,
            responseBody: error.responseBody,
            retryAfterMs: error.retryAfterMs,
            cause: error,
            isRetryable: true,
          });
        }
        throw error;
      }
      const wait = Math.min(maxDelayMs, Math.max(delayMs, error.retryAfterMs ?? 0));
      options.onRetry?.(error, attemptNumber + 1, wait);
      await sleep(wait, options.abortSignal);
      delayMs *= options.backoffFactor ?? 2;
    }
  }
}

export function abortableSleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError("the call was aborted while waiting to retry"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError("the call was aborted while waiting to retry"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A signal that fires when the caller aborts or `timeoutMs` passes; `timedOut()` tells which.
 * `dispose()` clears the timer.
 */
export function timeoutSignal(
  timeoutMs: number | undefined,
  callerSignal?: AbortSignal,
): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) controller.abort(callerSignal.reason);
  else callerSignal?.addEventListener("abort", onAbort, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new Error(`timed out after ${timeoutMs} ms`));
        }, timeoutMs);
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      if (timer) clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onAbort);
    },
  };
}

/** Passes a stream through and runs `dispose` when it ends, fails or its reader stops early. */
export async function* disposing<T>(source: AsyncIterable<T>, dispose: () => void): AsyncGenerator<T> {
  try {
    yield* source;
  } finally {
    dispose();
  }
}

/** Why a call stopped early, if it did: the timeout fired (retryable APICallError) or the caller aborted. */
export function interruption(
  url: string,
  timedOut: boolean,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): CogcoreError | undefined {
  if (timedOut) return new APICallError(`${url}: no complete response within ${timeoutMs} ms`, { url });
  if (callerSignal?.aborted) return new AbortedError("the model call was aborted");
  return undefined;
}
