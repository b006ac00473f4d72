/**
 * Progress reporting on stderr for long work (ingest, training, eval, KB builds).
 *
 * On a terminal it draws a bar with cli-progress; elsewhere (CI logs, pipes) it prints a plain line at
 * most every `intervalMs`, and always at the end, so logs stay short. Nothing ever goes to stdout.
 */
import { SingleBar } from "cli-progress";

export interface ProgressOptions {
  /** What is being done, shown before the bar. */
  label: string;
  /** Total units of work. */
  total: number;
  /** Unit name shown after the counts. Default: "". */
  unit?: string;
  /** Where to write. Default: process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Minimum time between plain-text lines when the stream is not a terminal. Default: 5000 ms. */
  intervalMs?: number;
  /** Draw nothing at all. Default: false, or true when $COGCORE_QUIET is set. */
  quiet?: boolean;
}

export interface Progress {
  /** Sets the completed count; `status` is free text shown after the bar (loss, tokens/s, …). */
  update(value: number, status?: string): void;
  increment(by?: number, status?: string): void;
  setTotal(total: number): void;
  stop(): void;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const quiet = options.quiet ?? Boolean(process.env.COGCORE_QUIET);
  if (quiet) return silentProgress();
  return stream.isTTY ? terminalProgress(options, stream) : lineProgress(options, stream);
}

function silentProgress(): Progress {
  return { update() {}, increment() {}, setTotal() {}, stop() {} };
}

function terminalProgress(options: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const unit = options.unit ? ` ${options.unit}` : "";
  const bar = new SingleBar({
    stream,
    format: `${options.label} [{bar}] {percentage}% {value}/{total}${unit} | ETA {eta_formatted} {status}`,
    barCompleteChar: "█",
    barIncompleteChar: "░",
    hideCursor: true,
    etaBuffer: 50,
  });
  bar.start(options.total, 0, { status: "" });
  return {
    update: (value, status = "") => bar.update(value, { status }),
    increment: (by = 1, status = "") => bar.increment(by, { status }),
    setTotal: (total) => bar.setTotal(total),
    stop: () => bar.stop(),
  };
}

function lineProgress(options: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const intervalMs = options.intervalMs ?? 5000;
  const started = Date.now();
  let total = options.total;
  let value = 0;
  let status = "";
  let lastPrinted = 0;
  let stopped = false;
  const print = () => {
    const percent = total > 0 ? Math.floor((100 * value) / total) : 100;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const unit = options.unit ? ` ${options.unit}` : "";
    stream.write(
      `${options.label}: ${value}/${total}${unit} (${percent}%) ${seconds}s ${status}`.trimEnd() + "\n",
    );
    lastPrinted = Date.now();
  };
  const maybePrint = () => {
    if (Date.now() - lastPrinted >= intervalMs) print();
  };
  return {
    update(next, nextStatus = status) {
      value = next;
      status = nextStatus;
      maybePrint();
    },
    increment(by = 1, nextStatus = status) {
      value += by;
      status = nextStatus;
      maybePrint();
    },
    setTotal(next) {
      total = next;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      print();
    },
  };
}
