import { describe, expect, it } from "vitest";
import { AbortedError, InvalidInputError } from "../errors.ts";
import { APICallError, parseRetryAfter } from "./errors.ts";
import { timeoutSignal, withRetry } from "./retry.ts";

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (milliseconds: number) => void waits.push(milliseconds) };
}

describe("withRetry", () => {
  it("retries retryable errors with exponential backoff, then succeeds", async () => {
    const { waits, sleep } = recordingSleep();
    let attempts = 0;
    const result = await withRetry(
      async () => {
        attempts++;
        if (attempts < 3) throw new APICallError("server error", { statusCode: 503 });
        return "ok";
      },
      { sleep, initialDelayMs: 100 },
    );
    expect(result).toBe("ok");
    expect(waits).toEqual([100, 200]);
  });

  it("waits as long as retry-after asks when that is longer than the backoff", async () => {
    const { waits, sleep } = recordingSleep();
    let attempts = 0;
    await withRetry(
      async () => {
        if (attempts++ === 0) throw new APICallError("rate limited", { statusCode: 429, retryAfterMs: 2000 });
      },
      { sleep, initialDelayMs: 100 },
    );
    expect(waits).toEqual([2000]);
  });

  it("gives up after maxRetries and says how many attempts it made", async () => {
    const { waits, sleep } = recordingSleep();
    const failing = withRetry(
      async () => {
        throw new APICallError("overloaded", { statusCode: 529 });
      },
      { sleep, maxRetries: 2, initialDelayMs: 10 },
    );
    await expect(failing).rejects.toThrow(/gave up after 3 attempts/);
    expect(waits).toEqual([10, 20]);
  });

  it("does not retry a 400 or an error that is not a call error", async () => {
    for (const error of [
      new APICallError("bad request", { statusCode: 400 }),
      new InvalidInputError("bad"),
    ]) {
      let attempts = 0;
      await expect(
        withRetry(
          async () => {
            attempts++;
            throw error;
          },
          { sleep: async () => {} },
        ),
      ).rejects.toBe(error);
      expect(attempts).toBe(1);
    }
  });

  it("stops waiting when aborted", async () => {
    const controller = new AbortController();
    const pending = withRetry(
      async () => {
        throw new APICallError("busy", { statusCode: 503 });
      },
      { abortSignal: controller.signal, initialDelayMs: 60_000 },
    );
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
  });
});

describe("APICallError", () => {
  it("is retryable for 408, 409, 429, 5xx and network failures only", () => {
    const retryable = (statusCode?: number) => new APICallError("x", { statusCode }).isRetryable;
    expect([408, 409, 429, 500, 503, 529].map(retryable)).toEqual([true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 422].map(retryable)).toEqual([false, false, false, false, false]);
    expect(retryable(undefined)).toBe(true);
  });

  it("keeps a 500-character excerpt of the body", () => {
    const error = new APICallError("x", { statusCode: 400, responseBody: "a".repeat(2000) });
    expect(error.responseBody).toHaveLength(500);
    expect(error.code).toBe("api_call");
  });
});

describe("parseRetryAfter", () => {
  it("reads retry-after-ms, retry-after seconds and HTTP dates", () => {
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(parseRetryAfter(new Headers({ "retry-after": "2" }))).toBe(2000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("timeoutSignal", () => {
  it("fires after the timeout and says it timed out", async () => {
    const limit = timeoutSignal(10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(limit.signal.aborted).toBe(true);
    expect(limit.timedOut()).toBe(true);
  });

  it("follows the caller's signal without calling it a timeout", () => {
    const controller = new AbortController();
    const limit = timeoutSignal(10_000, controller.signal);
    controller.abort();
    expect(limit.signal.aborted).toBe(true);
    expect(limit.timedOut()).toBe(false);
    limit.dispose();
  });
});
