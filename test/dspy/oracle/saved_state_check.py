"""Checks, with DSPy 3.3.1's own source, what test/dspy/saved-programs.test.ts relies on
beyond the shared fixtures. Not part of CI (needs Python, pydantic and DSPy's source):

    python3 test/dspy/oracle/saved_state_check.py DSPY_SRC JSON_REPAIR_SRC

1. A file this runtime's save() writes (metadata with only `dspy`) loads in DSPy without
   a warning, and DSPy re-saves it byte for byte as the original fixture.
2. A saved LM's kwargs and its re-dump (the expectations of "a saved LM keeps DSPy's kwargs").
orjson is replaced by json with the same layout; the environment's versions are pinned to the
fixture's so that the re-save is comparable.
"""

import json
import logging
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "fixtures", "dspy", "saved")
source = open(os.path.join(HERE, "generate.py")).read().split("dspy = _import_dspy()")[0]
exec(source)
dspy = _import_dspy()  # noqa: F821 (defined by generate.py's prelude)
import dspy.primitives.base_module as base_module  # noqa: E402
import dspy.utils.saving as saving  # noqa: E402


class JsonAsOrjson:
    OPT_INDENT_2 = 1
    OPT_APPEND_NEWLINE = 2

    @staticmethod
    def loads(data):
        return json.loads(data)

    @staticmethod
    def dumps(value, option=0):
        return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


base_module.orjson = JsonAsOrjson
versions = {"python": "3.11", "dspy": "3.3.1", "cloudpickle": "3.1"}
saving.get_dependency_versions = base_module.get_dependency_versions = lambda: versions
warnings = []
logging.getLogger().addHandler(type("H", (logging.Handler,), {"emit": lambda self, r: warnings.append(r.getMessage())})())

original = open(os.path.join(FIXTURES, "cot_fewshot.json")).read()
ours = json.loads(original)
ours["metadata"] = {"dependency_versions": {"dspy": "3.3.1"}}
tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"), "dspy_edge_saved_check")
os.makedirs(tmp, exist_ok=True)
json.dump(ours, open(os.path.join(tmp, "ours.json"), "w"))
program = dspy.ChainOfThought("question -> answer")
program.load(os.path.join(tmp, "ours.json"))
program.save(os.path.join(tmp, "resaved.json"))
assert warnings == [], warnings
assert open(os.path.join(tmp, "resaved.json")).read() == original
print("1. our save() loads in DSPy without warnings and re-saves to the fixture byte for byte")

state = json.loads(open(os.path.join(FIXTURES, "predict_flat.json")).read())
state["lm"] = {"_dspy_lm_class": "dspy.clients.lm.LM", "model": "openai/gpt-4o-mini", "top_p": 0.9, "max_tokens": 100,
               "cache": False, "num_retries": 1, "rollout_id": None, "stop": ["\n"], "use_developer_role": True}
json.dump(state, open(os.path.join(tmp, "lm.json"), "w"))
predict = dspy.Predict("text -> label: Literal['spam', 'ham'], confidence: float")
predict.load(os.path.join(tmp, "lm.json"))
print("2. kwargs", json.dumps(predict.lm.kwargs))
print("   dump_state()['lm']", json.dumps(predict.dump_state()["lm"]))
