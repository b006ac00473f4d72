/**
 * A growable little-endian byte buffer for building file headers (GGUF, safetensors). Each write reserves
 * its bytes first (which may replace the buffer) and only then writes through the current view.
 */

const utf8 = new TextEncoder();

export class ByteWriter {
  private buffer = new Uint8Array(1024);
  private view = new DataView(this.buffer.buffer);
  /** Bytes written so far. */
  length = 0;

  private reserve(count: number): number {
    if (this.length + count > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + count));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += count;
    return at;
  }

  u8(value: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, value);
  }
  i8(value: number): void {
    const at = this.reserve(1);
    this.view.setInt8(at, value);
  }
  u16(value: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, value, true);
  }
  i16(value: number): void {
    const at = this.reserve(2);
    this.view.setInt16(at, value, true);
  }
  u32(value: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, value, true);
  }
  i32(value: number): void {
    const at = this.reserve(4);
    this.view.setInt32(at, value, true);
  }
  u64(value: number | bigint): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(value), true);
  }
  i64(value: bigint): void {
    const at = this.reserve(8);
    this.view.setBigInt64(at, value, true);
  }
  f32(value: number): void {
    const at = this.reserve(4);
    this.view.setFloat32(at, value, true);
  }
  f64(value: number): void {
    const at = this.reserve(8);
    this.view.setFloat64(at, value, true);
  }
  bytes(data: Uint8Array): void {
    const at = this.reserve(data.length);
    this.buffer.set(data, at);
  }
  /** UTF-8 text without a length prefix; returns its byte offset. */
  text(value: string): number {
    const at = this.length;
    this.bytes(utf8.encode(value));
    return at;
  }
  zeros(count: number): void {
    const at = this.reserve(count);
    this.buffer.fill(0, at, this.length);
  }

  /** The bytes written (a view). */
  result(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
