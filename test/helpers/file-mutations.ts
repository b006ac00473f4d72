/**
 * Random mutations of binary model files for the fuzz tests: bit flips, truncations, byte insertions, absurd
 * counts/lengths/offsets and swapped types (at the real field positions of a GGUF, or inside a safetensors
 * JSON header).
 */
export type Random = () => number;
export type Field = { at: number; kind: "u64" | "type" };

export const concat = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));

/**
 * Byte positions of every count, length, dimension, offset (u64) and type code (u32) in a valid GGUF, and
 * where its header ends (the tensor data starts at the next multiple of the alignment).
 */
export function ggufFields(bytes: Uint8Array): { fields: Field[]; headerEnd: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const fields: Field[] = [];
  let at = 8;
  const u64 = () => {
    fields.push({ at, kind: "u64" });
    at += 8;
    return Number(view.getBigUint64(at - 8, true));
  };
  const type = () => {
    fields.push({ at, kind: "type" });
    at += 4;
    return view.getUint32(at - 4, true);
  };
  const string = () => {
    const length = u64(); // read before advancing: `at += u64()` would use the old position
    at += length;
  };
  const sizes = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];
  const tensorCount = u64();
  const metadataCount = u64();
  for (let index = 0; index < metadataCount; index++) {
    string();
    let valueType = type();
    let count = 1;
    if (valueType === 9) {
      valueType = type();
      count = u64();
    }
    for (let item = 0; item < count; item++) {
      if (valueType === 8) string();
      else at += sizes[valueType];
    }
  }
  for (let index = 0; index < tensorCount; index++) {
    string();
    const dims = view.getUint32(at, true);
    type(); // the dimension count, treated as a type-like small field
    for (let dim = 0; dim < dims; dim++) u64();
    type();
    u64();
  }
  return { fields, headerEnd: at };
}

const ABSURD = [2n ** 64n - 1n, 2n ** 63n, 2n ** 32n + 7n, 2n ** 31n, 123456789n, 0n, 1n];

export function mutate(
  bytes: Uint8Array,
  fields: Field[],
  random: Random,
  safetensors: boolean,
): { bytes: Uint8Array; kind: string } {
  const pick = (n: number) => Math.floor(random() * n);
  const out = bytes.slice();
  const kind = ["flip", "flip", "truncate", "insert", "absurd", "type"][pick(6)];
  if (kind === "flip") {
    for (let flips = 1 + pick(3); flips > 0; flips--) out[pick(out.length)] ^= 1 << pick(8);
    return { bytes: out, kind };
  }
  if (kind === "truncate") return { bytes: out.slice(0, pick(out.length)), kind };
  if (kind === "insert") {
    const at = pick(out.length + 1);
    const extra = Uint8Array.from({ length: 1 + pick(16) }, () => pick(256));
    return { bytes: concat([out.subarray(0, at), extra, out.subarray(at)]), kind };
  }
  if (safetensors) return { bytes: mutateSafetensorsHeader(out, kind, random), kind };
  const candidates = fields.filter((field) => field.kind === (kind === "absurd" ? "u64" : "type"));
  const field = candidates[pick(candidates.length)];
  const view = new DataView(out.buffer);
  if (kind === "absurd") view.setBigUint64(field.at, ABSURD[pick(ABSURD.length)], true);
  else view.setUint32(field.at, [0, 1, 2, 4, 6, 8, 9, 10, 12, 13, 30, 99, 2 ** 31][pick(13)], true);
  return { bytes: out, kind };
}

/** Absurd numbers or swapped dtypes inside a safetensors JSON header, or an absurd header length. */
function mutateSafetensorsHeader(bytes: Uint8Array, kind: string, random: Random): Uint8Array {
  const view = new DataView(bytes.buffer);
  const headerLength = Number(view.getBigUint64(0, true));
  if (kind === "absurd" && random() < 0.3) {
    view.setBigUint64(0, ABSURD[Math.floor(random() * ABSURD.length)], true);
    return bytes;
  }
  const header = Buffer.from(bytes.subarray(8, 8 + headerLength)).toString("utf8");
  const pattern = kind === "absurd" ? /\d+/g : /"F32"/g;
  const matches = [...header.matchAll(pattern)];
  const match = matches[Math.floor(random() * matches.length)];
  const replacements =
    kind === "absurd"
      ? ["99999999999999999999", "-1", "1e308", "4294967296", "0", "0.5"]
      : ['"F16"', '"I64"', '"BF16"', '"f32"', "32", "null"];
  const replacement = replacements[Math.floor(random() * replacements.length)];
  const edited = header.slice(0, match.index) + replacement + header.slice(match.index + match[0].length);
  const editedBytes = Buffer.from(edited, "utf8");
  const lengthBytes = new Uint8Array(8);
  new DataView(lengthBytes.buffer).setBigUint64(0, BigInt(editedBytes.length), true);
  return concat([lengthBytes, editedBytes, bytes.subarray(8 + headerLength)]);
}

/** Loads `bytes`, returning a comparable summary, or the thrown error. */
export function attempt(load: () => unknown): { value?: string; error?: unknown } {
  try {
    return {
      value: JSON.stringify(load(), (_, item) =>
        ArrayBuffer.isView(item)
          ? Array.from(item as Float32Array)
          : typeof item === "bigint"
            ? String(item)
            : item,
      ),
    };
  } catch (error) {
    return { error };
  }
}
