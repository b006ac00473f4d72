/**
 * Chat-template GGUFs for the `llamacpp` provider's chat path, written with our own GGUF writer: a
 * llama-architecture model whose tokenizer has ChatML/Qwen3-style special tokens and whose
 * `tokenizer.chat_template` is a Qwen3-style Jinja template (tools in the system turn, `<tool_call>` JSON
 * calls, `<tool_response>` results, `<think>` reasoning), so node-llama-cpp resolves a real chat wrapper
 * for it from the template, as it does for third-party models.
 *
 * `buildChatModel` trains a tiny model on the conformance conversations as node-llama-cpp renders them
 * (the wrapper's own rendering, tokenised by our tokenizer, which llama.cpp tokenises identically), so
 * that it answers them through llama.cpp's chat path; `randomChatGguf` writes one with random weights.
 */
import {
  type ChatHistoryItem,
  type ChatModelFunctionCall,
  type ChatModelResponse,
  JinjaTemplateChatWrapper,
  jsonDumps,
  LlamaText,
  type LlamaTextInputValue,
  type Tokenizer as LlamaTokenizer,
  type Token,
} from "node-llama-cpp";
import { sequenceBatches, type TrainingSequence } from "../../model/batches.ts";
import { trainTokenizer } from "../../model/bpe-train.ts";
import { resolveModelConfig } from "../../model/config.ts";
import type { GgufValue } from "../../model/gguf.ts";
import { llamaGgufContents } from "../../model/gguf-llama.ts";
import { writeGguf } from "../../model/gguf-write.ts";
import { CoreModel } from "../../model/model.ts";
import type { Tokenizer } from "../../model/tokenizer.ts";
import { train } from "../../model/train.ts";
import { toChatHistory } from "../llamacpp/chat-history.ts";
import { toChatFunctions } from "../llamacpp/tool-schema.ts";
import type { CallOptions } from "../spec.ts";
import { CASE_CALLS } from "./cases.ts";

/** Special tokens of the ChatML/Qwen3 format, after the 256 byte tokens. */
export const CHATML_SPECIAL_TOKENS = [
  "<|endoftext|>",
  "<|im_start|>",
  "<|im_end|>",
  "<think>",
  "</think>",
  "<tool_call>",
  "</tool_call>",
  "<tool_response>",
  "</tool_response>",
] as const;

/** A Qwen3-style chat template (written for these tests, in the shape Qwen3's GGUFs carry). */
export const CHATML_THINK_TEMPLATE = [
  "{%- if tools %}",
  "{{- '<|im_start|>system\\n' }}",
  "{%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}",
  "{{- '# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>' }}",
  "{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}",
  '{{- \'\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{"name": <function-name>, "arguments": <args-json-object>}\\n</tool_call><|im_end|>\\n\' }}',
  "{%- elif messages[0].role == 'system' %}",
  "{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}",
  "{%- endif %}",
  "{%- for message in messages %}",
  "{%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}",
  "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}",
  "{%- elif message.role == 'assistant' %}",
  "{{- '<|im_start|>assistant\\n' }}",
  "{%- if message.reasoning_content %}{{- '<think>\\n' + message.reasoning_content + '\\n</think>\\n\\n' }}{%- endif %}",
  "{%- if message.content %}{{- message.content }}{%- endif %}",
  "{%- if message.tool_calls %}{%- for tool_call in message.tool_calls %}",
  "{%- if tool_call.function %}{%- set tool_call = tool_call.function %}{%- endif %}",
  "{%- if not loop.first or message.content %}{{- '\\n' }}{%- endif %}",
  '{{- \'<tool_call>\\n{"name": "\' + tool_call.name + \'", "arguments": \' }}',
  "{%- if tool_call.arguments is string %}{{- tool_call.arguments }}{%- else %}{{- tool_call.arguments | tojson }}{%- endif %}",
  "{{- '}\\n</tool_call>' }}",
  "{%- endfor %}{%- endif %}",
  "{{- '<|im_end|>\\n' }}",
  "{%- elif message.role == 'tool' %}",
  "{%- if loop.first or messages[loop.index0 - 1].role != 'tool' %}{{- '<|im_start|>user' }}{%- endif %}",
  "{{- '\\n<tool_response>\\n' + message.content + '\\n</tool_response>' }}",
  "{%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif %}",
  "{%- endif %}",
  "{%- endfor %}",
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}",
  "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}",
  "{%- endif %}",
].join("\n");

const THOUGHT = "17 times 20 is 340 and 17 times 3 is 51 so the product is 340 plus 51 which is 391";

/** What the chat model learns to answer each conformance conversation with (node-llama-cpp's response items). */
export const CHAT_TRACES: { call: CallOptions; response: ChatModelResponse["response"] }[] = [
  { call: CASE_CALLS.plain, response: ["The capital of France is Paris."] },
  { call: CASE_CALLS.tool, response: [call("calc", { expression: "472317 - 342669" }, "129648")] },
  {
    call: CASE_CALLS.parallel,
    response: [
      call("search", { query: "Lyon population" }, "[1]"),
      call("search", { query: "Nice population" }, "[2]"),
    ],
  },
  {
    call: CASE_CALLS.toolError,
    response: ["Division by zero is undefined: the calculator reported an error."],
  },
  {
    call: CASE_CALLS.budget,
    response: [{ type: "segment", segmentType: "thought", text: THOUGHT, ended: true }, "17 * 23 = 391."],
  },
];

function call(name: string, params: object, result: string): ChatModelFunctionCall {
  return { type: "functionCall", name, params, result };
}

/** Our tokenizer as node-llama-cpp's tokenizer interface (for rendering with its chat wrappers). */
export function asLlamaTokenizer(tokenizer: Tokenizer): LlamaTokenizer {
  const tokenize = (text: string, special?: boolean | "builtin") => {
    if (special === "builtin")
      return text === "EOS" ? [tokenizer.eosId] : text === "BOS" ? [tokenizer.bosId] : [];
    return tokenizer.encode(text, { allowSpecial: special === true });
  };
  return Object.assign(tokenize as LlamaTokenizer, {
    detokenize: (tokens: readonly Token[]) => tokenizer.decode([...tokens]),
    isSpecialToken: (token: Token) => tokenizer.isSpecial(token),
    isEogToken: (token: Token) => token === tokenizer.eosId,
  });
}

/**
 * One conversation as the model sees it in llama.cpp: the prompt as the chat wrapper renders it, then the
 * answer. Each training sequence is [prompt, target] with loss on the target only. Calls are tokenised as
 * node-llama-cpp generates and re-renders them (prefix, name, params prefix, params, suffix, each piece on
 * its own); while it decodes a second parallel call, its context holds the first call and the second's
 * prefix with nothing between, hence the extra sequence per further call.
 */
function traceSequences(
  wrapper: JinjaTemplateChatWrapper,
  tokenizer: Tokenizer,
  trace: (typeof CHAT_TRACES)[number],
): { prompt: Token[]; target: Token[] }[] {
  const llamaTokenizer = asLlamaTokenizer(tokenizer);
  const functions = trace.call.tools ? toChatFunctions(trace.call.tools) : undefined;
  const history = toChatHistory(trace.call.messages);
  const last = history.at(-1) as ChatModelResponse;
  const render = (chatHistory: ChatHistoryItem[]) =>
    wrapper
      .generateContextState({ chatHistory, availableFunctions: functions })
      .contextText.tokenize(llamaTokenizer);
  const prompt = render(history);
  const end = tokenizer.eosId as Token;
  const calls = trace.response.filter((item) => typeof item === "object" && item.type === "functionCall");
  if (calls.length === 0) {
    const full = render([
      ...history.slice(0, -1),
      { type: "model", response: [...last.response, ...trace.response] },
    ]);
    if (full.slice(0, prompt.length).join() !== prompt.join())
      throw new Error("the rendering does not extend the prompt");
    return [{ prompt, target: [...full.slice(prompt.length), end] }];
  }
  const { call: syntax, parallelism } = wrapper.settings.functions;
  const tokens = (...pieces: LlamaTextInputValue[]) => LlamaText(pieces).tokenize(llamaTokenizer);
  const rendered = calls.map((call) => ({
    opening: tokens(syntax.prefix),
    rest: tokens(call.name, syntax.paramsPrefix, jsonDumps(call.params), syntax.suffix),
  }));
  const between = tokens(parallelism?.call.betweenCalls ?? "");
  const all = rendered.flatMap((call, index) => [
    ...(index > 0 ? between : []),
    ...call.opening,
    ...call.rest,
  ]);
  const sequences = [{ prompt, target: [...all, end] }];
  for (let index = 1; index < rendered.length; index++) {
    const before = rendered
      .slice(0, index)
      .flatMap((call, at) => [...(at > 0 ? between : []), ...call.opening, ...call.rest]);
    sequences.push({
      prompt: [...prompt, ...before, ...rendered[index].opening],
      target: rendered[index].rest,
    });
  }
  return sequences;
}

/** A tokenizer for the ChatML format, trained on the conformance conversations as rendered. */
export function chatTokenizer(): Tokenizer {
  const options = { specialTokens: CHATML_SPECIAL_TOKENS, bosToken: "<|endoftext|>", eosToken: "<|im_end|>" };
  const bytes = trainTokenizer([], {
    vocabSize: 256 + CHATML_SPECIAL_TOKENS.length,
    progress: false,
    ...options,
  });
  const wrapper = new JinjaTemplateChatWrapper({
    template: CHATML_THINK_TEMPLATE,
    tokenizer: asLlamaTokenizer(bytes),
  });
  const texts = CHAT_TRACES.map((trace) => {
    const [{ prompt, target }] = traceSequences(wrapper, bytes, trace);
    return bytes.decode([...prompt, ...target]);
  });
  return trainTokenizer(Array(4).fill(texts).flat(), { vocabSize: 700, progress: false, ...options });
}

/** Writes `model` with `tokenizer` and the chat template as a llama GGUF. */
export function writeChatGguf(path: string, model: CoreModel, tokenizer: Tokenizer): void {
  const { metadata, tensors } = llamaGgufContents({ config: model.config, params: model.params, tokenizer });
  const template: [string, GgufValue] = [
    "tokenizer.chat_template",
    { type: "string", value: CHATML_THINK_TEMPLATE },
  ];
  writeGguf(path, { metadata: [...metadata, template], tensors });
}

function chatConfig(vocabSize: number) {
  return resolveModelConfig({
    dim: 64,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    ffnDim: 128,
    vocabSize,
    contextLength: 1024,
  });
}

/** A random-weight chat model's GGUF. */
export function randomChatGguf(path: string, tokenizer: Tokenizer, seed = 7): void {
  writeChatGguf(path, CoreModel.init(chatConfig(tokenizer.vocabSize), seed), tokenizer);
}

/** Trains a tiny model on the rendered conversations until it reproduces them greedily. */
export async function buildChatModel(
  tokenizer: Tokenizer,
  seed = 1,
): Promise<{ model: CoreModel; finalLoss: number }> {
  const wrapper = new JinjaTemplateChatWrapper({
    template: CHATML_THINK_TEMPLATE,
    tokenizer: asLlamaTokenizer(tokenizer),
  });
  const sequences: TrainingSequence[] = CHAT_TRACES.flatMap((trace) =>
    traceSequences(wrapper, tokenizer, trace).map(({ prompt, target }) => {
      const tokens = [...prompt, ...target];
      return { tokens, weights: tokens.map((_, index) => (index >= prompt.length ? 1 : 0)) };
    }),
  );
  const seqLen = Math.max(...sequences.map((sequence) => sequence.tokens.length)) - 1;
  const model = CoreModel.init(chatConfig(tokenizer.vocabSize), seed);
  const result = await train(model, {
    steps: 200,
    batches: sequenceBatches(sequences, { batchSize: sequences.length, seqLen, seed }),
    optimizer: { learningRate: 1e-2, warmupSteps: 20 },
    progressLabel: null,
  });
  return { model, finalLoss: result.loss };
}
