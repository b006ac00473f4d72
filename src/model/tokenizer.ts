/**
 * The core's tokenizer: byte-level BPE over llama.cpp's `qwen2` pre-tokenisation, with the chat format's
 * special tokens as single tokens.
 *
 * Vocabulary: ids 0..255 are the 256 bytes (in byte order), then the special tokens (SPECIAL_TOKENS order),
 * then one token per merge that produced a new string. Token text is stored in GPT-2's bytes-to-unicode form,
 * so the GGUF export is a plain `gpt2` tokenizer and llama.cpp tokenises any text to the same ids.
 *
 * encode → decode is exact for any string; a lone UTF-16 surrogate (not valid Unicode) is encoded as U+FFFD,
 * as TextEncoder and llama.cpp's Node binding do, so decode(encode(s)) equals s with lone surrogates replaced.
 */
import { CorruptFileError, InvalidInputError, NotFoundError } from "../errors.ts";
import { bpeWord, MAX_VOCAB, type MergeTable, pairKey } from "./bpe.ts";
import { BYTE_TO_CHAR } from "./byte-unicode.ts";
import { SPECIAL_TOKENS } from "./chat-format.ts";
import { PRE_TOKENIZER, splitWordEnds, toCodepoints } from "./pretokenize.ts";
import { utf8OfCodepoints } from "./utf8.ts";

/** tokenizer.json: everything needed to rebuild the tokenizer. */
export interface TokenizerJson {
  format: "cogcore-bpe";
  version: 1;
  /** llama.cpp pre-tokenizer name; only "qwen2" is implemented. */
  preTokenizer: string;
  /** Special tokens, ids 256 onwards in this order. */
  specialTokens: string[];
  /** Merges in rank order, each "LEFT RIGHT" in GPT-2 byte-character form (as in GGUF and Hugging Face). */
  merges: string[];
  bosToken: string;
  eosToken: string;
}

export interface TokenizerOptions {
  /** Special tokens, one id each right after the byte tokens. Default: the chat format's SPECIAL_TOKENS. */
  specialTokens?: readonly string[];
  /** Token that begins a sequence. Default "<|end|>" (as GPT-2 uses its end-of-text token). */
  bosToken?: string;
  /** Token that ends a sequence: generation stops there. Default "<|end|>". */
  eosToken?: string;
}

export interface EncodeOptions {
  /** Turn special-token text such as "<|user|>" into its single token. Default false: encode it as text. */
  allowSpecial?: boolean;
}

/** GGUF token types (llama_token_type). */
export const TOKEN_TYPE_NORMAL = 1;
export const TOKEN_TYPE_CONTROL = 3;

const CACHE_LIMIT = 50_000;
const CACHED_WORD_LENGTH = 64;
/** Keeps a leading U+FEFF: decoding must give back exactly the text that was encoded. */
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

export class Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly specialTokens: readonly string[];
  /** (merges) [left id, right id] in rank order. */
  readonly merges: ReadonlyArray<readonly [number, number]>;
  private readonly texts: string[]; // (vocabSize) GGUF token text
  private readonly bytes: Uint8Array[]; // (vocabSize) the bytes each token decodes to
  private readonly idOfText = new Map<string, number>();
  private readonly mergeTable: MergeTable;
  private readonly specialPattern: RegExp | undefined;
  private readonly cache = new Map<string, number[]>();

  /** Builds the vocabulary from merges given as token-id pairs (ids refer to earlier tokens). */
  constructor(merges: ReadonlyArray<readonly [number, number]>, options: TokenizerOptions = {}) {
    this.specialTokens = [...(options.specialTokens ?? SPECIAL_TOKENS)];
    this.texts = [...BYTE_TO_CHAR];
    this.bytes = BYTE_TO_CHAR.map((_, byte) => Uint8Array.of(byte));
    for (let id = 0; id < 256; id++) this.idOfText.set(this.texts[id], id);
    for (const special of this.specialTokens) this.addToken(special, new TextEncoder().encode(special), true);
    const rankOf = new Map<number, number>();
    const resultOf = new Int32Array(merges.length);
    merges.forEach(([left, right], rank) => {
      if (!(left >= 0 && left < this.texts.length && right >= 0 && right < this.texts.length)) {
        throw new InvalidInputError(`merge ${rank} refers to token ${left} or ${right}, not yet defined`, {
          expected: "merges whose parts are byte tokens or results of earlier merges",
        });
      }
      if (left < 256 + this.specialTokens.length && left >= 256) throw specialInMerge(rank);
      if (right < 256 + this.specialTokens.length && right >= 256) throw specialInMerge(rank);
      const text = this.texts[left] + this.texts[right];
      let id = this.idOfText.get(text);
      if (id === undefined) id = this.addToken(text, concatBytes(this.bytes[left], this.bytes[right]), false);
      else if (id >= 256 && id < 256 + this.specialTokens.length) throw specialInMerge(rank);
      resultOf[rank] = id;
      const key = pairKey(left, right);
      if (!rankOf.has(key)) rankOf.set(key, rank); // as llama.cpp: the first rank of a repeated merge wins
    });
    this.merges = merges.map(([left, right]) => [left, right] as const);
    this.mergeTable = { rankOf, resultOf };
    this.vocabSize = this.texts.length;
    this.bosId = this.specialTokenId(options.bosToken ?? "<|end|>");
    this.eosId = this.specialTokenId(options.eosToken ?? "<|end|>");
    this.specialPattern = buildSpecialPattern(this.specialTokens);
  }

  private addToken(text: string, bytes: Uint8Array, special: boolean): number {
    if (this.idOfText.has(text)) {
      throw new InvalidInputError(`token text ${JSON.stringify(text)} occurs twice`, {
        expected: special ? "special tokens distinct from each other and from byte tokens" : "unique tokens",
      });
    }
    if (this.texts.length >= MAX_VOCAB) {
      throw new InvalidInputError(`vocabulary exceeds ${MAX_VOCAB} tokens`, {
        expected: "a smaller vocabulary",
      });
    }
    const id = this.texts.length;
    this.texts.push(text);
    this.bytes.push(bytes);
    this.idOfText.set(text, id);
    return id;
  }

  /** The id of a special token such as "<|user|>"; NotFoundError if it is not one. */
  specialTokenId(name: string): number {
    const index = this.specialTokens.indexOf(name);
    if (index < 0) {
      throw new NotFoundError(`no special token ${JSON.stringify(name)}`, {
        expected: `one of ${this.specialTokens.join(" ")}`,
      });
    }
    return 256 + index;
  }

  isSpecial(id: number): boolean {
    return id >= 256 && id < 256 + this.specialTokens.length;
  }

  /** Text → token ids. Special-token text becomes special tokens only with `allowSpecial`. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    if (!options.allowSpecial || !this.specialPattern) {
      this.encodeOrdinary(text, ids);
      return ids;
    }
    let start = 0;
    for (const match of text.matchAll(this.specialPattern)) {
      this.encodeOrdinary(text.slice(start, match.index), ids);
      ids.push(this.idOfText.get(match[0])!);
      start = match.index + match[0].length;
    }
    this.encodeOrdinary(text.slice(start), ids);
    return ids;
  }

  private encodeOrdinary(text: string, ids: number[]): void {
    if (text.length === 0) return;
    const codepoints = toCodepoints(text);
    let start = 0;
    for (const end of splitWordEnds(codepoints)) {
      const word = codepoints.subarray(start, end);
      start = end;
      const key = word.length <= CACHED_WORD_LENGTH ? String.fromCodePoint(...word) : undefined;
      const cached = key === undefined ? undefined : this.cache.get(key);
      if (cached) {
        for (const id of cached) ids.push(id);
        continue;
      }
      const wordIds: number[] = [];
      bpeWord(utf8OfCodepoints(word), this.mergeTable, wordIds);
      if (key !== undefined) {
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(key, wordIds);
      }
      for (const id of wordIds) ids.push(id);
    }
  }

  /** Token ids → text. Bytes that do not form valid UTF-8 (a cut multi-byte character) decode to U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    const parts: Uint8Array[] = [];
    for (let index = 0; index < ids.length; index++) parts.push(this.decodeToken(ids[index]));
    return utf8Decoder.decode(concatBytes(...parts));
  }

  /** The bytes one token stands for (a token may hold part of a UTF-8 character: stream with TextDecoder). */
  decodeToken(id: number): Uint8Array {
    this.checkId(id);
    return this.bytes[id];
  }

  /** The token's text as stored in GGUF: GPT-2 byte characters ("Ġthe"), or the special token's text. */
  tokenText(id: number): string {
    this.checkId(id);
    return this.texts[id];
  }

  /** GGUF token type: CONTROL for special tokens, NORMAL otherwise. */
  tokenType(id: number): number {
    this.checkId(id);
    return this.isSpecial(id) ? TOKEN_TYPE_CONTROL : TOKEN_TYPE_NORMAL;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new InvalidInputError(`token id ${id} is out of range`, {
        expected: `an integer in 0..${this.vocabSize - 1}`,
      });
    }
  }

  /** Merges as GGUF / Hugging Face strings, "LEFT RIGHT". */
  mergeStrings(): string[] {
    return this.merges.map(([left, right]) => `${this.texts[left]} ${this.texts[right]}`);
  }

  toJSON(): TokenizerJson {
    return {
      format: "cogcore-bpe",
      version: 1,
      preTokenizer: PRE_TOKENIZER,
      specialTokens: [...this.specialTokens],
      merges: this.mergeStrings(),
      bosToken: this.texts[this.bosId],
      eosToken: this.texts[this.eosId],
    };
  }

  /** Rebuilds a tokenizer from toJSON()'s output; CorruptFileError naming the problem if it is malformed. */
  static fromJSON(json: unknown, path?: string): Tokenizer {
    const data = json as Partial<TokenizerJson> | null;
    const fail = (problem: string, expected: string) => new CorruptFileError(problem, { path, expected });
    if (!data || typeof data !== "object" || data.format !== "cogcore-bpe" || data.version !== 1) {
      throw fail("not a cogcore tokenizer", 'an object with format "cogcore-bpe" and version 1');
    }
    if (data.preTokenizer !== PRE_TOKENIZER) {
      throw fail(
        `pre-tokenizer ${JSON.stringify(data.preTokenizer)} is not implemented`,
        `"${PRE_TOKENIZER}"`,
      );
    }
    if (!isStringArray(data.specialTokens) || !isStringArray(data.merges)) {
      throw fail("specialTokens or merges is not a list of strings", "two arrays of strings");
    }
    if (typeof data.bosToken !== "string" || typeof data.eosToken !== "string") {
      throw fail("bosToken or eosToken is missing", "two special-token strings");
    }
    try {
      return Tokenizer.fromMergeStrings(data.merges, data);
    } catch (error) {
      if (error instanceof CorruptFileError) throw error;
      throw fail((error as Error).message, "a consistent vocabulary");
    }
  }

  /** Builds a tokenizer from "LEFT RIGHT" merge strings (GPT-2 byte-character form). */
  static fromMergeStrings(mergeStrings: readonly string[], options: TokenizerOptions = {}): Tokenizer {
    const idOf = new Map<string, number>(BYTE_TO_CHAR.map((char, byte) => [char, byte]));
    let nextId = 256 + (options.specialTokens ?? SPECIAL_TOKENS).length;
    const merges = mergeStrings.map((merge, rank): [number, number] => {
      const space = merge.indexOf(" ", 1);
      const left = idOf.get(merge.slice(0, space));
      const right = idOf.get(merge.slice(space + 1));
      if (space < 0 || left === undefined || right === undefined) {
        throw new InvalidInputError(`merge ${rank} ${JSON.stringify(merge)} does not join two known tokens`, {
          expected: "merges whose parts are byte tokens or results of earlier merges",
        });
      }
      const text = merge.slice(0, space) + merge.slice(space + 1);
      if (!idOf.has(text)) idOf.set(text, nextId++);
      return [left, right];
    });
    return new Tokenizer(merges, options);
  }
}

function specialInMerge(rank: number): InvalidInputError {
  return new InvalidInputError(`merge ${rank} involves a special token`, {
    expected: "merges of ordinary tokens only",
  });
}

function buildSpecialPattern(specialTokens: readonly string[]): RegExp | undefined {
  if (specialTokens.length === 0) return undefined;
  const escaped = [...specialTokens]
    .sort((a, b) => b.length - a.length)
    .map((token) => token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(escaped.join("|"), "g");
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
