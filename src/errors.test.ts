import { describe, expect, it } from "vitest";
import {
  AbortedError,
  CogcoreError,
  ConfigError,
  CorruptFileError,
  LimitExceededError,
  toCogcoreError,
  UsageError,
} from "./errors.ts";

describe("errors", () => {
  it("appends what was expected and keeps the cause", () => {
    const cause = new Error("low level");
    const error = new ConfigError("models.x.provider is 'gpt'", { cause, expected: "core|llamacpp" });
    expect(error.message).toBe("models.x.provider is 'gpt' (expected core|llamacpp)");
    expect(error.cause).toBe(cause);
    expect(error.code).toBe("config");
    expect(error.exitCode).toBe(78);
    expect(error.name).toBe("ConfigError");
    expect(error).toBeInstanceOf(CogcoreError);
  });

  it("gives each class a distinct code and exit status", () => {
    const errors = [
      new UsageError("u"),
      new ConfigError("c"),
      new CorruptFileError("bad magic", { path: "a.gguf" }),
      new LimitExceededError("time", "t"),
      new AbortedError("a"),
    ];
    expect(new Set(errors.map((e) => e.code)).size).toBe(errors.length);
    expect(errors[2].message).toBe("a.gguf: bad magic");
    expect((errors[3] as LimitExceededError).limit).toBe("time");
    expect(errors[0].toJSON()).toEqual({ code: "usage", message: "u", name: "UsageError" });
  });

  it("wraps foreign errors and abort errors", () => {
    const plain = toCogcoreError(new TypeError("boom"));
    expect(plain.code).toBe("internal");
    expect(plain.message).toContain("boom");
    const abort = new Error("stop");
    abort.name = "AbortError";
    expect(toCogcoreError(abort)).toBeInstanceOf(AbortedError);
    const same = new UsageError("x");
    expect(toCogcoreError(same)).toBe(same);
  });
});
