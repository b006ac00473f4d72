import { describe, expect, it } from "vitest";
import { parseConfig } from "../../config.ts";
import { ConfigError } from "../../errors.ts";

describe("mcpServers in the configuration", () => {
  it("accepts stdio and http servers, with defaults for the optional fields", () => {
    const config = parseConfig({
      mcpServers: {
        files: { transport: "stdio", command: "node", allow: ["read_file"] },
        weather: {
          transport: "http",
          url: "http://127.0.0.1:3000/mcp",
          allow: ["*"],
          bearerTokenEnv: "TOKEN",
        },
      },
    });
    expect(config.mcpServers.files).toEqual({
      transport: "stdio",
      command: "node",
      args: [],
      env: {},
      allow: ["read_file"],
    });
    expect(config.mcpServers.weather).toMatchObject({
      transport: "http",
      allow: ["*"],
      bearerTokenEnv: "TOKEN",
    });
  });

  it("requires an allow-list and rejects malformed entries with the field named", () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ transport: "stdio", command: "node" }, /mcpServers\.a\.allow/],
      [{ transport: "stdio", command: "node", allow: [] }, /mcpServers\.a\.allow/],
      [{ transport: "http", url: "not a url", allow: ["x"] }, /mcpServers\.a\.url/],
      [{ transport: "ftp", allow: ["x"] }, /mcpServers\.a\.transport/],
      [{ transport: "http", url: "http://x/mcp", allow: ["x"], token: "secret" }, /Unrecognized key/],
      [{ transport: "stdio", command: "node", allow: ["x"], prefix: "1bad" }, /mcpServers\.a\.prefix/],
    ];
    for (const [entry, message] of cases) {
      expect(() => parseConfig({ mcpServers: { a: entry } }), JSON.stringify(entry)).toThrow(ConfigError);
      expect(() => parseConfig({ mcpServers: { a: entry } }), JSON.stringify(entry)).toThrow(message);
    }
  });
});
