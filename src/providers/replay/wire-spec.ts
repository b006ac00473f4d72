/**
 * The documented shapes of the wire objects our transcripts contain, as zod schemas written from the
 * published API references: OpenAI chat completions (`chat.completion`, `chat.completion.chunk`, the
 * error object) and Anthropic Messages (`Message`, the streaming events `message_start`,
 * `content_block_start` / `_delta` / `_stop`, `message_delta`, `message_stop`, `ping`, `error`).
 * Unknown extra fields are allowed (servers add them: `obfuscation`, `timings`); documented ones must
 * have the documented types.
 */
import { z } from "zod";

const nullableString = z.string().nullable();

const openAIToolCallDelta = z.looseObject({
  index: z.number().int().nonnegative(),
  id: z.string().optional(),
  type: z.literal("function").optional(),
  function: z.looseObject({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
});

export const OpenAIUsage = z.looseObject({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
  completion_tokens_details: z
    .looseObject({ reasoning_tokens: z.number().int().nonnegative().optional() })
    .nullable()
    .optional(),
});

const finishReason = z.enum(["stop", "length", "tool_calls", "content_filter", "function_call"]).nullable();

export const OpenAIChatCompletion = z.looseObject({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number().int(),
      message: z.looseObject({
        role: z.literal("assistant"),
        content: nullableString,
        refusal: nullableString.optional(),
        tool_calls: z
          .array(
            z.looseObject({
              id: z.string(),
              type: z.literal("function"),
              function: z.looseObject({ name: z.string(), arguments: z.string() }),
            }),
          )
          .optional(),
      }),
      finish_reason: finishReason,
    }),
  ),
  usage: OpenAIUsage.optional(),
});

export const OpenAIChatCompletionChunk = z.looseObject({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number().int(),
      delta: z.looseObject({
        role: z.literal("assistant").optional(),
        content: nullableString.optional(),
        reasoning_content: nullableString.optional(),
        reasoning: nullableString.optional(),
        refusal: nullableString.optional(),
        tool_calls: z.array(openAIToolCallDelta).optional(),
      }),
      finish_reason: finishReason,
    }),
  ),
  usage: OpenAIUsage.nullable().optional(),
});

export const OpenAIErrorBody = z.strictObject({
  error: z.looseObject({
    message: z.string(),
    type: z.string(),
    param: nullableString,
    code: nullableString,
  }),
});

const anthropicUsage = z.looseObject({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  cache_creation_input_tokens: z.number().int().nullable().optional(),
  cache_read_input_tokens: z.number().int().nullable().optional(),
});

const anthropicContentBlock = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text"), text: z.string() }),
  z.looseObject({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() }),
  z.looseObject({ type: z.literal("redacted_thinking"), data: z.string() }),
  z.looseObject({
    type: z.literal("tool_use"),
    id: z.string(),
    name: z.string(),
    input: z.record(z.string(), z.unknown()),
  }),
]);

const stopReason = z
  .enum(["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"])
  .nullable();

export const AnthropicMessage = z.looseObject({
  id: z.string().startsWith("msg_"),
  type: z.literal("message"),
  role: z.literal("assistant"),
  model: z.string(),
  content: z.array(anthropicContentBlock),
  stop_reason: stopReason,
  stop_sequence: nullableString,
  usage: anthropicUsage,
});

const anthropicDelta = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text_delta"), text: z.string() }),
  z.strictObject({ type: z.literal("thinking_delta"), thinking: z.string() }),
  z.strictObject({ type: z.literal("signature_delta"), signature: z.string() }),
  z.strictObject({ type: z.literal("input_json_delta"), partial_json: z.string() }),
]);

export const AnthropicStreamEvent = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("message_start"), message: AnthropicMessage }),
  z.strictObject({
    type: z.literal("content_block_start"),
    index: z.number().int(),
    content_block: anthropicContentBlock,
  }),
  z.strictObject({ type: z.literal("content_block_delta"), index: z.number().int(), delta: anthropicDelta }),
  z.strictObject({ type: z.literal("content_block_stop"), index: z.number().int() }),
  z.strictObject({
    type: z.literal("message_delta"),
    delta: z.looseObject({ stop_reason: stopReason, stop_sequence: nullableString }),
    usage: z.looseObject({ output_tokens: z.number().int().nonnegative() }),
  }),
  z.strictObject({ type: z.literal("message_stop") }),
  z.strictObject({ type: z.literal("ping") }),
  z.strictObject({
    type: z.literal("error"),
    error: z.strictObject({ type: z.string(), message: z.string() }),
  }),
]);

export const AnthropicErrorBody = z.looseObject({
  type: z.literal("error"),
  error: z.strictObject({
    type: z.enum([
      "invalid_request_error",
      "authentication_error",
      "permission_error",
      "not_found_error",
      "request_too_large",
      "rate_limit_error",
      "api_error",
      "overloaded_error",
    ]),
    message: z.string(),
  }),
});

/** The events of an SSE body: `event:` name (or null) and the `data:` text, blank-line separated. */
export function parseSSE(body: string): { event: string | null; data: string }[] {
  return body
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      let event: string | null = null;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      return { event, data: data.join("\n") };
    });
}
