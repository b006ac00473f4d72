/**
 * The agent's tool calls, one step's at a time: each runs concurrently with its own timeout; a search of
 * the knowledge base numbers its hits for citation (the evidence ledger); an unknown tool, a failure or
 * a timeout becomes an error result the model reads, never a thrown error (an abort aside).
 */
import type { ToolCallPart, ToolDefinition, ToolResultPart } from "../providers/spec.ts";
import { type EvidenceLedger, formatHits } from "./evidence.ts";
import type { RunAgentOptions } from "./run-agent.ts";
import type { TraceRecorder } from "./trace.ts";
import type { ToolCallRecord, ToolOutcome } from "./types.ts";

/** What one agent run keeps while it goes. */
export interface RunState {
  options: RunAgentOptions;
  trace: TraceRecorder;
  ledger: EvidenceLedger;
  toolOutputs: string[];
  tools: ToolDefinition[];
}

export function toResultPart(record: ToolCallRecord): ToolResultPart {
  return {
    type: "tool-result",
    toolCallId: record.toolCallId,
    toolName: record.toolName,
    output: record.content,
    isError: record.isError,
  };
}

/** Runs the step's tool calls concurrently; each gets its own timeout. */
export async function executeCalls(
  state: RunState,
  calls: ToolCallPart[],
  step: number,
): Promise<ToolCallRecord[]> {
  return Promise.all(
    calls.map(async (call) => {
      const started = state.trace.now();
      const { outcome, hitNumbers } = await executeCall(state, call);
      const durationMs = state.trace.now() - started;
      if (!outcome.isError && call.toolName !== "search") state.toolOutputs.push(outcome.content);
      state.trace.emit({
        type: "tool-result",
        step,
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        content: outcome.content,
        isError: outcome.isError,
        durationMs,
        ...(hitNumbers ? { hitNumbers } : {}),
      });
      return {
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        input: call.input,
        content: outcome.content,
        isError: outcome.isError,
        durationMs,
        ...(hitNumbers ? { hitNumbers } : {}),
      };
    }),
  );
}

async function executeCall(
  state: RunState,
  call: ToolCallPart,
): Promise<{ outcome: ToolOutcome; hitNumbers?: number[] }> {
  const { options } = state;
  const timeoutMs = options.toolTimeoutMs ?? 10_000;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.abortSignal?.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ outcome: ToolOutcome }>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ outcome: { content: `${call.toolName} timed out after ${timeoutMs} ms`, isError: true } });
    }, timeoutMs);
  });
  try {
    return await Promise.race([dispatch(state, call, controller.signal), timeout]);
  } catch (thrown) {
    if (options.abortSignal?.aborted) throw thrown;
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return { outcome: { content: `${call.toolName} failed: ${message}`, isError: true } };
  } finally {
    clearTimeout(timer);
    options.abortSignal?.removeEventListener("abort", onAbort);
  }
}

async function dispatch(
  state: RunState,
  call: ToolCallPart,
  signal: AbortSignal,
): Promise<{ outcome: ToolOutcome; hitNumbers?: number[] }> {
  const { options } = state;
  if (call.toolName === "search" && options.knowledge) {
    const { query, focus } = (call.input ?? {}) as { query?: unknown; focus?: unknown };
    if (typeof query !== "string" || query.trim() === "")
      return { outcome: { content: 'search needs {"query": "…"}, a non-empty text', isError: true } };
    const hits = await options.knowledge.search(query, { k: options.searchK ?? 5 });
    const hitNumbers = state.ledger.add(hits);
    return {
      outcome: {
        content: formatHits(query, hits, hitNumbers, focus === true || options.focusHits === true),
        isError: false,
        data: hits,
      },
      hitNumbers,
    };
  }
  const known = state.tools.some((tool) => tool.name === call.toolName);
  if (!known || !options.tools)
    return {
      outcome: {
        content: `unknown tool '${call.toolName}'; available: ${state.tools.map((tool) => tool.name).join(", ") || "none"}`,
        isError: true,
      },
    };
  return { outcome: await options.tools.execute({ name: call.toolName, input: call.input }, { signal }) };
}
