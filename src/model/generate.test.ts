import { describe, expect, it } from "vitest";
import { AbortedError } from "../errors.ts";
import { resolveModelConfig } from "./config.ts";
import { generate } from "./generate.ts";
import { CoreModel } from "./model.ts";
import { argmax } from "./sampler.ts";

const config = resolveModelConfig({
  dim: 64,
  nLayers: 2,
  nHeads: 4,
  nKvHeads: 2,
  ffnDim: 96,
  vocabSize: 40,
  contextLength: 64,
});

function seededModel(): CoreModel {
  const model = CoreModel.init(config, 2024);
  for (let i = 0; i < model.params.length; i++) model.params[i] *= 6; // decisive logits: a stable golden decode
  return model;
}

const prompt = [1, 5, 9, 2, 7];
/** Recorded once from this seeded model; any change to the forward pass or init shows up here. */
const golden = [2, 28, 19, 23, 25, 33, 36, 5, 6, 19, 32, 4, 37, 4, 8, 39, 0, 14, 35, 3];
const letters = "abcdefghijklmnopqrstuvwxyz0123456789 .,!";
const decode = (ids: number[]) => ids.map((id) => letters[id]).join("");

describe("generate", () => {
  it("greedy decoding of a seeded model matches the recorded golden tokens", async () => {
    const result = await generate(seededModel(), prompt, { maxTokens: 20 });
    expect(result.tokens).toEqual(golden);
    expect(result.finishReason).toBe("length");
  });

  it("greedy decoding equals argmax of the full forward at every step", async () => {
    const model = seededModel();
    const result = await generate(model, prompt, { maxTokens: 8 });
    const all = [...prompt, ...result.tokens];
    const logits = model.forwardLogits(all);
    for (let t = prompt.length - 1; t < all.length - 1; t++) {
      expect(argmax(logits.subarray(t * config.vocabSize, (t + 1) * config.vocabSize))).toBe(all[t + 1]);
    }
  });

  it("stops on a stop token (excluded) and on a stop sequence (text cut before it)", async () => {
    const model = seededModel();
    const byToken = await generate(model, prompt, { maxTokens: 20, stopTokens: [golden[3]] });
    expect(byToken).toMatchObject({ tokens: golden.slice(0, 3), finishReason: "stop", stopToken: golden[3] });
    const stopSequence = decode(golden.slice(2, 4));
    const bySequence = await generate(model, prompt, {
      maxTokens: 20,
      decode,
      stopSequences: [stopSequence],
    });
    expect(bySequence.tokens).toEqual(golden.slice(0, 4));
    expect(bySequence.text).toBe(decode(golden.slice(0, 2)));
    expect(bySequence.stopSequence).toBe(stopSequence);
  });

  it("applies logits processors and respects the constraint at every step", async () => {
    const model = seededModel();
    const seen: number[] = [];
    const result = await generate(model, prompt, {
      maxTokens: 30,
      sampler: { temperature: 1, seed: 3 },
      logitsProcessors: [
        (logits, step) => {
          seen.push(step);
          logits[golden[0]] = Number.NEGATIVE_INFINITY; // ban a token
        },
      ],
      constrain: (step) => (step % 2 === 0 ? [7, 9, golden[0]] : null),
    });
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i));
    result.tokens.forEach((token, step) => {
      expect(token).not.toBe(golden[0]);
      if (step % 2 === 0) expect([7, 9]).toContain(token);
    });
  });

  it("is reproducible with a seed, and stops when aborted", async () => {
    const model = seededModel();
    const options = { maxTokens: 15, sampler: { temperature: 2, seed: 11 } };
    expect((await generate(model, prompt, options)).tokens).toEqual(
      (await generate(model, prompt, options)).tokens,
    );
    const controller = new AbortController();
    const tokens: number[] = [];
    const run = generate(model, prompt, {
      maxTokens: 50,
      onToken: (token) => {
        tokens.push(token);
        if (tokens.length === 3) controller.abort();
      },
      signal: controller.signal,
    });
    await expect(run).rejects.toBeInstanceOf(AbortedError);
    expect(tokens.length).toBe(3);
  });
});
