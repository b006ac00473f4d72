import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileKernels, kernelsModulePath, kernelsModuleSource } from "../../../scripts/build-kernels.ts";

describe("shipped WASM kernels", () => {
  it("are exactly what scripts/build-kernels.ts compiles from assembly/", async () => {
    const binary = await compileKernels();
    expect(readFileSync(kernelsModulePath, "utf8")).toBe(kernelsModuleSource(binary));
  }, 60_000);
});
