/**
 * The agent benchmark's model endpoint, in its own process as a real endpoint would be: a loopback
 * replay server (src/providers/replay) that answers with recorded OpenAI transcripts. The parent sends
 * `{id, enqueue: ["agent/search-call", …]}` before each run and waits for `{id}`; the first message
 * sent is `{url}`. `node --import tsx bench/_replay-worker.ts`.
 */
import { loadExchange, startReplayServer } from "../src/providers/replay/replay-server.ts";

const server = await startReplayServer();
const exchanges = new Map<string, ReturnType<typeof loadExchange>>();
process.on("message", (message: { id: number; enqueue: string[] }) => {
  for (const name of message.enqueue) {
    if (!exchanges.has(name)) exchanges.set(name, loadExchange(name));
    server.enqueue(exchanges.get(name)!);
  }
  server.received.length = 0; // the benchmark does not check requests: keep memory flat
  process.send!({ id: message.id });
});
process.on("disconnect", () => void server.close().then(() => process.exit(0)));
process.send!({ url: server.url });
