/** UTF-8 encoding of code points (valid Unicode scalar values: lone surrogates were replaced earlier). */

/** (bytes) the UTF-8 encoding of `codepoints`. */
export function utf8OfCodepoints(codepoints: Uint32Array): Uint8Array {
  const out = new Uint8Array(codepoints.length * 4);
  let length = 0;
  for (let index = 0; index < codepoints.length; index++) {
    const codepoint = codepoints[index];
    if (codepoint < 0x80) {
      out[length++] = codepoint;
    } else if (codepoint < 0x800) {
      out[length++] = 0xc0 | (codepoint >> 6);
      out[length++] = 0x80 | (codepoint & 0x3f);
    } else if (codepoint < 0x10000) {
      out[length++] = 0xe0 | (codepoint >> 12);
      out[length++] = 0x80 | ((codepoint >> 6) & 0x3f);
      out[length++] = 0x80 | (codepoint & 0x3f);
    } else {
      out[length++] = 0xf0 | (codepoint >> 18);
      out[length++] = 0x80 | ((codepoint >> 12) & 0x3f);
      out[length++] = 0x80 | ((codepoint >> 6) & 0x3f);
      out[length++] = 0x80 | (codepoint & 0x3f);
    }
  }
  return out.subarray(0, length);
}
