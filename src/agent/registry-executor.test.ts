import { describe, expect, it } from "vitest";
import { createMockModel } from "../providers/mock.ts";
import { createCalcTool } from "../tools/calc/calc-tool.ts";
import { ToolRegistry } from "../tools/registry.ts";
import { registryExecutor } from "./registry-executor.ts";
import { runAgent } from "./run-agent.ts";
import { memoryKnowledge } from "./test-fixtures.ts";

describe("registryExecutor", () => {
  it("runs the real calculator for the agent, and turns its typed errors into observations", async () => {
    const registry = new ToolRegistry([createCalcTool()]);
    const model = createMockModel({
      responses: [
        {
          toolCalls: [
            { toolName: "search", input: { query: "Lyon population" } },
            { toolName: "search", input: { query: "Nice population" } },
          ],
        },
        {
          toolCalls: [
            { toolName: "calc", input: { expression: "522250 - 342669" } },
            { toolName: "calc", input: { expression: "1 / 0" } },
            { toolName: "calc", input: { formula: "2 + 2" } },
          ],
        },
        { text: "179,581 more people live in Lyon [1] than in Nice [2]." },
      ],
    });
    const result = await runAgent({
      model,
      question: "How many more people live in Lyon than in Nice?",
      knowledge: memoryKnowledge(),
      tools: registryExecutor(registry),
      budget: 100,
    });
    const [difference, division, malformed] = result.steps[1].toolCalls;
    expect(difference).toMatchObject({ isError: false, content: expect.stringContaining("179581") });
    expect(division.isError).toBe(true);
    expect(malformed.isError).toBe(true);
    expect(malformed.content).toMatch(/^error \(invalid_input\)/);
    expect(result.abstained).toBe(false);
    expect(model.calls[0].tools?.map((tool) => tool.name)).toEqual(["search", "calc"]);
    expect(model.calls[0].tools?.[1].inputSchema).toMatchObject({
      type: "object",
      properties: { expression: {} },
    });
    await registry.close();
  });
});
