/** The conformance suite against the `core` provider: our engine, on a tiny model overfit in the setup. */
import { createCoreModel } from "../core.ts";
import { runConformanceSuite } from "./cases.ts";
import { buildConformanceCore } from "./core-fixture.ts";

runConformanceSuite(
  "core",
  async () => {
    const core = await buildConformanceCore();
    return {
      name: `core (tiny model overfit on the cases, final loss ${core.finalLoss.toExponential(1)})`,
      model: createCoreModel({ model: core.model, tokenizer: core.tokenizer, tools: core.registry }),
      callDefaults: { temperature: 0 },
      budgetTokens: 16,
      budgetMaxOutputTokens: 128,
      enforcesTokenBudget: true,
      deterministic: true,
    };
  },
  { setupMs: 180_000 },
);
