/** The core provider's guarantees that hold for any weights: well-formed calls, budgets, limits. */
import { describe, expect, it } from "vitest";
import { LimitExceededError } from "../errors.ts";
import { parseCall } from "../tools/call-syntax.ts";
import { CALC_TOOL, CASE_CALLS, SEARCH_TOOL } from "./conformance/cases.ts";
import { buildConformanceCore } from "./conformance/core-fixture.ts";
import { createCoreModel } from "./core.ts";
import { callLookup } from "./core-format.ts";
import { byteString, wordsOf } from "./grounding.ts";
import type { StreamPart } from "./spec.ts";

async function collect(stream: AsyncIterable<StreamPart>) {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

// Child processes and model training: slow on a loaded 2-core machine.
describe("core provider: calls under the grammar", { timeout: 180_000 }, () => {
  it("emits only well-formed calls even when sampling wildly: the grammar masks every other token", async () => {
    const core = await coreOnce();
    const model = createCoreModel({ model: core.model, tokenizer: core.tokenizer, tools: core.registry });
    const lookup = callLookup([CALC_TOOL, SEARCH_TOOL], core.registry);
    let calls = 0;
    let deviations = 0;
    for (let seed = 1; seed <= 16; seed++) {
      const call = seed % 2 ? CASE_CALLS.parallel : CASE_CALLS.tool;
      const result = await model.doGenerate({
        ...call,
        tools: [CALC_TOOL, SEARCH_TOOL],
        temperature: 4,
        seed,
        maxOutputTokens: 80,
      });
      for (const part of result.content) {
        if (part.type === "text") expect(part.text).not.toMatch(/<\|/);
        if (part.type !== "tool-call") continue;
        calls++;
        // Parsed by the tool's own syntax, not left as raw text: the call text was well-formed.
        expect(typeof part.input).toBe("object");
        const text = `${part.toolName}(${lookup.get(part.toolName)!.compact!.fromInput(part.input as never)})`;
        expect(parseCall(text, lookup)).toEqual({ name: part.toolName, input: part.input });
        if (
          !/^(472317 - 342669|Lyon population|Nice population)$/.test(Object.values(part.input as object)[0])
        )
          deviations++;
      }
    }
    expect(calls).toBeGreaterThan(4);
    expect(deviations).toBeGreaterThan(0); // the sampling did wander: the calls stayed well-formed anyway
  });
});

let shared: Awaited<ReturnType<typeof buildConformanceCore>> | undefined;
async function coreOnce() {
  shared ??= await buildConformanceCore();
  return shared;
}

// Child processes and model training: slow on a loaded 2-core machine.
describe("core provider with the overfit model", { timeout: 180_000 }, () => {
  it("forces the thinking span closed at the budget and keeps a minimum with 'Wait'", async () => {
    const core = await coreOnce();
    const model = createCoreModel({ model: core.model, tokenizer: core.tokenizer, tools: core.registry });
    const capped = await model.doGenerate({
      ...CASE_CALLS.budget,
      temperature: 0,
      budget: { tokens: 10 },
      maxOutputTokens: 100,
    });
    expect(capped.usage.reasoningTokens).toBe(10);
    const free = await model.doGenerate({ ...CASE_CALLS.budget, temperature: 0, maxOutputTokens: 200 });
    const natural = free.usage.reasoningTokens;
    expect(natural).toBeGreaterThan(10);
    const longer = await model.doGenerate({
      ...CASE_CALLS.budget,
      temperature: 0,
      budget: { tokens: natural + 40, minTokens: natural + 5 },
      maxOutputTokens: 250,
    });
    const reasoning = longer.content.find((part) => part.type === "reasoning");
    expect(reasoning?.text).toMatch(/Wait/);
    expect(longer.usage.reasoningTokens).toBeGreaterThanOrEqual(natural + 5);
    expect(longer.usage.reasoningTokens).toBeLessThanOrEqual(natural + 40);
  });

  it("stops at a stop sequence and at maxOutputTokens", async () => {
    const core = await coreOnce();
    const model = createCoreModel({ model: core.model, tokenizer: core.tokenizer, tools: core.registry });
    const stopped = await model.doGenerate({
      ...CASE_CALLS.plain,
      temperature: 0,
      stopSequences: ["France"],
    });
    expect(stopped.content).toEqual([{ type: "text", text: "The capital of " }]);
    expect(stopped.finishReason).toBe("stop");
    const short = await collect(
      (await model.doStream({ ...CASE_CALLS.plain, temperature: 0, maxOutputTokens: 3 })).stream,
    );
    const finish = short.at(-1) as Extract<StreamPart, { type: "finish" }>;
    expect(finish.finishReason).toBe("length");
    expect(finish.usage.completionTokens).toBe(3);
  });

  it("rejects a conversation longer than the context with a context LimitExceededError", async () => {
    const core = await coreOnce();
    const model = createCoreModel({ model: core.model, tokenizer: core.tokenizer });
    const rejected = model.doStream({ messages: [{ role: "user", content: "word ".repeat(400) }] });
    await expect(rejected).rejects.toBeInstanceOf(LimitExceededError);
    await expect(rejected).rejects.toMatchObject({ limit: "context" });
  });
});

describe("core provider: grounded decoding", () => {
  it("writes only words of the conversation or its procedure words, however wildly it samples", async () => {
    const core = await coreOnce();
    const procedureWords = { call: ["population"], answer: ["population"] };
    const model = createCoreModel({
      model: core.model,
      tokenizer: core.tokenizer,
      tools: core.registry,
      procedureWords,
    });
    const grounded = new Set(
      [CASE_CALLS.parallel.messages[0], CASE_CALLS.plain.messages[0]]
        .flatMap((message) => (message.role === "user" ? wordsOf(byteString(message.content)) : []))
        .concat(procedureWords.call),
    );
    // Citation markers are free: the agent checks them against the hits.
    const ungrounded = (text: string) =>
      wordsOf(byteString(text.replace(/\[[\d, ]*\]?/g, " "))).filter((word) => !grounded.has(word));
    let written = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const call = seed % 2 ? CASE_CALLS.parallel : CASE_CALLS.plain;
      const result = await model.doGenerate({
        ...call,
        tools: [SEARCH_TOOL], // grounding holds where tools are offered
        temperature: 4,
        seed,
        budget: { tokens: 0 },
        maxOutputTokens: 40,
      });
      for (const part of result.content) {
        const text =
          part.type === "text"
            ? part.text
            : part.type === "tool-call"
              ? (part.input as { query: string }).query
              : "";
        const words = ungrounded(text);
        // Cut at maxOutputTokens, the last word may be a grounded word's beginning.
        const last = words.at(-1);
        const cut =
          result.finishReason === "length" &&
          last &&
          text.endsWith(Buffer.from(last, "latin1").toString("utf8"))
            ? last
            : undefined;
        if (cut) expect([...grounded].some((word) => word.startsWith(cut))).toBe(true);
        expect(cut ? words.slice(0, -1) : words, text).toEqual([]);
        written += wordsOf(byteString(text)).length;
      }
    }
    expect(written).toBeGreaterThan(10);
  });
});
