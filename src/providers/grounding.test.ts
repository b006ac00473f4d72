import { describe, expect, it } from "vitest";
import {
  byteString,
  citableHits,
  continuingNames,
  createGrounding,
  endingWords,
  groundingFor,
  nameStarts,
  phrasePairs,
  wordsOf,
} from "./grounding.ts";
import { procedureWordsOf } from "./procedure-words.ts";

/** Feeds a text in pieces of `size` bytes; null when some piece is refused. */
function feed(grounding: ReturnType<typeof createGrounding>, text: string, size = 2) {
  const bytes = byteString(text);
  let state = grounding.start;
  for (let index = 0; index < bytes.length; index += size) {
    const next = grounding.advance(state, bytes.slice(index, index + size));
    if (next === null) return null;
    state = next;
  }
  return state;
}

describe("grounding", () => {
  it("splits words by class and capitals, keeps decimals whole, and joins thousands groups", () => {
    expect(wordsOf(byteString("H2SO4 weighs 98.08; 472,317 people in São Paulo"))).toEqual([
      "H",
      "2",
      "S",
      "O",
      "4",
      "weighs",
      "98.08",
      "472",
      "317",
      "people",
      "in",
      byteString("São"),
      "Paulo",
      "472317",
    ]);
  });

  it("accepts texts whose every word is in the context or the procedure words, in any token split", () => {
    const grounding = createGrounding(
      ["How many people live in São Paulo?", "[1] São Paulo is a city in Brazil. Population: 12,325,232."],
      ["city", "population"],
    );
    for (const size of [1, 2, 3, 7]) {
      for (const text of ["city São Paulo population", " 12325232 [1]", "12325232 + 12325232"]) {
        const state = feed(grounding, text, size);
        expect(state, `${text} in pieces of ${size}`).not.toBeNull();
        expect(grounding.canEnd(state!)).toBe(true);
      }
      expect(feed(grounding, "city Sao Paulo", size)).toBeNull(); // "Sao" is nowhere
      expect(feed(grounding, "city Lyon", size)).toBeNull();
      expect(feed(grounding, " 12325233", size)).toBeNull();
    }
    // A number is copied whole; its full stop is not a decimal point.
    const masses = createGrounding(["Atomic mass: 79.904. Population: 522250."], []);
    for (const text of [" 79.904 [1]", "79.904.", "522250.", "522250 - 79.904"])
      expect(masses.canEnd(feed(masses, text, 1) ?? { word: "x" }), text).toBe(true);
    for (const text of [" 79 [", "79.9 ", "79.5", "5222 ", "522250.5"])
      expect(feed(masses, text, 1), text).toBeNull();
    // Citation markers are free; the numbers inside them are not words to copy.
    const cited = createGrounding(["[1] Lyon. [2] Nice."], []);
    expect(cited.canEnd(feed(cited, " Lyon [1][12, 3]", 1)!)).toBe(true);
    expect(feed(cited, " 1", 1)).toBeNull();
    expect(cited.canEnd(feed(cited, " Lyon [1", 1)!)).toBe(false);
    // A word cut short may go on but may not end there.
    const partial = feed(grounding, "city Pau", 1)!;
    expect(partial).not.toBeNull();
    expect(grounding.canEnd(partial)).toBe(false);
    expect(grounding.advance(partial, " ")).toBeNull();
  });

  it("masks exactly the tokens that keep the text grounded", () => {
    const grounding = createGrounding(["Lyon and Nice"], []);
    const tokens = ["Ly", "on", " Nice", " Paris", "N", "x", " "];
    expect([...grounding.mask(grounding.start, tokens)]).toEqual([1, 0, 1, 0, 1, 0, 1]);
    const ly = grounding.advance(grounding.start, "Ly")!;
    expect([...grounding.mask(ly, tokens)]).toEqual([0, 1, 0, 0, 0, 0, 0]);
  });

  it("learns procedure words: what assistants write that nothing read before contains", () => {
    const trace = (name: string) => [
      { role: "read" as const, text: `How many people live in ${name}?` },
      { role: "call" as const, text: `city ${name} population` },
      { role: "read" as const, text: `[1] ${name} is a city. Population: 5.` },
      { role: "answer" as const, text: " 5 [1]" },
      { role: "answer" as const, text: " I cannot answer" },
    ];
    const words = procedureWordsOf([trace("Lyon"), trace("Nice"), trace("Metz"), trace("Pau")]);
    // The questions' wording: capitalised words no call writes ("How"), never a name the calls search.
    expect(words).toEqual({
      call: ["city", "population"],
      answer: ["I", "answer", "cannot"],
      wording: ["How"],
    });
    expect(procedureWordsOf([trace("Lyon"), trace("Nice")])).toEqual({ call: [], answer: [], wording: [] });
  });

  it("cites only hits the run used: a later call names a word of it, or the answer does", () => {
    const lyon =
      "[1] Lyon is a city in France. Population: 472317.\n[2] South Lyon is a city in Michigan. Population: 11722.";
    const nice =
      "[3] Nice is a city in France. Population: 338620.\n[4] Nice is a city in California. Population: 2731.";
    const turns = [
      { role: "call" as const, text: "city Lyon population" },
      { role: "read" as const, text: lyon },
      { role: "call" as const, text: "city Nice population" },
      { role: "read" as const, text: nice },
      { role: "call" as const, text: "472317 - 338620" },
      { role: "read" as const, text: "133697" },
    ];
    const citable = citableHits(turns, ["city", "population"]);
    expect(citable.filter((hit) => hit.supported).map((hit) => hit.number)).toEqual(["1", "3"]);
    const grounding = createGrounding([lyon, nice, "133697"], [], citable);
    expect(grounding.canEnd(feed(grounding, " 133697 [1][3]", 1)!)).toBe(true);
    expect(feed(grounding, " 133697 [2]", 1)).toBeNull(); // South Lyon gave nothing the run used
    expect(feed(grounding, " 133697 [1][4", 1)).toBeNull();
    // A hit that holds a word of the answer may be cited: the answer took it from there.
    expect(grounding.canEnd(feed(grounding, " Michigan [2]", 1)!)).toBe(true);
  });

  it("ends an answer's value only where a value ends in the context: names are copied whole", () => {
    const texts = [
      "Which city is more populous: São José dos Pinhais or Porto-Novo?",
      "[1] Bandar Seri Begawan is a city in Brunei. Population: 64,409.",
      "[2] Saint Vincent and the Grenadines. Currency: Brazilian real (BRL).",
    ];
    const ending = [...endingWords(texts)].map((word) => Buffer.from(word, "latin1").toString("utf8"));
    for (const word of ["Pinhais", "Novo", "Begawan", "Brunei", "64409", "409", "Grenadines", "real"])
      expect(ending, word).toContain(word);
    for (const word of ["São", "José", "Porto", "Bandar", "Seri", "Saint", "Vincent"])
      expect(ending, word).not.toContain(word);
    // A labelled value's words run to its end, lower-case ones too; a sentence's subject still ends.
    const labelled = endingWords([
      "[1] Philippines is a country. Currency: Philippine peso (PHP). Group: transition metal.",
    ]);
    for (const word of ["Philippines", "peso", "metal"]) expect(labelled, word).toContain(word);
    for (const word of ["Philippine", "transition"]) expect(labelled, word).not.toContain(word);

    const trace = [
      { role: "read" as const, text: "What is the capital of Brunei?" },
      { role: "call" as const, text: "country Brunei" },
      {
        role: "read" as const,
        text: "[1] Brunei is a country. Capital: Bandar Seri Begawan. Currency: Brunei dollar.",
      },
    ];
    const { answer, call } = groundingFor(trace, { call: ["country", "capital"], answer: ["I", "cannot"] });
    for (const size of [1, 3]) {
      expect(feed(answer, " Bandar [1]", size)).toBeNull();
      expect(answer.canEnd(feed(answer, " Bandar", size)!)).toBe(false);
      expect(answer.canEnd(feed(answer, " Bandar Seri Begawan [1]", size)!)).toBe(true);
      expect(answer.canEnd(feed(answer, " Brunei dollar [1]", size)!)).toBe(true);
      expect(answer.canEnd(feed(answer, " I cannot", size)!)).toBe(true);
    }
    // A call may not stop a name where the context always goes on with it (below), but may go on
    // with another name: the query names a part of one.
    expect(call.canEnd(feed(call, "country Bandar Brunei", 1)!)).toBe(true);
    expect(feed(call, "country Bandar capital", 1)).toBeNull();
    // createGrounding leaves it off unless asked.
    const loose = createGrounding([trace[2].text], []);
    expect(loose.canEnd(feed(loose, " Bandar [1]", 1)!)).toBe(true);
    const whole = createGrounding([trace[2].text], [], undefined, true);
    expect(feed(whole, " Bandar [1]", 1)).toBeNull();
  });

  it("copies a call's names whole: no field word, number or end after a name the context goes on with", () => {
    const texts = [
      "Which covers more area: Antigua and Barbuda or French Southern and Antarctic Lands?",
      "Between Lyon and Nice, which has more people? And what is the molar mass of ZnYb2?",
      "[1] Knysna is a city in Western Cape, South Africa (Southern Africa). Population: 76150.\n[2] Saint Kitts and Nevis is a country in Caribbean (region: Americas).",
    ];
    const names = [...continuingNames(texts)].sort();
    // "Between" goes on with "Lyon" too: a call may not stop there either.
    expect(names).toEqual(["Antarctic", "Between", "French", "Kitts", "Saint", "South", "Western"]);
    const trace = texts.map((text) => ({ role: "read" as const, text }));
    const { call } = groundingFor(trace, {
      call: ["country", "city", "element", "symbol", "capital", "area", "population", "mass"],
      answer: [],
    });
    for (const size of [1, 2, 5]) {
      for (const text of [
        "country South Africa capital)",
        "country Saint Kitts and Nevis area)",
        "country French Southern area)",
        "country Antigua area)", // "and" joins two names in a question
        "city Lyon population)",
        "element symbol Zn mass)", // a formula's symbols are glued, not a name that goes on
      ])
        expect(feed(call, text, size), `${text} in pieces of ${size}`).not.toBeNull();
      for (const text of [
        "country South c",
        "country South)",
        "country South 7",
        "country Saint Kitts area",
        "country French area",
      ])
        expect(feed(call, text, size), `${text} in pieces of ${size}`).toBeNull();
    }
  });

  it("copies an answer's value as a phrase of the context, then only its citations", () => {
    const trace = [
      { role: "read" as const, text: "What is the currency of South Africa? And the capital of Yemen?" },
      { role: "call" as const, text: "country South Africa" },
      {
        role: "read" as const,
        text: [
          "[1] South Africa is a country. Currency: South African rand (ZAR).",
          "[2] Peru is a country. Currency: Peruvian sol (PEN).",
          "[3] Yemen is a country. Capital: Sana'a.",
          "[4] United States is a country. Capital: Washington D.C.",
        ].join("\n"),
      },
    ];
    const pairs = phrasePairs(trace.map((turn) => turn.text));
    expect([...(pairs.get("African") ?? [])]).toEqual(["rand"]);
    expect(pairs.get("Currency")).toBeUndefined(); // "Currency: South" is no phrase
    const { answer } = groundingFor(trace, {
      call: ["country", "currency"],
      answer: ["I", "cannot", "answer"],
    });
    for (const size of [1, 3]) {
      for (const text of [
        " South African rand [1]",
        " Sana'a [3]",
        " Washington D.C. [4]",
        " I cannot answer",
      ])
        expect(answer.canEnd(feed(answer, text, size)!), `${text} in pieces of ${size}`).toBe(true);
      for (const text of [
        " South African Currency", // every word is in the context, but "African Currency" is no phrase of it
        " Peruvian cannot", // a procedure word does not go on with a value
        " South African rand (ZAR",
        " South African rand [1] South",
        " South African rand [1]: ",
      ])
        expect(feed(answer, text, size), `${text} in pieces of ${size}`).toBeNull();
      // A value's last word is whole: "so" begins the only word that follows "Peruvian".
      expect(answer.canEnd(feed(answer, " Peruvian so", size)!)).toBe(false);
    }
  });

  it("keeps a call's lower-case name words in the context's phrases, its characters a query's, and no question wording", () => {
    const trace = [
      {
        role: "read" as const,
        text: "Compute the molar mass of ZnCr. How large is French Southern and Antarctic Lands?",
      },
      {
        role: "read" as const,
        text: "[1] Dublin is a city in Ireland. [2] Zinc (symbol Zn). Atomic mass: 65.38.",
      },
    ];
    const { call } = groundingFor(trace, {
      call: ["country", "city", "element", "symbol", "mass", "area", "population"],
      answer: [],
      wording: ["Compute", "How"],
    });
    for (const size of [1, 4]) {
      for (const text of [
        "country French Southern and Antarctic Lands area",
        "city Dublin Ireland population", // a capitalised word may start another name
        "element symbol Zn mass",
        "65.38 * (65.38 + 65.38)",
      ])
        expect(call.canEnd(feed(call, text, size)!), `${text} in pieces of ${size}`).toBe(true);
      for (const text of [
        "country French and Antarctic Lands area", // "French and" is no phrase of the context
        "element symbol Compute mass", // the question's wording is not a name
        "city Dublin:world",
        "city Dublin [1]",
      ])
        expect(feed(call, text, size), `${text} in pieces of ${size}`).toBeNull();
    }
  });

  it("answers a search that asked for a field with that field's value, whole, or abstains", () => {
    const hits = [
      "[1] Philippines is a country in South-Eastern Asia (region: Asia). Currency: Philippine peso (PHP). (source: npm:world-countries)",
      "[2] Panama is a country. Capital: Panama City. Area: 75417 square kilometres. Currency: Panamanian balboa (PAB), United States dollar (USD).",
      "[3] United States is a country. Capital: Washington, D.C. Area: 9525067 square kilometres.",
      "[4] Zinc (symbol Zn) is a chemical element with atomic number 30. Atomic mass: 65.38.",
      "[5] Cuba is a country. Currencies: Cuban convertible peso (CUC), Cuban peso (CUP).", // a plural label
    ].join("\n");
    const words = {
      call: ["country", "element", "currency", "capital", "area", "mass"],
      answer: ["I", "cannot", "answer"],
    };
    const answerAfter = (query: string) =>
      groundingFor(
        [
          { role: "read", text: "What is the currency of the country where Iligan is?" },
          { role: "call", text: query },
          { role: "read", text: hits },
        ],
        words,
      ).answer;
    const cases: Array<[string, string[], string[]]> = [
      [
        "country Philippines currency",
        [" Philippine peso [1]", " Panamanian balboa [2]", " United States dollar [2]", " I cannot answer"],
        [" Philippines [1]", " Philippine [1]", " Panama [2]", " Asia [1]", " 75417 [2]"],
      ],
      [
        "country Panama capital",
        [" Panama City [2]", " Washington, D.C. [3]", " Washington [3]"],
        [" Panama [2]", " Panamanian balboa [2]", " 75417 [2]"],
      ],
      [
        "country Panama area",
        [" 75417 [2]", " 9525067 [3]"],
        [" 75417 square kilometres [2]", " Panama City [2]"],
      ],
      ["element Zinc mass", [" 65.38 [4]"], [" 30 [4]", " 65 [4]"]],
      [
        "country Cuba currency",
        [" Cuban convertible peso [5]", " Cuban peso [5]"],
        [" Cuba [5]", " Cuban [5]"],
      ],
      // No field asked: the query's last word labels nothing, so any grounded value may answer.
      ["country Philippines", [" Philippines [1]", " Asia [1]", " Philippine peso [1]"], []],
    ];
    for (const [query, accepted, refused] of cases) {
      const answer = answerAfter(query);
      for (const text of accepted) {
        const state = feed(answer, text, 1);
        expect(state !== null && answer.canEnd(state), `${query}: ${text}`).toBe(true);
      }
      for (const text of refused) {
        const state = feed(answer, text, 1);
        expect(state !== null && answer.canEnd(state), `${query}: ${text}`).toBe(false);
      }
    }
  });

  it("answers a calculation with a number or a name the question wrote, from its start", () => {
    const question =
      "Is Oman or Saint Kitts and Nevis the larger country? Compare Lyon and Nice, or Şaḩam, or 's-Hertogenbosch.";
    expect([...nameStarts(question, new Set(["Is", "Compare"]))]).toEqual([
      "Oman",
      "Saint",
      "Nevis", // "and" parts names in a question: "Lyon and Nice"
      "Lyon",
      "Nice",
      byteString("Şaḩam"), // a non-ASCII letter starts a name too
      "s", // of 's-Hertogenbosch: lower-case letters glued to a name open it
    ]);
    const answer = groundingFor(
      [
        { role: "read", text: question },
        { role: "call", text: "country Oman area" },
        {
          role: "read",
          text: "[1] Oman is a country. Area: 309500 square kilometres. Borders: Saudi Arabia, Yemen.",
        },
        { role: "call", text: "country Saint Kitts and Nevis area" },
        { role: "read", text: "[2] Saint Kitts and Nevis is a country. Area: 261 square kilometres." },
        { role: "call", text: "309500 - 261" },
        { role: "read", text: "309239" },
      ],
      { call: ["country", "area"], answer: ["I", "cannot", "answer"], wording: ["Is", "Compare"] },
    ).answer;
    for (const text of [
      " Oman [1][2]",
      " Saint Kitts and Nevis [1][2]",
      " 309239 [1][2]",
      " I cannot answer",
    ]) {
      const state = feed(answer, text, 1);
      expect(state !== null && answer.canEnd(state), text).toBe(true);
    }
    for (const text of [" Saudi Arabia [1]", " Yemen [1]", " Kitts [2]", " Is [1]", " Compare [1]"]) {
      const state = feed(answer, text, 1);
      expect(state !== null && answer.canEnd(state), text).toBe(false);
    }
  });
});
