import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress } from "./progress.ts";

function captureStream(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join("") };
}

describe("progress", () => {
  it("prints throttled plain lines when not on a terminal, and a final line", () => {
    const { stream, text } = captureStream();
    const progress = createProgress({
      label: "ingest",
      total: 10,
      unit: "files",
      stream,
      intervalMs: 60_000,
      quiet: false,
    });
    for (let i = 0; i < 10; i++) progress.increment(1, `file ${i}`);
    progress.stop();
    progress.stop();
    const lines = text().trim().split("\n");
    expect(lines).toHaveLength(2); // the first update, then the final line; the rest are throttled away
    expect(lines[1]).toMatch(/^ingest: 10\/10 files \(100%\) [0-9.]+s file 9$/);
  });

  it("prints nothing when quiet", () => {
    const { stream, text } = captureStream();
    const progress = createProgress({ label: "x", total: 1, stream, quiet: true });
    progress.update(1);
    progress.stop();
    expect(text()).toBe("");
  });
});
