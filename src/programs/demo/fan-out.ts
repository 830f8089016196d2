// The demo LM's side of fan-out programs (examples/research.ts): splitting a
// question into sub-questions about the things it names, and combining the
// findings that come back, comparing their figures when the question compares.
import { searchEncyclopedia } from "../tools/encyclopedia";
import { keywords, topic } from "./knowledge";

const QUESTION_WORDS = /^(What|Who|How|Why|When|Where|Which|Is|Are|Tell|Give|Please|Compare|The|A|An|In|Of|Or|And)$/;

/** What a comparison is about, as the attribute a sub-question asks for. */
function attributeOf(question: string): string {
  const q = question.toLowerCase();
  if (/\b(tall|taller|tallest|high|higher|highest|height)\b/.test(q)) return "height";
  if (/\b(population|people|populous|bigger|larger|largest|biggest)\b/.test(q)) return "population";
  if (/\b(old|older|oldest|built|founded|completed|year)\b/.test(q)) return "year it was completed or founded";
  return "key facts";
}

/** Capitalised names in the question, longest first, without question words. */
function namesIn(question: string): string[] {
  const found = question.match(/\b[A-Z][\p{L}]+(?:\s+(?:of\s+)?[A-Z][\p{L}]+)*/gu) ?? [];
  const names = found
    .map((n) => n.split(/\s+/).filter((w, i) => i > 0 || !QUESTION_WORDS.test(w)).join(" "))
    .filter((n) => n && !QUESTION_WORDS.test(n));
  return [...new Set(names)];
}

/** Two to four sub-questions: one per named thing (asking for the compared attribute), else per clause. */
export function subQuestions(question: string): string[] {
  const names = namesIn(question);
  const attribute = attributeOf(question);
  if (names.length >= 2) return names.slice(0, 4).map((n) => `What is the ${attribute} of ${n}?`);
  const clauses = question
    .replace(/\?+\s*$/, "")
    .split(/\s*(?:,|;|\band\b|\bor\b|\bvs\.?|\bversus\b)\s*/i)
    .filter((c) => keywords(c, 2).length > 0);
  if (clauses.length >= 2) return clauses.slice(0, 4).map((c) => `${c.charAt(0).toUpperCase()}${c.slice(1)}?`);
  const about = names[0] ?? topic(question);
  const hit = searchEncyclopedia(about, 1)[0];
  return [`What is ${hit?.title ?? about}?`, `What are the key facts about ${hit?.title ?? about}?`];
}

/** The first figure of a finding ("8,849 m" → 8849, "about 2.1 million" → 2100000). */
function figure(text: string): number | null {
  const m = /(\d[\d,]*(?:\.\d+)?)\s*(million|billion|thousand)?/i.exec(text);
  if (!m) return null;
  const scale = { million: 1e6, billion: 1e9, thousand: 1e3 }[(m[2] ?? "").toLowerCase() as "million"] ?? 1;
  return Number(m[1].replaceAll(",", "")) * scale;
}

/** One answer from the findings: the one with the largest (or smallest) figure when the question compares. */
export function combineFindings(question: string, findings: string[]): string {
  const usable = findings.filter((f) => !f.startsWith("(no finding"));
  if (usable.length === 0) return "None of the sub-questions could be answered.";
  const smallest = /\b(smaller|smallest|shorter|shortest|fewer|least|younger|newer|lower)\b/i.test(question);
  const compares = smallest || /\b(taller|tallest|larger|largest|bigger|biggest|more|most|older|oldest|higher|highest|which)\b/i.test(question);
  const figures = usable.map(figure);
  if (compares && usable.length >= 2 && figures.every((n) => n !== null)) {
    const pick = figures.indexOf(smallest ? Math.min(...(figures as number[])) : Math.max(...(figures as number[])));
    return `${usable[pick]} Of the ${usable.length} findings, this one has the ${smallest ? "smallest" : "largest"} figure.`;
  }
  return usable.join(" ");
}
