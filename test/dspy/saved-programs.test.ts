// Programs that Python DSPy 3.3.1 optimized and saved (test/fixtures/dspy/saved,
// produced by gen_saved.py): loaded into a fresh module here, each must send
// exactly the messages DSPy sent, parse the same completions into the same
// outputs, make the same tool calls, and save back to the same file.
import { describe, expect, it } from "vitest";
import { ChainOfThought } from "../../src/dspy/chain-of-thought";
import { context } from "../../src/dspy/context";
import { LM } from "../../src/dspy/lm";
import { type Inputs, Module } from "../../src/dspy/module";
import { Predict } from "../../src/dspy/predict";
import type { Prediction } from "../../src/dspy/prediction";
import { BestOfN } from "../../src/dspy/best-of-n";
import { MultiChainComparison } from "../../src/dspy/multi-chain-comparison";
import { ProgramOfThought } from "../../src/dspy/program-of-thought";
import { ReAct } from "../../src/dspy/react";
import { Refine } from "../../src/dspy/refine";
import { SavedStateError } from "../../src/dspy/saved-state";
import { Tool } from "../../src/dspy/tool";
import { fakeOpenAIFetch } from "../../src/dspy/utils/fake-openai";
import { ofType, recordEvents } from "../helpers/events";
import cotFile from "../fixtures/dspy/saved/cot_fewshot.json";
import cotExpected from "../fixtures/dspy/saved/cot_fewshot.expected.json";
import editedFile from "../fixtures/dspy/saved/edited_fields.json";
import editedExpected from "../fixtures/dspy/saved/edited_fields.expected.json";
import flatFile from "../fixtures/dspy/saved/predict_flat.json";
import flatExpected from "../fixtures/dspy/saved/predict_flat.expected.json";
import ragFile from "../fixtures/dspy/saved/rag_two_predictors.json";
import ragExpected from "../fixtures/dspy/saved/rag_two_predictors.expected.json";
import reactFile from "../fixtures/dspy/saved/react_tools.json";
import reactExpected from "../fixtures/dspy/saved/react_tools.expected.json";
import cotText from "../fixtures/dspy/saved/cot_fewshot.json?raw";
import editedText from "../fixtures/dspy/saved/edited_fields.json?raw";
import flatText from "../fixtures/dspy/saved/predict_flat.json?raw";
import ragText from "../fixtures/dspy/saved/rag_two_predictors.json?raw";
import reactText from "../fixtures/dspy/saved/react_tools.json?raw";

/** The configured LM: answers the scripted completions in order. */
function scripted(completions: string[]) {
  let next = 0;
  const fetch = fakeOpenAIFetch(() => {
    if (next >= completions.length) return { status: 400, message: "no more scripted completions" };
    return completions[next++];
  });
  const lm = new LM("configured-model", { apiKey: "sk-saved", baseURL: "https://llm.test/v1", fetch, numRetries: 0 });
  const { events, recorder } = recordEvents();
  const run = <T>(fn: () => Promise<T>) => context({ lm, callbacks: [recorder] }, fn);
  return { fetch, lm, events, run };
}

/** What `load` left on each predictor, in the fixtures' `loaded` shape. */
function loadedView(module: Module) {
  return Object.fromEntries(
    module.namedParameters().map(([path, p]) => {
      const predict = p as Predict;
      return [
        path,
        {
          instructions: predict.signature.instructions,
          fields: predict.signature.fields.map((f) => ({ name: f.name, kind: f.kind, prefix: f.prefix, description: f.desc })),
          demos: predict.demos,
          lm: predict.savedLm ? predict.savedLm.describe() : null,
        },
      ];
    }),
  );
}

function expectedLoaded(loaded: Record<string, Record<string, unknown>>) {
  return Object.fromEntries(Object.entries(loaded).map(([path, { demo_types: _types, ...rest }]) => [path, rest]));
}

/** A saved file's text as this runtime's save() writes it: the same bytes, but metadata names only `dspy`. */
function resavedText(text: string): string {
  const python = '      "python": "3.11",\n';
  const cloudpickle = ',\n      "cloudpickle": "3.1"\n';
  expect(text).toContain(python);
  expect(text).toContain(cloudpickle);
  return text.replace(python, "").replace(cloudpickle, "\n");
}

/** The file DSPy would write after loading this one: metadata is the saving environment's (here: only `dspy`). */
function resaved(file: Record<string, unknown>) {
  return { ...file, metadata: { dependency_versions: { dspy: "3.3.1" } } };
}

describe("loading a ChainOfThought compiled by BootstrapFewShot (cot_fewshot.json)", () => {
  it("sends DSPy's messages: raw labeled demos (no reasoning) first as incomplete, then the augmented ones", async () => {
    const { fetch, run, events } = scripted([cotExpected.completion]);
    const program = new ChainOfThought("question -> answer").load(cotFile);
    expect(loadedView(program)).toEqual(expectedLoaded(cotExpected.loaded));
    const result = await run(() => program.call(cotExpected.inputs));
    expect(fetch.requests).toHaveLength(1);
    expect(fetch.requests[0].body.messages).toEqual(cotExpected.messages);
    expect(result.toJSON()).toEqual(cotExpected.outputs);
    expect(ofType(events, "lm_end")[0].text).toBe(cotExpected.completion);
  });

  it("saves the loaded program back to the same file (metadata aside)", () => {
    const program = new ChainOfThought("question -> answer").load(cotFile);
    expect(JSON.parse(program.save())).toEqual(resaved(cotFile));
    // Byte for byte against the file DSPy wrote: two-space JSON, keys in DSPy's order, a final newline.
    expect(program.save()).toBe(resavedText(cotText));
  });
});

class RAG extends Module {
  generate_query = new ChainOfThought("question -> query");
  answer = new Predict("context: list[str], question -> answer");
  retrieved: { input: string; output: string[] }[] = [];

  constructor(private readonly passages: Record<string, string[]>) {
    super();
  }

  override async forward(inputs: Inputs): Promise<Prediction> {
    const query = (await this.generate_query.call({ question: inputs.question })).get("query") as string;
    const context = this.passages[query] ?? [];
    this.retrieved.push({ input: query, output: context });
    return this.answer.call({ context, question: inputs.question });
  }
}

describe("loading a two-predictor module with a per-predictor LM (rag_two_predictors.json)", () => {
  const passages = Object.fromEntries(ragExpected.retrieval.map((r) => [r.input, r.output]));

  it("names predictors by attribute path and applies each one's instructions, demos and LM", async () => {
    const warnings: string[] = [];
    const program = new RAG(passages).load(ragFile, { onWarning: (m) => warnings.push(m) });
    expect(program.namedParameters().map(([path]) => path)).toEqual(["generate_query.predict", "answer"]);
    expect(loadedView(program)).toEqual(expectedLoaded(ragExpected.loaded as never));
    // DSPy's warning for the dropped endpoint key, word for word.
    expect(warnings).toEqual([
      "Ignoring unsafe LM config key(s) during state load: ['api_base']. Pass allow_unsafe_lm_state=True to preserve these keys for trusted files.",
    ]);
  });

  it("runs generate_query on the configured LM and answer on the saved LM, with DSPy's messages", async () => {
    const { fetch, run, events } = scripted(ragExpected.calls.map((c) => c.completion));
    const program = new RAG(passages).load(ragFile, { onWarning: () => {} });
    const result = await run(() => program.call(ragExpected.inputs));
    expect(fetch.requests.map((r) => r.body.messages)).toEqual(ragExpected.calls.map((c) => c.messages));
    expect(program.retrieved).toEqual(ragExpected.retrieval);
    expect(result.toJSON()).toEqual(ragExpected.outputs);

    // calls[0]: the configured LM (no kwargs of its own); calls[1]: the saved LM's model and kwargs, on the configured endpoint.
    const [first, second] = fetch.requests;
    expect(first.body.model).toBe("configured-model");
    expect(first.body).not.toHaveProperty("temperature");
    const savedLM = ragExpected.calls[1].lm as { model: string; request_kwargs: Record<string, unknown> };
    expect(second.body.model).toBe(savedLM.model.replace(/^openai\//, ""));
    expect(second.body).toMatchObject(savedLM.request_kwargs);
    expect(second.url).toBe(first.url); // api_base was dropped: the configured endpoint serves it
    expect(second.headers.authorization).toBe("Bearer sk-saved");
    expect(ofType(events, "lm_start").map((e) => [e.name, e.parent_id !== null])).toEqual([
      ["configured-model", true],
      ["gpt-4o-mini", true],
    ]);
  });

  it("keeps api_base only when unsafe LM state is allowed, and then sends the saved LM's calls there", async () => {
    const program = new RAG(passages).load(ragFile, { allowUnsafeLmState: true, onWarning: () => {} });
    expect(program.answer.savedLm?.kwargs.api_base).toBe("https://llm-gateway.example.com/v1");
    const { fetch, lm } = scripted([]);
    const bound = program.answer.savedLm!.bind(lm);
    expect(bound.model).toBe("gpt-4o-mini");
    expect(bound.kwargs).toEqual({ temperature: 0.2, max_tokens: 300 });
    expect(fetch.requests).toHaveLength(0);
  });

  it("saves back what DSPy would save after loading: the same file without the dropped api_base", () => {
    const program = new RAG(passages).load(ragFile, { onWarning: () => {} });
    const { api_base: _dropped, ...lm } = ragFile.answer.lm;
    expect(JSON.parse(program.save())).toEqual(resaved({ ...ragFile, answer: { ...ragFile.answer, lm } }));
    const apiBase = '      "api_base": "https://llm-gateway.example.com/v1",\n';
    expect(ragText).toContain(apiBase);
    expect(program.save()).toBe(resavedText(ragText).replace(apiBase, ""));
  });

  it("a saved null LM clears an LM set in code; a predictor LM set in code is saved without its endpoint or key", () => {
    const program = new RAG(passages);
    const own = new LM("gpt-4o-mini", { apiKey: "sk-secret", baseURL: "https://private.example/v1", temperature: 0.5 });
    program.generate_query.predict.lm = own;
    const dumped = program.dumpState()["generate_query.predict"] as { lm: Record<string, unknown> };
    expect(dumped.lm).toEqual({
      _dspy_lm_class: "dspy.clients.lm.LM",
      model: "gpt-4o-mini",
      model_type: "chat",
      cache: false,
      num_retries: 3,
      temperature: 0.5,
      max_tokens: null,
      finetuning_model: null,
      launch_kwargs: {},
      train_kwargs: {},
    });
    expect(JSON.stringify(dumped)).not.toContain("sk-secret");
    expect(JSON.stringify(dumped)).not.toContain("private.example");
    program.load(ragFile, { onWarning: () => {} });
    expect(program.generate_query.predict.lm).toBeUndefined();
    expect(program.generate_query.predict.savedLm).toBeUndefined();
  });
});

describe("loading ReAct with rewritten instructions (react_tools.json)", () => {
  const observations: Record<string, string> = Object.fromEntries(
    reactExpected.tool_calls.map((c) => [(c.args as { city?: string }).city ?? "", c.observation]),
  );
  const makeTools = (calls: { name: string; args: unknown }[]) => [
    new Tool(
      (args: Record<string, unknown>) => {
        calls.push({ name: "get_weather", args });
        return observations[String(args.city)];
      },
      {
        name: "get_weather",
        desc: "Get the current weather for a city.",
        args: { city: { type: "string" }, unit: { type: "string", default: "celsius" } },
      },
    ),
    new Tool(
      (args: Record<string, unknown>) => {
        calls.push({ name: "convert_currency", args });
        return "unused";
      },
      {
        name: "convert_currency",
        desc: "Convert an amount of money from one currency to another at today's rate.",
        args: { amount: { type: "number" }, from_currency: { type: "string" }, to_currency: { type: "string" } },
      },
    ),
  ];

  it("without state, its react instructions are DSPy's generated ones (the saved text replaces them)", () => {
    const agent = new ReAct("question -> answer", { tools: makeTools([]), maxIters: 5 });
    expect(agent.react.signature.instructions).toBe(reactExpected.default_react_instructions);
  });

  it("sends DSPy's three calls, makes the same tool call and returns the same trajectory", async () => {
    const calls: { name: string; args: unknown }[] = [];
    const { fetch, run, events } = scripted(reactExpected.calls.map((c) => c.completion));
    const agent = new ReAct("question -> answer", { tools: makeTools(calls), maxIters: 5 }).load(reactFile);
    expect(agent.namedParameters().map(([path]) => path)).toEqual(["react", "extract.predict"]);
    expect(loadedView(agent)).toEqual(expectedLoaded(reactExpected.loaded));
    const result = await run(() => agent.call(reactExpected.inputs));
    expect(fetch.requests.map((r) => r.body.messages)).toEqual(reactExpected.calls.map((c) => c.messages));
    // The tool calls as DSPy's on_tool_start saw them (finish included), and what each returned.
    expect(ofType(events, "tool_start").map((e) => ({ name: e.tool, args: e.args }))).toEqual(
      reactExpected.tool_calls.map(({ name, args }) => ({ name, args })),
    );
    expect(ofType(events, "tool_end").map((e) => [e.result, e.error])).toEqual(
      reactExpected.tool_calls.map((c) => [c.observation, c.exception]),
    );
    // The function itself also gets the schema's default for `unit` (a JS function has no keyword defaults).
    expect(calls).toEqual([{ name: "get_weather", args: { city: "Lisbon", unit: "celsius" } }]);
    expect(result.toJSON()).toEqual(reactExpected.outputs);
  });

  it("saves back to the same file", () => {
    const agent = new ReAct("question -> answer", { tools: makeTools([]), maxIters: 5 }).load(reactFile);
    expect(JSON.parse(agent.save())).toEqual(resaved(reactFile));
    expect(agent.save()).toBe(resavedText(reactText));
  });
});

describe("loading edited field prefixes and descriptions (edited_fields.json)", () => {
  it("applies fields by position (reasoning is second) and shows descriptions, never prefixes", async () => {
    const { fetch, run } = scripted([editedExpected.completion]);
    const program = new ChainOfThought("question -> answer, confidence: float").load(editedFile);
    expect(loadedView(program)).toEqual(expectedLoaded(editedExpected.loaded));
    for (const edit of editedExpected.json_edits) {
      expect(program.predict.signature.fields[edit.position].name).toBe(edit.field);
    }
    const result = await run(() => program.call(editedExpected.inputs));
    expect(fetch.requests[0].body.messages).toEqual(editedExpected.messages);
    expect(result.toJSON()).toEqual(editedExpected.outputs);
    expect(JSON.parse(program.save())).toEqual(resaved(editedFile));
    expect(program.save()).toBe(resavedText(editedText));
  });

  it("a shorter saved list leaves the remaining fields as they were; extra entries are ignored", () => {
    const short = structuredClone(editedFile);
    short.predict.signature.fields = short.predict.signature.fields.slice(0, 1);
    const program = new ChainOfThought("question -> answer, confidence: float").load(short);
    expect(program.predict.signature.fields.map((f) => f.desc)).toEqual([
      "A question about chemistry.",
      "${reasoning}",
      "${answer}",
      "${confidence}",
    ]);
    const long = structuredClone(editedFile);
    long.predict.signature.fields.push({ prefix: "Extra:", description: "ignored" });
    const loaded = new ChainOfThought("question -> answer, confidence: float").load(long);
    expect(loaded.predict.signature.fields).toHaveLength(4);
  });
});

describe("loading a bare Predict's flat file (predict_flat.json)", () => {
  it("reads the flat layout, keeps metadata aside, and formats the incomplete demo first", async () => {
    expect(Object.keys(flatFile)).toEqual(flatExpected.saved_top_level_keys);
    const { fetch, run } = scripted([flatExpected.completion]);
    const program = new Predict("text -> label: Literal['spam', 'ham'], confidence: float").load(flatFile);
    expect(program.namedParameters().map(([path]) => path)).toEqual(["self"]);
    expect(loadedView(program)).toEqual(expectedLoaded(flatExpected.loaded));
    expect(program.savedExtras).toEqual(flatExpected.loaded_extra_attributes);
    const result = await run(() => program.call(flatExpected.inputs));
    expect(fetch.requests[0].body.messages).toEqual(flatExpected.messages);
    expect(result.toJSON()).toEqual(flatExpected.outputs);
  });

  it("saves flat: the predictor's own keys, then metadata", () => {
    const program = new Predict("text -> label: Literal['spam', 'ham'], confidence: float").load(flatFile);
    const saved = program.save();
    expect(Object.keys(JSON.parse(saved))).toEqual(flatExpected.saved_top_level_keys);
    expect(JSON.parse(saved)).toEqual(resaved(flatFile));
    expect(saved).toBe(resavedText(flatText));
  });
});

describe("what load refuses, as DSPy does", () => {
  const fresh = () => new ChainOfThought("question -> answer");
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(SavedStateError);
      return { code: (error as SavedStateError).code, message: (error as Error).message };
    }
    throw new Error("expected a SavedStateError");
  };

  it("a missing predictor key throws before any predictor changes", () => {
    const program = new RAG({});
    const { answer: _gone, ...partial } = ragFile;
    // generate_query.predict comes first and is valid: it must stay untouched when `answer` is missing.
    const error = codeOf(() => program.load(partial));
    expect(error.code).toBe("missing_key");
    expect(error.message).toContain("`answer`");
    expect(program.generate_query.predict.demos).toEqual([]);
    expect(program.generate_query.predict.signature.instructions).toBe("Given the fields `question`, produce the fields `query`.");
  });

  it("a file without metadata is refused by load (loadState applies it)", () => {
    const { metadata: _m, ...bare } = cotFile;
    expect(codeOf(() => fresh().load(bare)).code).toBe("missing_metadata");
    expect(fresh().loadState(bare).predict.demos).toHaveLength(4);
  });

  it("another dspy version only warns, with DSPy's words", () => {
    const warnings: string[] = [];
    const older = { ...cotFile, metadata: { dependency_versions: { python: "3.10", dspy: "2.6.0", cloudpickle: "3.0" } } };
    fresh().load(older, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      "There is a mismatch of dspy version between saved model and current environment. You saved with `dspy==2.6.0`, " +
        "but now you have `dspy==3.3.1`. This might cause errors or performance downgrade on the loaded model, please " +
        "consider loading the model in the same environment as the saving environment.",
    ]);
  });

  it("a custom LM class is refused, with or without unsafe state", () => {
    const custom = structuredClone(ragFile) as { answer: { lm: Record<string, unknown> } };
    custom.answer.lm._dspy_lm_class = "my_pkg.lms.MyLM";
    const refused = codeOf(() => new RAG({}).load(custom, { onWarning: () => {} }));
    expect(refused).toEqual({
      code: "custom_lm_class",
      message:
        "Refusing to import custom serialized LM class `my_pkg.lms.MyLM`. Pass allow_unsafe_lm_state=True when loading trusted files to enable custom LM classes.",
    });
    expect(codeOf(() => new RAG({}).load(custom, { allowUnsafeLmState: true })).code).toBe("custom_lm_class");
  });

  it("a saved LM keeps DSPy's kwargs and saves back as DSPy re-saves it (outputs of DSPy 3.3.1's own load + dump_state)", () => {
    const state = structuredClone(flatFile) as Record<string, unknown>;
    state.lm = {
      _dspy_lm_class: "dspy.clients.lm.LM", model: "openai/gpt-4o-mini", top_p: 0.9, max_tokens: 100, cache: false,
      num_retries: 1, rollout_id: null, stop: ["\n"], use_developer_role: true,
    };
    const predict = new Predict("text -> label: Literal['spam', 'ham'], confidence: float").load(state);
    expect(predict.savedLm!.kwargs).toEqual({ temperature: null, max_tokens: 100, top_p: 0.9, stop: ["\n"] });
    expect(JSON.stringify(predict.dumpState().lm)).toBe(
      JSON.stringify({
        _dspy_lm_class: "dspy.clients.lm.LM", model: "openai/gpt-4o-mini", model_type: "chat", cache: false, num_retries: 1,
        temperature: null, max_tokens: 100, top_p: 0.9, stop: ["\n"], finetuning_model: null, launch_kwargs: {},
        train_kwargs: {}, use_developer_role: true,
      }),
    );
  });

  it("an LM state without a class (older files) becomes dspy.LM", () => {
    const legacy = structuredClone(ragFile) as { answer: { lm: Record<string, unknown> } };
    delete legacy.answer.lm._dspy_lm_class;
    const program = new RAG({}).load(legacy, { onWarning: () => {} });
    expect(program.answer.savedLm?.describe().class).toBe("LM");
  });

  it("a legacy extended_signature and a predictor without signature or lm are refused", () => {
    const legacy = structuredClone(cotFile) as { predict: Record<string, unknown> };
    legacy.predict.extended_signature = {};
    expect(codeOf(() => fresh().load(legacy))).toEqual({
      code: "legacy_state",
      message: "Loading extended_signature is no longer supported in DSPy 2.6+",
    });
    const noLm = structuredClone(cotFile) as { predict: Record<string, unknown> };
    delete noLm.predict.lm;
    expect(codeOf(() => fresh().load(noLm)).code).toBe("missing_key");
    expect(codeOf(() => fresh().load("{not json")).code).toBe("invalid_state");
  });

  it("top-level keys that match no predictor are ignored; unknown predictor keys are kept aside", () => {
    const extra = { ...structuredClone(cotFile), "other.predict": { demos: [] } } as Record<string, unknown>;
    (extra.predict as Record<string, unknown>).stage = "abc";
    const program = fresh().load(extra);
    expect(program.predict.savedExtras).toEqual({ stage: "abc" });
    expect(Object.keys(program.dumpState())).toEqual(["predict"]);
  });
});

describe("named parameters", () => {
  it("walk lists, dicts and nested modules like DSPy, skipping compiled sub-modules and repeats", () => {
    class Tree extends Module {
      first = new Predict("a -> b");
      steps = [new ChainOfThought("a -> b"), new Predict("a -> b")];
      byName = { short: new Predict("a -> b"), deep: new ChainOfThought("a -> b") };
      frozen = new ChainOfThought("a -> b");
      again = this.first;
      constructor() {
        super();
        this.frozen.compiled = true;
      }
      override forward(): Promise<Prediction> {
        throw new Error("not run");
      }
    }
    expect(new Tree().namedParameters().map(([path]) => path)).toEqual([
      "first",
      "steps[0].predict",
      "steps[1]",
      "byName['short']",
      "byName['deep'].predict",
    ]);
  });
});

describe("BestOfN over a module whose predictor has a saved LM", () => {
  it("copies that LM for its attempts (DSPy's get_lm), at temperature 1.0 on the configured endpoint", async () => {
    const state = structuredClone(cotFile) as { predict: Record<string, unknown> };
    state.predict.lm = { _dspy_lm_class: "dspy.clients.lm.LM", model: "openai/gpt-4o", temperature: 0.1, max_tokens: 200 };
    const inner = new ChainOfThought("question -> answer").load(state);
    const best = new BestOfN(inner, { n: 1, rewardFn: () => 1, threshold: 1 });
    const { fetch, run } = scripted([cotExpected.completion]);
    const result = await run(() => best.call(cotExpected.inputs));
    expect(result.toJSON()).toEqual(cotExpected.outputs);
    expect(fetch.requests[0].body).toMatchObject({ model: "gpt-4o", temperature: 1, max_tokens: 200 });
    expect(fetch.requests[0].body.messages).toEqual(cotExpected.messages);
  });
});

describe("built-in modules name their predictors as DSPy's files do", () => {
  it("ProgramOfThought, MultiChainComparison, BestOfN and Refine", () => {
    const reward = { n: 2, rewardFn: () => 1, threshold: 1 };
    expect(new ProgramOfThought("question -> answer").namedParameters().map(([p]) => p)).toEqual([
      "code_generate.predict",
      "code_regenerate.predict",
      "generate_output.predict",
    ]);
    expect(new MultiChainComparison("question -> answer").namedParameters().map(([p]) => p)).toEqual(["predict"]);
    expect(new BestOfN(new ChainOfThought("q -> a"), reward).namedParameters().map(([p]) => p)).toEqual(["module.predict"]);
    expect(new Refine(new ChainOfThought("q -> a"), reward).namedParameters().map(([p]) => p)).toEqual(["module.predict"]);
  });
});
