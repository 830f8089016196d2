// Runtime benchmarks, in Node (the runtime has no Workers imports). Each row is
// measured next to its peer in the same run, so the table compares like with like.
import { ChainOfThought, ChatAdapter, EventRecorder, JSONAdapter, LM, Signature, context, fakeOpenAIFetch } from "../src/dspy";
import type { EventDraft } from "../src/dspy";
import { type Row, measure } from "./measure";

const answer = "[[ ## reasoning ## ]]\nSix legs on each of the insects, times three.\n\n[[ ## answer ## ]]\n18\n\n[[ ## completed ## ]]";

function newLM(): LM {
  return new LM("bench/fake", { fetch: fakeOpenAIFetch(() => answer), apiKey: "bench" });
}

async function tracing(runs: number): Promise<Row[]> {
  const program = new ChainOfThought("question -> answer: int");
  const lm = newLM();
  const input = { question: "How many legs do three insects have?" };
  const plain = await measure(runs, () => context({ lm }, () => program.call(input)));
  let events = 0;
  const traced = await measure(runs, () => {
    const recorder = new EventRecorder((_draft: EventDraft) => void events++);
    return context({ lm, callbacks: [recorder] }, () => program.call(input));
  });
  const perRun = events / (runs + traced.warmup);
  return [
    { bench: "ChainOfThought call, no callbacks (peer)", ...plain.stats, note: "fake LM, streamed wire format" },
    { bench: "ChainOfThought call, EventRecorder", ...traced.stats, note: `${perRun.toFixed(0)} events/run` },
  ];
}

async function adapters(runs: number): Promise<Row[]> {
  const sig = new Signature("context: list[str], question: str -> reasoning, answer: str, confidence: float");
  const inputs = { context: ["Paris is the capital of France.", "Lyon is in France."], question: "Capital of France?" };
  const chatText = "[[ ## reasoning ## ]]\nIt says so.\n\n[[ ## answer ## ]]\nParis\n\n[[ ## confidence ## ]]\n0.9\n\n[[ ## completed ## ]]";
  const jsonText = '{"reasoning": "It says so.", "answer": "Paris", "confidence": 0.9}';
  const chat = new ChatAdapter();
  const json = new JSONAdapter();
  const c = await measure(runs, async () => chat.parse(sig, chatText) && chat.format(sig, [], inputs));
  const j = await measure(runs, async () => json.parse(sig, jsonText) && json.format(sig, [], inputs));
  return [
    { bench: "ChatAdapter format + parse", ...c.stats, note: "3 outputs, typed" },
    { bench: "JSONAdapter format + parse (peer)", ...j.stats, note: "same signature" },
  ];
}

export async function runtimeBenches(): Promise<Row[]> {
  return [...(await tracing(300)), ...(await adapters(3000))];
}
