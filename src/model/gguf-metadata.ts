/** Typed access to GGUF metadata: each getter checks presence and type and throws CorruptFileError naming the key. */
import { CorruptFileError } from "../errors.ts";
import type { GgufValue } from "./gguf.ts";

export class MetadataReader {
  constructor(
    private readonly metadata: Map<string, GgufValue>,
    private readonly path?: string,
  ) {}

  error(problem: string, expected?: string): CorruptFileError {
    return new CorruptFileError(problem, { path: this.path, expected });
  }

  has(key: string): boolean {
    return this.metadata.has(key);
  }

  private get<T extends GgufValue["type"]>(
    key: string,
    type: T,
    label: string,
  ): Extract<GgufValue, { type: T }> {
    const value = this.metadata.get(key);
    if (value === undefined) throw this.error(`metadata '${key}' is missing`, label);
    if (value.type !== type) throw this.error(`metadata '${key}' is a ${value.type}`, label);
    return value as Extract<GgufValue, { type: T }>;
  }

  /** A uint32 in [min, max]; `fallback` when absent, if given. */
  u32(key: string, min: number, max: number, fallback?: number): number {
    if (fallback !== undefined && !this.has(key)) return fallback;
    const { value } = this.get(key, "uint32", `a uint32 in ${min}..${max}`);
    if (value < min || value > max)
      throw this.error(`metadata '${key}' is ${value}`, `a uint32 in ${min}..${max}`);
    return value;
  }

  /** A positive finite float32; `fallback` when absent, if given. */
  positiveF32(key: string, fallback?: number): number {
    if (fallback !== undefined && !this.has(key)) return fallback;
    const { value } = this.get(key, "float32", "a positive float32");
    if (!(value > 0 && Number.isFinite(value)))
      throw this.error(`metadata '${key}' is ${value}`, "a positive float32");
    return value;
  }

  string(key: string, expected?: string): string {
    const { value } = this.get(key, "string", expected ? `the string "${expected}"` : "a string");
    if (expected !== undefined && value !== expected) {
      throw this.error(`metadata '${key}' is ${JSON.stringify(value.slice(0, 80))}`, `"${expected}"`);
    }
    return value;
  }

  bool(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    return this.get(key, "bool", "a bool").value;
  }

  stringArray(key: string): string[] {
    const value = this.get(key, "array", "an array of strings");
    if (value.itemType !== "string")
      throw this.error(`metadata '${key}' is an array of ${value.itemType}`, "an array of strings");
    return value.value as string[];
  }

  int32Array(key: string): number[] {
    const value = this.get(key, "array", "an array of int32");
    if (value.itemType !== "int32")
      throw this.error(`metadata '${key}' is an array of ${value.itemType}`, "an array of int32");
    return value.value as number[];
  }

  /** Throws if a key with one of `prefixes` is not in `known`: nothing unexpected reaches llama.cpp. */
  onlyKnownKeys(prefixes: string[], known: Set<string>): void {
    for (const key of this.metadata.keys()) {
      if (prefixes.some((prefix) => key.startsWith(prefix)) && !known.has(key)) {
        throw this.error(
          `unexpected metadata '${key}'`,
          `only ${[...known].join(", ")} under ${prefixes.join(" ")}`,
        );
      }
    }
  }
}
