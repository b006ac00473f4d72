/**
 * The agent's trace: typed events with a time (`at`, milliseconds since the run started) and token
 * counts, delivered live to listeners (the `--trace` renderer) and kept for `--json`.
 */
import type { Usage } from "../providers/spec.ts";

export type TraceEvent =
  | { type: "step-start"; at: number; step: number; budgetTokens: number | undefined }
  | { type: "reasoning-delta"; at: number; step: number; delta: string }
  | { type: "text-delta"; at: number; step: number; delta: string }
  | { type: "tool-call"; at: number; step: number; toolCallId: string; toolName: string; input: unknown }
  | {
      type: "tool-result";
      at: number;
      step: number;
      toolCallId: string;
      toolName: string;
      content: string;
      isError: boolean;
      durationMs: number;
      hitNumbers?: number[];
    }
  | { type: "step-finish"; at: number; step: number; finishReason: string; usage: Usage; durationMs: number }
  | {
      /** Run `attempt` failed the self-check: another run is sampled, or (`keep`) run `kept` is kept. */
      type: "self-check";
      at: number;
      attempt: number;
      failure: string;
      next: "sample" | "keep";
      kept?: number;
    }
  | {
      type: "finish";
      at: number;
      steps: number;
      answer: string;
      abstained: boolean;
      usage: Usage;
      durationMs: number;
    };

/** An event as emitted, before the recorder stamps its time. */
export type TraceEventInput = TraceEvent extends infer Event
  ? Event extends { at: number }
    ? Omit<Event, "at">
    : never
  : never;

export interface TraceRecorder {
  emit(event: TraceEventInput): void;
  /** Milliseconds since the recorder started. */
  now(): number;
  readonly events: TraceEvent[];
}

export function createTraceRecorder(listener?: (event: TraceEvent) => void): TraceRecorder {
  const started = performance.now();
  const events: TraceEvent[] = [];
  const now = () => Math.round((performance.now() - started) * 1000) / 1000;
  return {
    events,
    now,
    emit(input) {
      // The caller's fresh object is stamped in place: no copy per streamed token.
      const event = input as TraceEvent;
      event.at = now();
      events.push(event);
      listener?.(event);
    },
  };
}
