/**
 * Wording noise: a share of the curriculum's questions get a word they have never seen. A small model
 * trained on a few hundred templates reads an unknown word between two names ("Lyon versus Nice") as
 * part of a name, or one before a name as the name's first word; with noise in training it learns that
 * the names, the relation and the operation carry the question, and the rest may be anything.
 *
 * One edit per noisy template, never inside a slot and never at its first word (which the question
 * capitalises, so that it would read as a name):
 *
 *   replace   a filler word becomes a made-up one   "Which of {a} and {b}" → "Which of {a} lorvet {b}"
 *   insert    a made-up word goes between two words "How populous is {city}" → "How populous dasu is {city}"
 *
 * Filler words are those outside RELATION_WORDS: the words that say what to look up or compute, which a
 * question cannot lose. Made-up words are drawn from syllables, so that no real word is taught (and no
 * held-out phrasing's word is drawn on purpose).
 */

export interface WordingNoiseOptions {
  /** Share of templates that get an edit. Default 0.25. */
  rate?: number;
  /** Share of edits that replace a filler word (the rest insert a word). Default 0.5. */
  replaceShare?: number;
}

/** Words that name the relation, the operation or the kind of answer: never replaced. */
const RELATION_WORDS = new Set(
  (
    "population populations populous people residents inhabitants live lives living head count counts " +
    "capital city cities country countries nation nations currency money pay region part world continental " +
    "area areas size square kilometres km² km large larger largest big bigger small smaller land cover covers " +
    "more most less fewer extra minus plus sum total add added combined together both all gap difference " +
    "exceed exceeds remove away left remains remain over heavier heavy weigh weighs weight weights mass " +
    "atomic atom atoms number proton protons symbol letters element elements chemical molar mole grams gram " +
    "founded established year when founding foundation old than from which whose what how many much who " +
    "where not no per each take taken deduct first second"
  ).split(" "),
);

const ONSETS = "b d f g k l m n p r s t v z br dr gl st tr".split(" ");
const VOWELS = ["a", "e", "i", "o", "u", "ai", "ou"];
const CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "k"];

/** A made-up lowercase word of one to three syllables. */
export function madeUpWord(random: () => number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const syllables = 1 + Math.floor(random() * 3);
  let word = "";
  for (let index = 0; index < syllables; index++) word += pick(ONSETS) + pick(VOWELS);
  return word + pick(CODAS);
}

/** Whether a word of a template may be replaced: a lowercase word, not a slot, not a relation word. */
function isFiller(word: string): boolean {
  return /^[a-z]+$/.test(word) && !RELATION_WORDS.has(word);
}

/**
 * The template with one edit, at `rate`; otherwise (and when no edit fits) the template unchanged.
 * Deterministic in `random`.
 */
export function addWordingNoise(
  template: string,
  random: () => number,
  options: WordingNoiseOptions = {},
): string {
  if (random() >= (options.rate ?? 0.25)) return template;
  // Tokens: words and the separators between them; a slot "{a}" with its punctuation stays one token.
  const parts = template.split(/(\s+)/);
  const words = parts.map((part, index) => ({ part, index })).filter(({ part }) => !/^\s*$/.test(part));
  if (words.length < 2) return template;
  const replace = random() < (options.replaceShare ?? 0.5);
  if (replace) {
    const fillers = words.slice(1).filter(({ part }) => isFiller(part));
    if (fillers.length === 0) return template;
    const chosen = fillers[Math.floor(random() * fillers.length)];
    parts[chosen.index] = madeUpWord(random);
  } else {
    // After any word but the last: never before the first word, never after the question mark.
    const after = words[Math.floor(random() * (words.length - 1))];
    parts[after.index] = `${after.part} ${madeUpWord(random)}`;
  }
  return parts.join("");
}
