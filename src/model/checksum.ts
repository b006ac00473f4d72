/**
 * Whole-file checksums for the files cogcore writes (GGUF and safetensors). The checksum is stored inside the
 * file's own header as the string "sha256:<64 hex digits>": it is the SHA-256 of the whole file with that
 * string's 64 hex digits replaced by zeros. A reader that finds the field recomputes it, so any changed byte
 * (header or tensor data) is caught; files from other tools, without the field, are read unchecked.
 */
import { createHash } from "node:crypto";
import { CorruptFileError } from "../errors.ts";

export const CHECKSUM_PREFIX = "sha256:";
/** The value written before the digest is known; same length as the final value. */
export const CHECKSUM_PLACEHOLDER = `${CHECKSUM_PREFIX}${"0".repeat(64)}`;

/** SHA-256 (hex) of the concatenated chunks. */
export function sha256Hex(chunks: Iterable<Uint8Array>): string {
  const hash = createHash("sha256");
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Replaces the placeholder at `offset` in `header` (which holds the placeholder's UTF-8 bytes) with the digest
 * of all chunks (`header` first).
 */
export function sealChecksum(header: Uint8Array, offset: number, rest: Uint8Array[]): void {
  const digest = sha256Hex([header, ...rest]);
  header.set(new TextEncoder().encode(`${CHECKSUM_PREFIX}${digest}`), offset);
}

/**
 * Checks a stored checksum. `offset` is where the stored value's text starts in `bytes`.
 * Throws CorruptFileError when the value is malformed or does not match the contents.
 */
export function verifyChecksum(bytes: Uint8Array, offset: number, stored: string, path?: string): void {
  if (!/^sha256:[0-9a-f]{64}$/.test(stored)) {
    throw new CorruptFileError(`checksum field is ${JSON.stringify(stored.slice(0, 80))}`, {
      path,
      expected: '"sha256:" followed by 64 lower-case hex digits',
    });
  }
  const digitsAt = offset + CHECKSUM_PREFIX.length;
  const zeros = new Uint8Array(64).fill(0x30);
  const actual = sha256Hex([bytes.subarray(0, digitsAt), zeros, bytes.subarray(digitsAt + 64)]);
  if (actual !== stored.slice(CHECKSUM_PREFIX.length)) {
    throw new CorruptFileError("checksum mismatch: the file was changed or damaged after it was written", {
      path,
      expected: `sha256 ${stored.slice(CHECKSUM_PREFIX.length, 15)}…, found ${actual.slice(0, 8)}…`,
    });
  }
}
