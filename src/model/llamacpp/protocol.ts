/** Messages between the llama.cpp harness (parent) and its child process (worker.ts). */

export type LlamaCppTask =
  /** llama.cpp's tokenisation of each text (no BOS added); `special`: parse special-token text. */
  | { kind: "tokenize"; texts: string[]; special: boolean }
  /** Log-probabilities of the next token after every prefix of `tokens`: (T, vocabSize), row t after tokens[0..t]. */
  | { kind: "logprobs"; tokens: number[] }
  /** Greedy continuation (temperature 0) of `prompt` for `maxTokens` tokens (stops early at end of generation). */
  | { kind: "greedy"; prompt: number[]; maxTokens: number; stopAtEog: boolean }
  /** Timed prompt processing of `promptTokens` tokens and generation of `generateTokens` tokens, `runs` times. */
  | { kind: "speed"; promptTokens: number; generateTokens: number; runs: number };

export type LlamaCppResult =
  | { kind: "tokenize"; ids: number[][] }
  | { kind: "logprobs"; vocabSize: number; logprobs: Float64Array }
  | { kind: "greedy"; tokens: number[] }
  | { kind: "speed"; promptSeconds: number[]; generationSeconds: number[] };

/** One model and the tasks to run on it. */
export interface LlamaCppJob {
  modelPath: string;
  tasks: LlamaCppTask[];
  /** Context size in tokens. */
  contextSize: number;
  /** Vocabulary size of the model (from its validated GGUF). */
  vocabSize: number;
}

export interface LlamaCppRequest {
  /** Models are loaded one after another in the same process (llama.cpp is initialised once). */
  jobs: LlamaCppJob[];
  /** CPU threads for evaluation. */
  threads: number;
}

/** results[j][t]: the result of task t of job j. */
export type LlamaCppReply = { ok: true; results: LlamaCppResult[][] } | { ok: false; message: string };
