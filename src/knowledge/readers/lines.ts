/**
 * Streams a file as UTF-8 lines in bounded memory, with each line's number and byte offset. Invalid
 * UTF-8 stops the read with an InvalidInputError that says where; an unreadable file becomes a typed
 * error too. A line longer than `maxLineBytes` is cut into pieces so that memory stays bounded.
 */
import { createReadStream } from "node:fs";
import { InvalidInputError, NotFoundError, PermissionDeniedError } from "../../errors.ts";

export interface Line {
  text: string;
  /** 1-based. */
  number: number;
  /** Byte offset of the line's start, and of its end (excluding the newline). */
  startByte: number;
  endByte: number;
}

export interface ReadLinesOptions {
  /** A longer line is yielded in pieces of about this size. Default 1 MiB. */
  maxLineBytes?: number;
}

/** Turns a Node file-system error into the typed error a person can act on. */
export function fileError(path: string, cause: unknown): Error {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === "ENOENT")
    return new NotFoundError(`${path} does not exist`, { cause, expected: "an existing file or folder" });
  if (code === "EACCES" || code === "EPERM") {
    return new PermissionDeniedError(`${path} cannot be read (permission denied)`, {
      cause,
      expected: "a readable file",
    });
  }
  if (code === "EISDIR") return new InvalidInputError(`${path} is a folder`, { cause, expected: "a file" });
  return cause instanceof Error ? cause : new Error(String(cause));
}

export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<Line> {
  const maxLineBytes = options.maxLineBytes ?? 1 << 20;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineStart = 0;
  let offset = 0;
  let number = 1;
  const decode = (bytes: Buffer, at: number): string => {
    try {
      return decoder.decode(bytes);
    } catch (cause) {
      throw new InvalidInputError(`${path}: invalid UTF-8 in line ${number} (near byte ${at})`, {
        cause,
        expected: "a UTF-8 text file",
      });
    }
  };
  const take = (): Line => {
    const bytes = Buffer.concat(pending, pendingBytes);
    const text = decode(bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes, lineStart);
    const line = { text, number, startByte: lineStart, endByte: lineStart + pendingBytes };
    pending = [];
    pendingBytes = 0;
    return line;
  };
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let index = chunk.indexOf(0x0a); index >= 0; index = chunk.indexOf(0x0a, start)) {
        pending.push(chunk.subarray(start, index));
        pendingBytes += index - start;
        yield take();
        number++;
        lineStart = offset + index + 1;
        start = index + 1;
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
      }
      offset += chunk.length;
      while (pendingBytes > maxLineBytes) yield* splitLongLine();
    }
  } catch (cause) {
    if (cause instanceof InvalidInputError) throw cause;
    throw fileError(path, cause);
  }
  if (pendingBytes > 0) yield take();

  /** Yields a piece of an over-long line, cut at a UTF-8 character boundary. */
  function* splitLongLine(): Generator<Line> {
    const bytes = Buffer.concat(pending, pendingBytes);
    let cut = maxLineBytes;
    while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
    const text = decode(bytes.subarray(0, cut), lineStart);
    yield { text, number, startByte: lineStart, endByte: lineStart + cut };
    pending = [bytes.subarray(cut)];
    pendingBytes = bytes.length - cut;
    lineStart += cut;
  }
}
