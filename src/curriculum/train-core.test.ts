import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../../test/helpers/temp-dir.ts";
import { parseConfig } from "../config.ts";
import { AbortedError } from "../errors.ts";
import { loadCheckpoint } from "../model/checkpoint.ts";
import { PRESETS } from "./presets.ts";
import { trainCore } from "./train-core.ts";

// A small structured KB keeps these runs fast: the procedure, not the world, is under test.
let directory: string;
let csv: string;
const config = () => parseConfig({ dataDir: join(directory, "data") });
const paths = () => ({ dataDir: join(directory, "data"), cacheDir: join(directory, "cache") });

beforeAll(() => {
  directory = tempDir("cogcore-train-");
  const rows = ["name,mass,diameter"];
  for (let index = 0; index < 60; index++)
    rows.push(
      `Body${String.fromCharCode(65 + (index % 26))}${String.fromCharCode(65 + Math.floor(index / 26))},${((index * 37) % 900) + 11},${((index * 53) % 4000) + 120}`,
    );
  csv = join(directory, "bodies.csv");
  writeFileSync(csv, `${rows.join("\n")}\n`);
});

afterAll(removeTempDirs);

const preset = PRESETS.tiny;

/** Starts `cogcore train` (tiny, on the CSV) in a child process; resolves once its first checkpoint is on disk. */
async function startTraining(out: string, steps: number) {
  const args = ["train", "--preset", "tiny", "--kb", csv, "--out", out, "--steps", String(steps), "--quiet"];
  const env = {
    ...process.env,
    XDG_DATA_HOME: join(directory, "xdg"),
    XDG_CACHE_HOME: join(directory, "xdg-cache"),
  };
  const child = spawn(process.execPath, [resolve("bin/cogcore.mjs"), ...args], { env, stdio: "ignore" });
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const trainingFile = join(out, "training.json");
  await new Promise<void>((done, fail) => {
    const timer = setInterval(() => {
      if (existsSync(trainingFile)) {
        clearInterval(timer);
        done();
      }
    }, 10);
    void exited.then(() => {
      clearInterval(timer);
      fail(new Error("the run ended before its first checkpoint was seen"));
    });
  });
  return { child, exited, args, env, trainingFile };
}

describe("cogcore train", () => {
  it("resumes an interrupted run to the same weights as an uninterrupted one", async () => {
    const common = { preset, kb: csv, config: config(), paths: paths(), progress: false, steps: 8 };
    const whole = await trainCore({ ...common, out: join(directory, "whole") });
    expect(whole.step).toBe(8);
    const controller = new AbortController();
    const interrupted = trainCore({
      ...common,
      out: join(directory, "split"),
      signal: controller.signal,
      onStep: (info) => {
        if (info.step === 3) controller.abort();
      },
    });
    await expect(interrupted).rejects.toBeInstanceOf(AbortedError);
    const saved = loadCheckpoint(join(directory, "split"));
    expect(saved.optimizer?.step).toBe(3);
    expect(saved.training).toMatchObject({ step: 3, complete: false, preset: "tiny" });
    await expect(trainCore({ ...common, out: join(directory, "split") })).rejects.toThrow(
      /already holds a checkpoint/,
    );
    const resumed = await trainCore({ ...common, out: join(directory, "split"), resume: true });
    expect(resumed.step).toBe(8);
    const [a, b] = [loadCheckpoint(join(directory, "whole")), loadCheckpoint(join(directory, "split"))];
    expect(b.params).toEqual(a.params);
    expect(b.tokenizer.toJSON()).toEqual(a.tokenizer.toJSON());
    // A finished run keeps weights, tokenizer and its record, not the optimizer state.
    expect(b.optimizer).toBeUndefined();
    expect(b.training).toMatchObject({ step: 8, complete: true });
  }, 120_000);

  it("refuses wording noise outside the world curriculum, and a share outside 0–1", async () => {
    const common = { preset, config: config(), paths: paths(), progress: false, steps: 2 };
    await expect(
      trainCore({ ...common, kb: csv, wordingNoise: 0.25, out: join(directory, "noisy") }),
    ).rejects.toThrow(/wording noise is for the world curriculum/);
    await expect(trainCore({ ...common, wordingNoise: 1.5, out: join(directory, "noisy") })).rejects.toThrow(
      /wordingNoise is 1.5/,
    );
    expect(existsSync(join(directory, "noisy", "training.json"))).toBe(false);
    // A preset's share is for the world curriculum: with --kb the run trains without it.
    const noisyPreset = { ...preset, wordingNoise: 0.25 };
    const trained = await trainCore({
      ...common,
      preset: noisyPreset,
      kb: csv,
      out: join(directory, "kb-noise"),
    });
    expect(trained.step).toBe(2);
    const record = loadCheckpoint(join(directory, "kb-noise")).training;
    expect(record).toMatchObject({ kb: csv, complete: true });
    expect(record?.wordingNoise).toBeUndefined();
  });

  it("survives SIGKILL: the CLI resumes from the last checkpoint and finishes", async () => {
    const out = join(directory, "killed");
    const { child, exited, args, env, trainingFile } = await startTraining(out, 16);
    child.kill("SIGKILL");
    await exited;
    const killedAt = JSON.parse(readFileSync(trainingFile, "utf8")) as { step: number; complete: boolean };
    expect(killedAt.complete).toBe(false);
    const resumed = spawn(process.execPath, [resolve("bin/cogcore.mjs"), ...args, "--resume", "--json"], {
      env,
    });
    let stdout = "";
    resumed.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    const code = await new Promise((done) => resumed.once("exit", done));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ step: 16, steps: 16 });
    expect(loadCheckpoint(out).training).toMatchObject({ step: 16, complete: true });
  }, 120_000);

  it("stops on SIGINT after the step it is in, with that step checkpointed", async () => {
    const out = join(directory, "interrupted");
    const { child, exited } = await startTraining(out, 200_000);
    const sent = performance.now();
    child.kill("SIGINT");
    // A training step of the tiny model takes milliseconds: the run must end at once, not after 200,000.
    const code = await Promise.race([
      exited,
      new Promise((done) => setTimeout(() => done("running"), 20_000)),
    ]);
    if (code === "running") child.kill("SIGKILL");
    expect(code).not.toBe("running");
    expect(code).not.toBe(0);
    expect(performance.now() - sent).toBeLessThan(20_000);
    const saved = loadCheckpoint(out);
    expect(saved.training).toMatchObject({ complete: false });
    expect(saved.training!.step).toBeGreaterThan(0);
    expect(saved.training!.step).toBeLessThan(200_000);
    // The checkpoint is the step it stopped at, optimizer state included: --resume goes on from there.
    expect(saved.optimizer?.step).toBe(saved.training!.step);
  }, 120_000);
});
