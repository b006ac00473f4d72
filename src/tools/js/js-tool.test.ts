import { afterAll, describe, expect, it } from "vitest";
import { AbortedError, LimitExceededError, PermissionDeniedError } from "../../errors.ts";
import { createJsTool, type JsResultData } from "./js-tool.ts";

const tool = createJsTool({ graceMs: 200 });
afterAll(() => tool.close?.());
const run = (code: string, timeoutMs = 10_000) => tool.execute({ code }, { limits: { timeoutMs } });

describe("js tool", () => {
  it("returns console output and the last expression's value as JSON", async () => {
    const result = await run("console.log('squares', [1, 2]); [1, 2, 3].map((x) => x * x)");
    expect(result).toMatchObject({ content: "squares [1,2]\n[1,4,9]", isError: false });
    expect(result.data).toMatchObject({ output: "squares [1,2]\n", value: "[1,4,9]", error: null });
    expect((await run("'text'")).content).toBe('"text"');
    expect((await run("let x = 1")).content).toBe("(no output)");
    expect((await run("2n ** 100n")).content).toBe("1267650600228229401496703205376n");
  });

  it("awaits a promise and reports a rejection as an error result", async () => {
    expect((await run("(async () => 6 * 7)()")).content).toBe("42");
    const rejected = await run("Promise.reject(new TypeError('nope'))");
    expect(rejected.isError).toBe(true);
    expect((rejected.data as JsResultData).error).toMatch(/^TypeError: nope/);
  });

  it("returns the code's own exceptions as error results with their stack", async () => {
    const result = await run("function f() { throw new RangeError('bad') }\nf()");
    expect(result.isError).toBe(true);
    expect(result.content).toMatch(/^RangeError: bad\n\s+at f \(code\.js:1/);
  });

  it("gives every call a fresh global object: nothing leaks between calls", async () => {
    await run("globalThis.leak = 1; Object.prototype.polluted = 'yes'; Array.prototype.map = null; 0");
    expect((await run("[typeof leak, ({}).polluted, typeof [].map]")).content).toBe(
      '["undefined",null,"function"]',
    );
  });

  it("answers reaching for host objects with PermissionDeniedError", async () => {
    await expect(run("process.env")).rejects.toThrow(PermissionDeniedError);
    await expect(run("require('fs')")).rejects.toThrow(/require is not available/);
  });

  it("terminates its worker when a builtin outlives the deadline, then serves the next call", async () => {
    const started = performance.now();
    const error = await run("JSON.stringify(Array(4e6).fill('abc')).length", 50).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(LimitExceededError);
    expect((error as LimitExceededError).limit).toBe("time");
    expect(performance.now() - started).toBeLessThan(2500);
    expect((await run("1 + 1")).content).toBe("2");
  });

  it("throws AbortedError when the caller aborts", async () => {
    const controller = new AbortController();
    const call = tool.execute(
      { code: "while (true) {}" },
      { signal: controller.signal, limits: { timeoutMs: 20_000 } },
    );
    setTimeout(() => controller.abort(), 100);
    await expect(call).rejects.toThrow(AbortedError);
    expect((await run("'after'")).content).toBe('"after"');
  });
});
