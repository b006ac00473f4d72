/**
 * Test helper run as a child process: saves checkpoints into argv[2] in a loop, alternating versions 1 and 2
 * (every parameter equals the version; training.json says which), until it is killed.
 */

import { saveCheckpoint } from "../../src/model/checkpoint.ts";
import { parameterCounts, resolveModelConfig } from "../../src/model/config.ts";
import { fixtureTokenizer } from "./model-fixtures.ts";

const directory = process.argv[2];
const config = resolveModelConfig({
  dim: 128,
  nLayers: 4,
  nHeads: 4,
  nKvHeads: 4,
  vocabSize: 512,
  contextLength: 64,
});
const total = parameterCounts(config).total;
const tokenizer = fixtureTokenizer();
for (let save = 0; ; save++) {
  const version = 1 + (save % 2);
  const params = new Float32Array(total).fill(version);
  const optimizer = {
    m: new Float32Array(total).fill(version),
    v: new Float32Array(total).fill(version),
    step: version,
  };
  saveCheckpoint(directory, { config, params, tokenizer, optimizer, training: { version } });
  if (save === 0) process.stdout.write("saved\n");
}
