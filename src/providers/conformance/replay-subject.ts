/**
 * A conformance subject backed by replayed transcripts: each case queues its recorded exchanges on a
 * loopback replay server, and afterwards checks that the provider sent exactly the recorded requests.
 */
import { expect } from "vitest";
import {
  type Exchange,
  loadExchange,
  type ReplayServer,
  startReplayServer,
} from "../replay/replay-server.ts";
import type { LanguageModel } from "../spec.ts";
import type { ConformanceCase, ConformanceSubject } from "./cases.ts";

export interface ReplaySubjectOptions {
  name: string;
  /** Fixture folder under replay/fixtures, e.g. "openai". */
  folder: string;
  createModel(server: ReplayServer): LanguageModel;
  budgetTokens: number;
  budgetMaxOutputTokens?: number;
  checkBudgetRequest?(body: unknown, budgetTokens: number): void;
}

/** Which recorded exchanges answer each case, in the order the case makes its calls. */
const CASE_FIXTURES: Record<ConformanceCase, string[]> = {
  "plain answer": ["plain"],
  "streamed answer": ["streamed"],
  "one tool call": ["tool-call"],
  "parallel tool calls": ["parallel-tool-calls"],
  "tool error": ["tool-error"],
  "budget honoured": ["budget"],
  "budget off": ["budget-off"],
  abort: ["streamed"],
  "usage counted": ["plain", "streamed"],
};

export async function createReplaySubject(options: ReplaySubjectOptions): Promise<ConformanceSubject> {
  const server = await startReplayServer();
  let expected: Exchange[] = [];
  let receivedBefore = 0;
  return {
    name: `${options.name} (replayed transcripts, official client)`,
    model: options.createModel(server),
    budgetTokens: options.budgetTokens,
    budgetMaxOutputTokens: options.budgetMaxOutputTokens,
    enforcesTokenBudget: false,
    deterministic: false,
    checkBudgetRequest: options.checkBudgetRequest,
    prepare(testCase) {
      expected = CASE_FIXTURES[testCase].map((name) => loadExchange(`${options.folder}/${name}`));
      receivedBefore = server.received.length;
      // The abort case needs the stream to still be arriving when the reader aborts.
      server.setEventDelay(testCase === "abort" ? 30 : 0);
      server.enqueue(...expected);
    },
    verify(testCase) {
      const received = server.received.slice(receivedBefore);
      expect(
        received.map((request) => request.body),
        testCase,
      ).toEqual(expected.map((exchange) => exchange.request.body));
      expect(server.pending()).toBe(0);
    },
    close: () => server.close(),
  };
}
