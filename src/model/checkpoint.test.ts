import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixtureConfig, fixtureModel, fixtureTokenizer } from "../../test/helpers/model-fixtures.ts";
import { firstDifference, seededRandom } from "../../test/helpers/seeded-random.ts";
import { CorruptFileError, InvalidInputError, NotFoundError } from "../errors.ts";
import { packageRoot } from "../paths.ts";
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";

const directory = mkdtempSync(join(tmpdir(), "cogcore-checkpoint-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function checkpoint(moe = false): Checkpoint {
  const model = fixtureModel(fixtureConfig({ moe }), 3);
  const random = seededRandom(9);
  const m = Float32Array.from(model.params, () => random() - 0.5);
  const v = Float32Array.from(model.params, () => random());
  return {
    config: model.config,
    params: model.params,
    tokenizer: fixtureTokenizer(),
    optimizer: { m, v, step: 1234 },
    training: { step: 1234, seed: 7, dataCursor: { file: 2, offset: 99 } },
  };
}

describe("checkpoints", () => {
  it("save and load every part exactly, dense and MoE", () => {
    for (const moe of [false, true]) {
      const dir = join(directory, moe ? "moe" : "dense");
      const saved = checkpoint(moe);
      saveCheckpoint(dir, saved);
      expect(readdirSync(dir).sort()).toEqual([
        "config.json",
        "model.safetensors",
        "optimizer.safetensors",
        "tokenizer.json",
        "training.json",
      ]);
      const loaded = loadCheckpoint(dir);
      expect(loaded.config).toEqual(saved.config);
      expect(firstDifference(loaded.params, saved.params)).toBe(-1);
      expect(firstDifference(loaded.optimizer!.m, saved.optimizer!.m)).toBe(-1);
      expect(firstDifference(loaded.optimizer!.v, saved.optimizer!.v)).toBe(-1);
      expect(loaded.optimizer!.step).toBe(1234);
      expect(loaded.training).toEqual(saved.training);
      expect(loaded.tokenizer.toJSON()).toEqual(saved.tokenizer.toJSON());
      expect(loadCheckpoint(dir, { trainingState: false }).optimizer).toBeUndefined();
    }
  });

  it("replaces an earlier checkpoint, keeps other files, and leaves no temporary files", () => {
    const dir = join(directory, "replace");
    saveCheckpoint(dir, checkpoint());
    writeFileSync(join(dir, "CARD.md"), "# a model card\n");
    const second = {
      ...checkpoint(),
      params: checkpoint().params.map((x) => x * 2),
      optimizer: undefined,
      training: undefined,
    };
    saveCheckpoint(dir, second);
    expect(readdirSync(dir).sort()).toEqual([
      "CARD.md",
      "config.json",
      "model.safetensors",
      "tokenizer.json",
    ]);
    expect(firstDifference(loadCheckpoint(dir).params, second.params)).toBe(-1);
    expect(readdirSync(directory).filter((name) => name.startsWith("replace"))).toEqual(["replace"]);
  });

  it("refuses inconsistent input and reports missing or damaged files with typed errors", () => {
    const dir = join(directory, "damaged");
    expect(() => loadCheckpoint(dir)).toThrow(NotFoundError);
    const good = checkpoint();
    expect(() => saveCheckpoint(dir, { ...good, params: good.params.subarray(1) })).toThrow(
      InvalidInputError,
    );
    saveCheckpoint(dir, good);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, nKvHeads: 3 }));
    expect(() => loadCheckpoint(dir)).toThrow(/nKvHeads 3 does not divide/);
    writeFileSync(join(dir, "config.json"), "{not json");
    expect(() => loadCheckpoint(dir)).toThrow(CorruptFileError);
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, dim: 64, headSize: 16 }));
    expect(() => loadCheckpoint(dir)).toThrow(/token_embd.weight' is shape \(420, 32\)/);
    writeFileSync(join(dir, "config.json"), JSON.stringify(config));
    const model = readFileSync(join(dir, "model.safetensors"));
    model[model.length - 3] ^= 0x40;
    writeFileSync(join(dir, "model.safetensors"), model);
    expect(() => loadCheckpoint(dir)).toThrow(/checksum mismatch/);
    rmSync(join(dir, "tokenizer.json"));
    expect(() => loadCheckpoint(dir)).toThrow(NotFoundError);
  });

  it("survives being killed mid-save: the checkpoint on disk is always one complete version", async () => {
    const dir = join(directory, "crash");
    const random = seededRandom(21);
    for (let kill = 0; kill < 3; kill++) {
      const child = spawn(
        process.execPath,
        ["--import", import.meta.resolve("tsx"), join(packageRoot, "test/helpers/checkpoint-writer.ts"), dir],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 50 + random() * 400));
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      const loaded = loadCheckpoint(dir);
      const version = loaded.params[0];
      expect(loaded.params.every((x) => x === version)).toBe(true);
      expect(loaded.optimizer?.m.every((x) => x === version)).toBe(true);
      expect(loaded.optimizer?.step).toBe(version);
      expect(loaded.training).toEqual({ version });
    }
    // A later save recovers whatever state the crash left and cleans up.
    saveCheckpoint(dir, checkpoint());
    expect(existsSync(`${dir}.next`) || existsSync(`${dir}.prev`)).toBe(false);
  }, 60_000);
});
