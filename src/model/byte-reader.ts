/**
 * A bounds-checked little-endian reader over a byte array, for parsing untrusted files (GGUF, safetensors).
 * Every read checks the bytes it needs against what is left and throws CorruptFileError naming the field,
 * so a truncated or absurd file never reads out of range and never allocates more than the file holds.
 */
import { CorruptFileError } from "../errors.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export class ByteReader {
  private readonly view: DataView;
  /** Current read offset in bytes. */
  position = 0;

  constructor(
    readonly bytes: Uint8Array,
    /** File name for error messages. */
    readonly path?: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  /** A CorruptFileError for this file that says where the problem is. */
  error(problem: string, expected?: string): CorruptFileError {
    return new CorruptFileError(problem, { path: this.path, expected });
  }

  /** Throws unless `count` more bytes are available for `what`. */
  need(count: number, what: string): void {
    if (count > this.remaining) {
      throw this.error(
        `truncated: ${what} needs ${count} bytes at offset ${this.position} but only ${this.remaining} remain`,
        "a complete file",
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.position++);
  }

  u32(what: string): number {
    this.need(4, what);
    const value = this.view.getUint32(this.position, true);
    this.position += 4;
    return value;
  }

  i32(what: string): number {
    this.need(4, what);
    const value = this.view.getInt32(this.position, true);
    this.position += 4;
    return value;
  }

  /** An unsigned 64-bit count or size; throws if it exceeds `max` (which is at most 2^53 - 1). */
  u64AsNumber(what: string, max: number): number {
    const value = this.u64(what);
    if (value > BigInt(max)) throw this.error(`${what} is ${value}`, `at most ${max}`);
    return Number(value);
  }

  /**
   * A u64 count of items of at least `itemBytes` bytes each that must fit in the rest of the file, e.g. a
   * string length (itemBytes 1) or an array length. The bound is what remains after the count itself.
   */
  count(what: string, itemBytes = 1, limit = Number.MAX_SAFE_INTEGER): number {
    const value = this.u64(what);
    const max = Math.min(Math.floor(this.remaining / itemBytes), limit);
    if (value > BigInt(max)) {
      throw this.error(`${what} is ${value} but only ${this.remaining} bytes follow`, `at most ${max}`);
    }
    return Number(value);
  }

  u64(what: string): bigint {
    this.need(8, what);
    const value = this.view.getBigUint64(this.position, true);
    this.position += 8;
    return value;
  }

  i64(what: string): bigint {
    this.need(8, what);
    const value = this.view.getBigInt64(this.position, true);
    this.position += 8;
    return value;
  }

  f32(what: string): number {
    this.need(4, what);
    const value = this.view.getFloat32(this.position, true);
    this.position += 4;
    return value;
  }

  f64(what: string): number {
    this.need(8, what);
    const value = this.view.getFloat64(this.position, true);
    this.position += 8;
    return value;
  }

  /** `length` raw bytes (a view, not a copy). */
  take(length: number, what: string): Uint8Array {
    this.need(length, what);
    const slice = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }

  /** `length` bytes of strict UTF-8. */
  utf8(length: number, what: string): string {
    const bytes = this.take(length, what);
    try {
      return utf8.decode(bytes);
    } catch {
      throw this.error(`${what} is not valid UTF-8`, "UTF-8 text");
    }
  }
}
