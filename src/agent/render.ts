/**
 * The live terminal view of a trace for `cogcore ask --trace`, written to stderr as events arrive:
 *
 *   ── step 1 · budget 208 tokens
 *    think │ I need both populations.
 *     call │ search {"query":"Lyon population"}
 *   result │ [1] Lyon is a city … (2 ms)
 *   answer │ 179,581 more people live in Lyon [1] than in Nice [2].
 *   ── done · 3 steps · 1.24 s · tokens 310 prompt / 95 completion / 12 reasoning
 *
 * A run that fails the agent's self-check (runAgent's `resample`) is followed by a `check` line and the
 * next run: "check │ run 1: the searches named nothing of “Nice”; sampling run 2".
 */
import pc from "picocolors";
import { colorsFor } from "../log.ts";
import type { TraceEvent } from "./trace.ts";

export interface TraceRendererOptions {
  /** Where to write. Default: process.stderr. */
  stream?: { write(text: string): unknown };
  /** Colours. Default: whether the stream is a terminal. */
  color?: boolean;
  /** Longest tool result shown, in characters. Default: 300. */
  maxResultLength?: number;
}

const LABEL_WIDTH = 6;

/** Returns a listener for `runAgent({onEvent})`. */
export function createTraceRenderer(options: TraceRendererOptions = {}): (event: TraceEvent) => void {
  const stream = options.stream ?? process.stderr;
  const colors =
    options.color === undefined ? colorsFor(stream as { isTTY?: boolean }) : pc.createColors(options.color);
  const maxResultLength = options.maxResultLength ?? 300;
  let open: "reasoning-delta" | "text-delta" | undefined;
  const line = (label: string, text: string, paint: (text: string) => string = (text) => text) =>
    stream.write(`${colors.dim(label.padStart(LABEL_WIDTH))} │ ${paint(text)}\n`);
  const closeOpen = () => {
    if (open) stream.write("\n");
    open = undefined;
  };
  const delta = (type: "reasoning-delta" | "text-delta", text: string) => {
    if (open !== type) {
      closeOpen();
      stream.write(
        `${colors.dim((type === "reasoning-delta" ? "think" : "answer").padStart(LABEL_WIDTH))} │ `,
      );
      open = type;
    }
    const flat = text.includes("\n") ? text.replaceAll("\n", " ") : text;
    stream.write(type === "reasoning-delta" ? colors.dim(flat) : flat);
  };
  return (event) => {
    switch (event.type) {
      case "step-start":
        closeOpen();
        stream.write(
          colors.cyan(
            `── step ${event.step}${event.budgetTokens === undefined ? "" : ` · budget ${event.budgetTokens} tokens`}\n`,
          ),
        );
        return;
      case "reasoning-delta":
      case "text-delta":
        return delta(event.type, event.delta);
      case "tool-call":
        closeOpen();
        return line("call", `${event.toolName} ${JSON.stringify(event.input)}`, colors.yellow);
      case "tool-result": {
        closeOpen();
        const text =
          event.content.length > maxResultLength
            ? `${event.content.slice(0, maxResultLength)}…`
            : event.content;
        const timing = colors.dim(` (${Math.round(event.durationMs)} ms)`);
        return line(
          "result",
          `${text.replace(/\n/g, "\n".padEnd(LABEL_WIDTH + 4))}${timing}`,
          event.isError ? colors.red : undefined,
        );
      }
      case "step-finish":
        closeOpen();
        return;
      case "self-check": {
        closeOpen();
        const verdict =
          event.next === "sample"
            ? `run ${event.attempt}: ${event.failure}; sampling run ${event.attempt + 1}`
            : `no sampled run passed; keeping run ${event.kept}`;
        return line("check", verdict, colors.yellow);
      }
      case "finish": {
        closeOpen();
        const { promptTokens, completionTokens, reasoningTokens } = event.usage;
        const verdict = event.abstained ? colors.yellow("abstained") : colors.green("answered");
        stream.write(
          colors.cyan(
            `── ${verdict} · ${event.steps} steps · ${(event.durationMs / 1000).toFixed(2)} s · tokens ${promptTokens} prompt / ${completionTokens} completion / ${reasoningTokens} reasoning\n`,
          ),
        );
        return;
      }
    }
  };
}
