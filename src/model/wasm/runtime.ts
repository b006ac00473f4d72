/**
 * The WASM runtime: one shared WebAssembly.Memory per process holding every parameter, activation and
 * gradient buffer, the compiled kernel module, and an allocator. Worker threads instantiate the same
 * module on the same memory, so buffers are shared with no copies. The first 64 KiB are left to the
 * module's static data.
 */
import { LimitExceededError } from "../../errors.ts";
import { kernelsWasmBase64 } from "./kernels-binary.ts";

/** The exported kernels; pointers are byte addresses, sizes and strides in floats. */
export interface KernelExports {
  matmul_nt(...args: number[]): void;
  matmul_nn(...args: number[]): void;
  attention_forward(...args: number[]): void;
  attention_backward(...args: number[]): void;
  rmsnorm_forward(...args: number[]): void;
  rmsnorm_backward(...args: number[]): void;
  rope(...args: number[]): void;
  swiglu_forward(...args: number[]): void;
  swiglu_backward(...args: number[]): void;
  softmax_row(x: number, n: number): number;
  cross_entropy(...args: number[]): void;
  adamw(...args: number[]): void;
  exp_array(out: number, x: number, n: number): void;
  sum_squares(x: number, n: number): number;
  scale(x: number, n: number, s: number): void;
}

export type KernelName = keyof KernelExports;

const PAGE = 65536;
const HEAP_START = PAGE;
const ALIGN = 64;
/** 65536 pages = 4 GiB, the most a 32-bit WASM memory can address. */
const MAX_PAGES = 65536;

/** A float buffer in the shared memory: its byte address, its length in floats and a view. */
export interface Floats {
  readonly ptr: number;
  readonly length: number;
  readonly array: Float32Array;
}

class Runtime {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly kernels: KernelExports;
  private top = HEAP_START;
  /** Memory at and above this address has never been handed out: still zero, and not yet resident. */
  private pristine = HEAP_START;
  /** Free blocks, sorted by address: [ptr, bytes]. */
  private readonly freeBlocks: Array<[number, number]> = [];

  constructor() {
    this.module = new WebAssembly.Module(Buffer.from(kernelsWasmBase64, "base64"));
    this.memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(this.module, {
      env: { memory: this.memory, abort: wasmAbort },
    });
    this.kernels = instance.exports as unknown as KernelExports;
  }

  /**
   * A zero-filled buffer of `length` floats, 64-byte aligned. Only memory that was handed out before is
   * cleared: fresh WASM memory is already zero, and leaving it untouched keeps unused parts of large
   * buffers (a KV cache longer than the text) out of the resident set.
   */
  alloc(length: number): Floats {
    const bytes = Math.max(ALIGN, Math.ceil((length * 4) / ALIGN) * ALIGN);
    const ptr = this.takeFree(bytes) ?? this.bump(bytes);
    const array = new Float32Array(this.memory.buffer, ptr, length);
    if (ptr < this.pristine) array.fill(0, 0, Math.min(length, (this.pristine - ptr) / 4));
    this.pristine = Math.max(this.pristine, ptr + bytes);
    return { ptr, length, array };
  }

  free(buffer: Floats): void {
    const bytes = Math.max(ALIGN, Math.ceil((buffer.length * 4) / ALIGN) * ALIGN);
    let index = this.freeBlocks.findIndex(([ptr]) => ptr > buffer.ptr);
    if (index < 0) index = this.freeBlocks.length;
    this.freeBlocks.splice(index, 0, [buffer.ptr, bytes]);
    // coalesce with the next and previous blocks
    const next = this.freeBlocks[index + 1];
    if (next && buffer.ptr + bytes === next[0]) {
      this.freeBlocks[index][1] += next[1];
      this.freeBlocks.splice(index + 1, 1);
    }
    const previous = this.freeBlocks[index - 1];
    if (previous && previous[0] + previous[1] === buffer.ptr) {
      previous[1] += this.freeBlocks[index][1];
      this.freeBlocks.splice(index, 1);
      index--;
    }
    const last = this.freeBlocks.at(-1);
    if (last && last[0] + last[1] === this.top) {
      this.top = last[0];
      this.freeBlocks.pop();
    }
  }

  /** Bytes currently handed out (for memory reports). */
  allocatedBytes(): number {
    return this.top - HEAP_START - this.freeBlocks.reduce((sum, [, bytes]) => sum + bytes, 0);
  }

  private takeFree(bytes: number): number | undefined {
    const index = this.freeBlocks.findIndex(([, size]) => size >= bytes);
    if (index < 0) return undefined;
    const block = this.freeBlocks[index];
    const ptr = block[0];
    if (block[1] === bytes) this.freeBlocks.splice(index, 1);
    else {
      block[0] += bytes;
      block[1] -= bytes;
    }
    return ptr;
  }

  private bump(bytes: number): number {
    const ptr = this.top;
    const end = ptr + bytes;
    const pages = this.memory.buffer.byteLength / PAGE;
    if (end > pages * PAGE) {
      const needed = Math.ceil(end / PAGE);
      if (needed > MAX_PAGES) {
        throw new LimitExceededError("memory", `model buffers need ${(end / 2 ** 30).toFixed(2)} GiB`, {
          expected: "at most 4 GiB of WASM memory: a smaller model, batch or context",
        });
      }
      this.memory.grow(Math.min(MAX_PAGES, Math.max(needed, pages * 2)) - pages);
    }
    this.top = end;
    return ptr;
  }
}

function wasmAbort(): never {
  throw new Error("cogcore kernel aborted");
}

let shared: Runtime | undefined;

/** The process-wide runtime, created on first use. */
export function runtime(): Runtime {
  shared ??= new Runtime();
  return shared;
}

export function allocFloats(length: number): Floats {
  return runtime().alloc(length);
}

export function freeFloats(buffer: Floats): void {
  runtime().free(buffer);
}

/** A buffer holding a copy of `values`. */
export function floatsFrom(values: ArrayLike<number>): Floats {
  const buffer = allocFloats(values.length);
  buffer.array.set(values);
  return buffer;
}
