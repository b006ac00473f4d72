/**
 * The HTML report of an eval run: one self-contained page with inline SVG charts (accuracy per question
 * type against its goal, outcomes per type) and every question with its answer and the calls made.
 */
import type { QuestionType } from "./worldqa/types.ts";
import type { Outcome, WorldQAItem, WorldQASummary } from "./worldqa-eval.ts";

export interface EvalReportInput {
  model: string;
  split: string;
  seed: number;
  heldOutPhrasings: boolean;
  devPhrasings?: boolean;
  noTools: boolean;
  seconds: number;
  summary: WorldQASummary;
  items: WorldQAItem[];
}

/** The goals of the shipped core on the test split (issue: lookup ≥ 95 %, …). */
export const GOALS: Partial<Record<QuestionType, number>> = {
  lookup: 0.95,
  multihop: 0.85,
  arithmetic: 0.85,
  unanswerable: 0.9,
};

const COLOURS: Record<Outcome, string> = { correct: "#2e7d32", wrong: "#c62828", abstained: "#9e9e9e" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Horizontal bars of accuracy per type, with the goal marked. */
export function accuracyChart(accuracy: WorldQASummary["accuracy"]): string {
  const entries = Object.entries(accuracy) as [QuestionType, number | null][];
  const width = 520;
  const barX = 110;
  const scale = width - barX - 60;
  const rows = entries.map(([type, value], index) => {
    const y = 10 + index * 30;
    const bar =
      value === null
        ? ""
        : `<rect x="${barX}" y="${y}" width="${(value * scale).toFixed(1)}" height="20" fill="#1565c0"/>`;
    const goal = GOALS[type];
    const mark =
      goal === undefined
        ? ""
        : `<line x1="${barX + goal * scale}" x2="${barX + goal * scale}" y1="${y - 3}" y2="${y + 23}" stroke="#000" stroke-dasharray="3 2"/>`;
    const label = value === null ? "—" : `${(100 * value).toFixed(1)}%`;
    return `<text x="0" y="${y + 15}">${type}</text>${bar}${mark}<text x="${barX + scale + 6}" y="${y + 15}">${label}</text>`;
  });
  const height = 20 + entries.length * 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13" role="img" aria-label="accuracy per question type">${rows.join("")}</svg>`;
}

/** Stacked bars: correct, wrong and abstained answers per type. */
export function outcomeChart(items: WorldQAItem[]): string {
  const types = [...new Set(items.map((item) => item.type))];
  const width = 520;
  const barX = 110;
  const scale = width - barX - 20;
  const rows = types.map((type, index) => {
    const ofType = items.filter((item) => item.type === type);
    const y = 10 + index * 30;
    let x = barX;
    const parts = (["correct", "wrong", "abstained"] as Outcome[]).map((outcome) => {
      const count = ofType.filter((item) => item.outcome === outcome).length;
      const w = (count / ofType.length) * scale;
      const rect =
        count === 0
          ? ""
          : `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="20" fill="${COLOURS[outcome]}"><title>${outcome}: ${count}</title></rect>`;
      x += w;
      return rect;
    });
    return `<text x="0" y="${y + 15}">${type}</text>${parts.join("")}`;
  });
  const legendY = 20 + types.length * 30;
  const legend = (["correct", "wrong", "abstained"] as Outcome[])
    .map(
      (outcome, index) =>
        `<rect x="${barX + index * 120}" y="${legendY}" width="12" height="12" fill="${COLOURS[outcome]}"/><text x="${barX + index * 120 + 16}" y="${legendY + 11}">${outcome}</text>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${legendY + 20}" font-family="sans-serif" font-size="13" role="img" aria-label="outcomes per question type">${rows.join("")}${legend}</svg>`;
}

export function renderEvalReport(input: EvalReportInput): string {
  const { summary } = input;
  const mode = [
    input.heldOutPhrasings
      ? "held-out phrasings"
      : input.devPhrasings
        ? "development phrasings"
        : "training phrasings",
    input.noTools ? "no tools" : "with tools",
  ].join(", ");
  const rows = input.items
    .map(
      (item) =>
        `<tr class="${item.outcome}"><td>${item.type}</td><td>${escapeHtml(item.question)}</td><td>${escapeHtml(item.answer)}</td><td>${item.outcome}</td><td><code>${escapeHtml(item.calls.join(" → "))}</code></td><td>${item.completionTokens}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>WorldQA — ${escapeHtml(input.model)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 6px;vertical-align:top}tr.wrong td:nth-child(4){color:#c62828}tr.correct td:nth-child(4){color:#2e7d32}code{font-size:12px}</style>
</head><body>
<h1>WorldQA: ${escapeHtml(input.model)}</h1>
<p>${summary.n} questions, ${escapeHtml(input.split)} split (seed ${input.seed}), ${mode}; ${input.seconds} s.
Omniscience index <b>${summary.omniscienceIndex.toFixed(1)}</b>; tokens per correct answer ${summary.tokensPerCorrect ?? "—"};
answerable questions answered ${(100 * summary.answeredRate).toFixed(1)}%.</p>
<h2>Accuracy per question type</h2><p>Dashed line: the goal.</p>
${accuracyChart(summary.accuracy)}
<h2>Outcomes</h2>
${outcomeChart(input.items)}
<h2>Per kind</h2>
<table><tr><th>type</th><th>kind</th><th>n</th><th>correct</th><th>wrong</th><th>abstained</th><th>accuracy</th></tr>
${Object.entries(summary.byKind)
  .map(
    ([kind, score]) =>
      `<tr><td>${score.type}</td><td>${escapeHtml(kind)}</td><td>${score.n}</td><td>${score.correct}</td><td>${score.wrong}</td><td>${score.abstained}</td><td>${(100 * score.accuracy).toFixed(1)}%</td></tr>`,
  )
  .join("\n")}
</table>
<h2>Questions</h2>
<table><tr><th>type</th><th>question</th><th>answer</th><th>outcome</th><th>calls</th><th>tokens</th></tr>
${rows}
</table>
</body></html>
`;
}
