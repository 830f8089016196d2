// What the demo LM "knows": arithmetic it can do, conversions, encyclopedia
// facts, and a little text analysis for keywords and sentiment.
import { findExpression, evaluate, tidy } from "../tools/arithmetic";
import { searchEncyclopedia } from "../tools/encyclopedia";
import { UNIT_NAMES } from "../tools/units";

export function computed(text: string): { expression: string; value: number } | null {
  const expression = findExpression(text);
  if (!expression) return null;
  return { expression, value: tidy(evaluate(expression)) };
}

export function conversion(text: string): { value: number; from: string; to: string } | null {
  const m = /(-?\d+(?:\.\d+)?)\s*(°?[a-zA-Z/]+)\s+(?:to|in|into|as)\s+(°?[a-zA-Z/]+)/.exec(text);
  // The other way round: "How many meters are (there) in 3 miles?"
  const q = m ? null : /how many\s+(°?[a-zA-Z/]+)\s+(?:are\s+)?(?:there\s+)?(?:in|is|are)\s+(-?\d+(?:\.\d+)?)\s*(°?[a-zA-Z/]+)/i.exec(text);
  const found = m ? { value: m[1], from: m[2], to: m[3] } : q ? { value: q[2], from: q[3], to: q[1] } : null;
  if (!found || !UNIT_NAMES.includes(found.from.toLowerCase()) || !UNIT_NAMES.includes(found.to.toLowerCase())) return null;
  return { value: Number(found.value), from: found.from, to: found.to };
}

export function fact(text: string): { title: string; sentence: string } | null {
  const hit = searchEncyclopedia(text, 1)[0];
  if (!hit) return null;
  return { title: hit.title, sentence: bestSentence(hit.text, text, hit.title) };
}

/** The sentence of `passage` sharing the most words with `question` (ignoring the topic's own name). */
export function bestSentence(passage: string, question: string, title = ""): string {
  const sentences = passage.split(/(?<=[.!?])\s+(?=[A-Z])/);
  const skip = new Set(keywords(title, 10));
  const wanted = new Set(keywords(question, 20).filter((w) => !skip.has(w)).map(stem));
  let best = sentences[0];
  let bestScore = 0;
  for (const s of sentences) {
    const score = keywords(s, 50).filter((w) => wanted.has(stem(w))).length;
    if (score > bestScore) [best, bestScore] = [s, score];
  }
  return best;
}

function stem(word: string): string {
  return word.replace(/(ies|es|s|ed|ing)$/, "");
}

const STOP = new Set(
  "the a an of is are was were be to in on at for and or but with what who whom how why when where which that this these those it its as by from about into than then there their they them you your i me my we our can could would should do does did has have had not no yes please tell give".split(" "),
);

export function keywords(text: string, max = 5): string[] {
  const seen = new Set<string>();
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (w.length > 3 && !STOP.has(w) && !/^\d+$/.test(w)) seen.add(w);
    if (seen.size >= max) break;
  }
  return [...seen];
}

/** The thing a question is about: a capitalised phrase, else its content words. */
export function topic(text: string): string {
  const caps = text.match(/\b[A-Z][\p{L}]+(?:\s+(?:of\s+)?[A-Z][\p{L}]+)*/gu)?.filter((p) => !/^(What|Who|How|Why|When|Where|Which|Is|Are|Tell|Give|Please|Convert|The|A|In)$/.test(p));
  if (caps && caps.length > 0) return caps.sort((a, b) => b.length - a.length)[0];
  return keywords(text, 4).join(" ") || text.slice(0, 60);
}

const POSITIVE = /\b(love|great|good|excellent|amazing|happy|wonderful|fantastic|like|best|enjoy|awesome|nice|glad)\b/i;
const NEGATIVE = /\b(hate|bad|terrible|awful|worst|sad|angry|poor|disappoint\w*|broken|horrible|annoy\w*|refund)\b/i;

export function sentiment(text: string): "positive" | "negative" | "neutral" {
  const p = POSITIVE.test(text);
  const n = NEGATIVE.test(text);
  return p && !n ? "positive" : n && !p ? "negative" : "neutral";
}
