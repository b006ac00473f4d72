/** The instructions every model gets: where knowledge comes from, how to cite, when to abstain. */

export const SYSTEM_PROMPT = [
  "You answer questions with tools. Facts come only from the search tool; never from memory.",
  "Cite each fact with the number of the passage it came from, in brackets, like [1].",
  "Compute with the calc tool, never in your head.",
  'If the passages do not contain the answer, reply "I don\'t know" and say what is missing: a wrong answer is worse than none.',
  "Keep the final answer to one or two sentences.",
].join("\n");

/** The tool the agent adds when it has a knowledge search: its results are numbered for citation. */
export const SEARCH_TOOL_DESCRIPTION =
  "Searches the knowledge base. Returns numbered passages [n] with their sources; cite them as [n].";
