// A small bundled encyclopedia, so the agent example has something real to
// look up without network access. Search ranks entries by shared words.
import { z } from "zod";
import { Tool } from "../../dspy/tool";

export const ENTRIES: Record<string, string> = {
  "Paris": "Paris is the capital and largest city of France, on the Seine. Population about 2.1 million (city), 12 million (metro). Home of the Eiffel Tower (330 m tall, completed 1889).",
  "France": "France is a country in Western Europe. Capital: Paris. Population about 68 million. Currency: euro. Official language: French.",
  "Berlin": "Berlin is the capital of Germany, with about 3.9 million inhabitants. The Berlin Wall divided the city from 1961 to 1989.",
  "Germany": "Germany is a country in Central Europe. Capital: Berlin. Population about 84 million. Currency: euro.",
  "Tokyo": "Tokyo is the capital of Japan and the most populous metropolitan area in the world, about 37 million people.",
  "Japan": "Japan is an island country in East Asia. Capital: Tokyo. Population about 124 million. Currency: yen.",
  "Mount Everest": "Mount Everest is Earth's highest mountain above sea level, 8,849 m (29,032 ft), on the Nepal–China border. First summited in 1953 by Tenzing Norgay and Edmund Hillary.",
  "Eiffel Tower": "The Eiffel Tower is a wrought-iron lattice tower in Paris, 330 m tall, designed by Gustave Eiffel's company and completed in 1889.",
  "Moon": "The Moon is Earth's only natural satellite, on average 384,400 km away, with a diameter of 3,474 km. Humans first landed on it on 20 July 1969 (Apollo 11).",
  "Sun": "The Sun is the star at the centre of the Solar System, about 149.6 million km from Earth, with a surface temperature of about 5,772 K.",
  "Mars": "Mars is the fourth planet from the Sun, about 227.9 million km from it on average. A day on Mars lasts 24 h 37 min; it has two moons, Phobos and Deimos.",
  "Jupiter": "Jupiter is the fifth planet from the Sun and the largest in the Solar System, with a mass 318 times Earth's and at least 95 known moons.",
  "Speed of light": "The speed of light in vacuum is exactly 299,792,458 m/s (about 1.08 billion km/h).",
  "Water": "Water (H2O) freezes at 0 °C (32 °F) and boils at 100 °C (212 °F) at sea-level pressure. Its density is about 1 kg per litre.",
  "Amazon River": "The Amazon River in South America is about 6,400 km long and carries more water than any other river.",
  "Nile": "The Nile in north-eastern Africa is about 6,650 km long, traditionally considered the longest river in the world.",
  "Marathon": "A marathon is a long-distance foot race of 42.195 km (26.2 miles).",
  "Python": "Python is a programming language created by Guido van Rossum, first released in 1991.",
  "JavaScript": "JavaScript is a programming language created by Brendan Eich at Netscape in 1995; it runs in every web browser.",
  "Cloudflare Workers": "Cloudflare Workers is a serverless platform that runs JavaScript and WebAssembly in V8 isolates in Cloudflare's data centres; Durable Objects add strongly consistent state.",
  "DSPy": "DSPy is a framework from Stanford NLP for programming language models with signatures and modules (Predict, ChainOfThought, ReAct) instead of hand-written prompts.",
  "Ada Lovelace": "Ada Lovelace (1815–1852) was an English mathematician who wrote what is considered the first computer program, for Charles Babbage's Analytical Engine.",
  "Alan Turing": "Alan Turing (1912–1954) was an English mathematician and computer scientist who formalised computation with the Turing machine and helped break Enigma.",
  "Great Wall of China": "The Great Wall of China is a series of fortifications about 21,196 km long in total, built over many centuries.",
  "Pacific Ocean": "The Pacific Ocean is the largest and deepest ocean, covering about 165 million km²; its deepest point, the Challenger Deep, is about 10,935 m deep.",
};

const STOP = new Set(["the", "a", "an", "of", "is", "what", "who", "how", "in", "on", "to", "and", "did", "does", "was", "are", "tall", "many", "much", "far", "long", "big", "for", "from", "me", "tell", "about", "which", "where", "when"]);

// Numbers and one-letter words match too much by accident ("3" in "3.9 million").
function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOP.has(w) && w.length > 1 && !/^\d+$/.test(w));
}

/** Entries best matching `query`, best first (title matches count double). */
export function searchEncyclopedia(query: string, limit = 2): { title: string; text: string }[] {
  const q = new Set(words(query));
  return Object.entries(ENTRIES)
    .map(([title, text]) => {
      const titleWords = words(title);
      const score =
        titleWords.filter((w) => q.has(w)).length * 2 + new Set(words(text).filter((w) => q.has(w))).size;
      return { title, text, score };
    })
    // One shared ordinary word is chance; a title word or two shared words is a match.
    .filter((e) => e.score >= 2)
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map(({ title, text }) => ({ title, text }));
}

export const encyclopedia = new Tool(
  ({ query }) => {
    const hits = searchEncyclopedia(query);
    if (hits.length === 0) return `No entry found for "${query}". Known topics: ${Object.keys(ENTRIES).join(", ")}.`;
    return hits.map((h) => `${h.title}: ${h.text}`).join("\n");
  },
  {
    name: "search_encyclopedia",
    desc: "Look up short encyclopedia passages about places, science, history and computing.",
    args: z.object({ query: z.string().describe("what to look up, e.g. 'Mount Everest'") }),
  },
);
