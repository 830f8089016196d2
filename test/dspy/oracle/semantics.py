"""Runs DSPy 3.3.1 itself on behaviour cases (not just format/parse) and writes semantics.json.

Like generate.py (whose stubbed import this reuses), it is not part of CI:

    python3 test/dspy/oracle/semantics.py DSPY_SRC JSON_REPAIR_SRC

Cases:
- signature_ops: Signature.prepend/append/insert of a name the signature already has (and a bad index): the
  resulting fields and the ChatAdapter system message;
- refine: dspy.Refine over a Predict with non-string inputs; the OfferFeedback call's rendered inputs and the
  next attempt's hint, from the messages DSPy sent (a scripted LM answers);
- react: which errors end ReAct's loop (it goes on to extract) and which escape it, with the LM answers that
  lead there.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate  # noqa: E402  (sets sys.path from argv and imports dspy with stubs)

dspy = generate.dspy
from dspy.adapters.chat_adapter import ChatAdapter  # noqa: E402
from dspy.adapters.utils import get_annotation_name  # noqa: E402
from dspy.dsp.utils import dotdict  # noqa: E402


def response(text):
    message = dotdict(content=text, tool_calls=None)
    return dotdict(choices=[dotdict(message=message, finish_reason="stop")],
                   usage=dotdict(prompt_tokens=0, completion_tokens=0, total_tokens=0), model="scripted")


class ScriptedLM(dspy.BaseLM):
    forward_contract = "legacy"

    def __init__(self, answers):
        super().__init__("scripted", "chat", None, None, False)
        self.answers = list(answers)
        self.calls = []

    def forward(self, prompt=None, messages=None, **kwargs):
        self.calls.append([{"role": m["role"], "content": m["content"]} for m in messages])
        if not self.answers:
            raise RuntimeError("scripted LM ran out of answers")
        return response(self.answers.pop(0))

    def copy(self, **kwargs):
        # Refine copies the LM per attempt; every copy answers from the same script.
        return self


def chat(fields):
    body = "\n\n".join(f"[[ ## {k} ## ]]\n{v if isinstance(v, str) else json.dumps(v)}" for k, v in fields.items())
    return body + "\n\n[[ ## completed ## ]]"


def fields_of(signature, kind):
    fields = signature.input_fields if kind == "input" else signature.output_fields
    return [[name, get_annotation_name(f.annotation), f.json_schema_extra.get("desc")] for name, f in fields.items()]


SIGNATURE_OPS = [
    {"id": "cot_over_declared_reasoning", "signature": "question -> reasoning: int, answer",
     "op": "prepend", "name": "reasoning", "kind": "output", "type": "str", "desc": "${reasoning}"},
    {"id": "prepend_existing_moves_it_first", "signature": "question -> answer, reasoning",
     "op": "prepend", "name": "reasoning", "kind": "output", "type": "str", "desc": "${reasoning}"},
    {"id": "append_existing_replaces_in_place", "signature": "question -> answer: int, note",
     "op": "append", "name": "answer", "kind": "output", "type": "str", "desc": "A new description"},
    {"id": "prepend_output_named_like_an_input", "signature": "reasoning, question -> answer",
     "op": "prepend", "name": "reasoning", "kind": "output", "type": "str", "desc": "${reasoning}"},
    {"id": "append_input_named_like_an_output", "signature": "question -> answer, hint",
     "op": "append", "name": "hint", "kind": "input", "type": "str", "desc": "A hint"},
    {"id": "insert_existing_at_index", "signature": "a, b -> c, d, e",
     "op": "insert", "index": 1, "name": "e", "kind": "output", "type": "int", "desc": "moved"},
    {"id": "insert_bad_index", "signature": "question -> answer",
     "op": "insert", "index": 5, "name": "x", "kind": "output", "type": "str", "desc": "x"},
]


def signature_ops():
    out = []
    for case in SIGNATURE_OPS:
        sig = dspy.Signature(case["signature"])
        make = dspy.InputField if case["kind"] == "input" else dspy.OutputField
        field = make(desc=case["desc"])
        type_ = {"str": str, "int": int}[case["type"]]
        try:
            if case["op"] == "prepend":
                new = sig.prepend(case["name"], field, type_)
            elif case["op"] == "append":
                new = sig.append(case["name"], field, type_)
            else:
                new = sig.insert(case["index"], case["name"], field, type_)
            result = {"inputs": fields_of(new, "input"), "outputs": fields_of(new, "output"),
                      "instructions": new.instructions,
                      "system": ChatAdapter().format(new, [], {})[0]["content"]}
        except Exception as error:
            result = {"error": {"type": type(error).__name__, "message": str(error)}}
        out.append({"case": case, **result})
    return out


def refine():
    sig = dspy.Signature("question, k: int, weights: list[float] -> answer, score: float")
    module = dspy.Predict(sig)
    rewards = iter([0.0, 0.5, 1.0])
    answers = [
        chat({"answer": "five", "score": 0.25}),
        chat({"discussion": "The module answered in words.", "advice": {"self": "Answer with a digit."}}),
        chat({"answer": "4", "score": 1.0}),
        chat({"discussion": "Still unsure.", "advice": {"self": "Be confident."}}),
        chat({"answer": "4", "score": 1.0}),
    ]
    lm = ScriptedLM(answers)
    inputs = {"question": "What is 2+2?", "k": 3, "weights": [0.5, 1.0]}

    def reward_fn(args, pred):
        return next(rewards)

    with dspy.context(lm=lm):
        pred = dspy.Refine(module, N=3, reward_fn=reward_fn, threshold=1.0)(**inputs)
    return {"inputs": {"question": "What is 2+2?", "k": 3, "weights": [0.5, {"$float": 1.0}]}, "rewards": [0.0, 0.5, 1.0],
            "threshold": 1.0, "answers": answers, "calls": lm.calls, "outputs": generate.json_value(dict(pred))}


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny in {city}"


REACT = [
    {"id": "invalid_tool_in_both_adapters_ends_the_loop",
     "note": "ChatAdapter's parse fails on the Literal; the JSON fallback parses but its Literal check raises a "
             "ValueError, which ReAct catches: the loop ends and extract runs.",
     "answers": [chat({"next_thought": "Fly there.", "next_tool_name": "fly", "next_tool_args": {}}),
                 json.dumps({"next_thought": "Fly there.", "next_tool_name": "fly", "next_tool_args": {}}),
                 chat({"reasoning": "No tool was used.", "answer": "unknown"})]},
    {"id": "unparseable_in_both_adapters_escapes",
     "note": "Neither a marker nor JSON: the fallback raises AdapterParseError, which is not a ValueError: ReAct fails.",
     "answers": ["I will check the weather.", "Still no JSON here."]},
    {"id": "json_fallback_missing_fields_escapes",
     "note": "The JSON fallback parses but lacks fields: AdapterParseError escapes ReAct.",
     "answers": ["I will check the weather.", json.dumps({"next_thought": "Check it."})]},
    {"id": "bad_args_type_in_json_ends_the_loop",
     "note": "next_tool_args is not a dict in either answer: JSONAdapter's conversion raises pydantic's "
             "ValidationError (a ValueError): the loop ends.",
     "answers": [chat({"next_thought": "t", "next_tool_name": "get_weather", "next_tool_args": "Paris"}),
                 json.dumps({"next_thought": "t", "next_tool_name": "get_weather", "next_tool_args": "Paris"}),
                 chat({"reasoning": "Nothing observed.", "answer": "unknown"})]},
    {"id": "second_step_invalid_keeps_the_first",
     "answers": [chat({"next_thought": "Check.", "next_tool_name": "get_weather", "next_tool_args": {"city": "Paris"}}),
                 chat({"next_thought": "Fly.", "next_tool_name": "fly", "next_tool_args": {}}),
                 json.dumps({"next_thought": "Fly.", "next_tool_name": "fly", "next_tool_args": {}}),
                 chat({"reasoning": "It is sunny.", "answer": "Sunny"})]},
    {"id": "tool_errors_are_observations",
     "answers": [chat({"next_thought": "Check.", "next_tool_name": "get_weather", "next_tool_args": {"town": "Paris"}}),
                 chat({"next_thought": "Done.", "next_tool_name": "finish", "next_tool_args": {}}),
                 chat({"reasoning": "The tool failed.", "answer": "unknown"})]},
]


def react():
    out = []
    for case in REACT:
        lm = ScriptedLM(case["answers"])
        agent = dspy.ReAct("question -> answer", tools=[get_weather])
        result = {}
        try:
            with dspy.context(lm=lm):
                pred = agent(question="What's the weather in Paris?")
            result["outputs"] = generate.json_value(dict(pred))
            # A tool error's observation carries a Python traceback (format_error_for_lm, 5 frames): keep its
            # first line and the exception line, which are what a port can reproduce.
            for key, value in result["outputs"]["trajectory"].items():
                if key.startswith("observation_") and isinstance(value, str) and "\nTraceback" in value:
                    lines = value.strip().splitlines()
                    result["outputs"]["trajectory"][key] = {"first_line": lines[0], "exception": lines[-1]}
        except Exception as error:
            result["error"] = {"type": type(error).__name__, "message": str(error)}
        result["lm_calls"] = len(lm.calls)
        out.append({**case, **result})
    return out


def main():
    expected = {"dspy_version": dspy.__version__, "signature_ops": signature_ops(), "refine": refine(), "react": react()}
    with open(os.path.join(HERE, "semantics.json"), "w") as out:
        json.dump(expected, out, ensure_ascii=False, indent=1, allow_nan=False)
        out.write("\n")


main()
