/**
 * GPT-2's bytes-to-unicode table: every byte 0..255 maps to one printable code point, so that a byte-level
 * BPE token can be stored as a plain string (a GGUF `gpt2` tokenizer stores its tokens this way). Printable
 * Latin-1 bytes map to themselves; the other 68 bytes (controls, space, 0x7F..0xA0, 0xAD) map to U+0100
 * upwards in byte order, so the space byte 0x20 becomes "Ġ" and the newline byte 0x0A becomes "Ċ".
 */

function isPrintableByte(byte: number): boolean {
  return (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
}

function buildByteToChar(): string[] {
  const table: string[] = new Array(256);
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    table[byte] = String.fromCodePoint(isPrintableByte(byte) ? byte : next++);
  }
  return table;
}

/** (256) the character that stands for each byte. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** The inverse of BYTE_TO_CHAR: character → byte. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(
  BYTE_TO_CHAR.map((char, byte) => [char, byte]),
);

/** Bytes → their GPT-2 string form, e.g. [0x20, 0x61] → "Ġa". */
export function bytesToTokenText(bytes: ArrayLike<number>): string {
  let text = "";
  for (let index = 0; index < bytes.length; index++) text += BYTE_TO_CHAR[bytes[index]];
  return text;
}

/** GPT-2 string form → bytes; undefined when a character is not one of the 256 byte characters. */
export function tokenTextToBytes(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  for (const char of text) {
    const byte = CHAR_TO_BYTE.get(char);
    if (byte === undefined) return undefined;
    bytes.push(byte);
  }
  return Uint8Array.from(bytes);
}
