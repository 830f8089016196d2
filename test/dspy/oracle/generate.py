"""Runs DSPy 3.3.1 itself on the cases in this folder and writes expected.json.

The adapter tests compare our output with these files byte for byte, for cases
beyond the shared golden fixture. Not part of CI (it needs Python, DSPy's
source and the json_repair package); rerun it after changing the cases:

    python3 test/dspy/oracle/generate.py DSPY_SRC JSON_REPAIR_SRC

DSPY_SRC holds the `dspy` package (3.3.1), JSON_REPAIR_SRC the `json_repair`
package; pydantic must be installed. DSPy's other dependencies (LM clients,
optimizers) play no part in formatting or parsing and are stubbed out.

Case conventions: {"$float": 1} in a value stands for the Python float 1.0;
parse-matrix.json crosses field types with answer texts (ChatAdapter parse, and
XMLAdapter parse as "xml_matrix"); xml-parse-cases.json are XMLAdapter parses;
format cases run through ChatAdapter (plain and ChainOfThought), JSONAdapter
and XMLAdapter (plain and ChainOfThought);
"fields" = [[name, "input"|"output", python type, desc or null], ...] builds a
signature with descriptions; "cot" prepends ChainOfThought's reasoning field.
"""

import json
import os
import sys
import types
import typing

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [sys.argv[1], sys.argv[2]]


class _Stub(types.ModuleType):
    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        sub = _Stub(f"{self.__name__}.{key}")
        sub.__path__ = []
        sys.modules[sub.__name__] = sub
        return sub

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __iter__(self):
        return iter(())

    def __mro_entries__(self, bases):
        return (object,)


def _import_dspy():
    for _ in range(100):
        try:
            import dspy  # noqa: F401

            return sys.modules["dspy"]
        except ModuleNotFoundError as error:
            if error.name is None:
                raise
            parts = error.name.split(".")
            for i in range(1, len(parts) + 1):
                name = ".".join(parts[:i])
                if name not in sys.modules:
                    module = _Stub(name)
                    module.__path__ = []
                    sys.modules[name] = module
            for key in [k for k in sys.modules if k == "dspy" or k.startswith("dspy.")]:
                del sys.modules[key]
    raise RuntimeError("could not import dspy")


dspy = _import_dspy()
from dspy.adapters.chat_adapter import ChatAdapter  # noqa: E402
from dspy.adapters.json_adapter import JSONAdapter  # noqa: E402
from dspy.adapters.xml_adapter import XMLAdapter  # noqa: E402

ADAPTERS = {"chat": ChatAdapter, "json": JSONAdapter, "xml": XMLAdapter}


def python_value(value):
    if isinstance(value, dict):
        if set(value) == {"$float"}:
            return float(value["$float"])
        return {k: python_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [python_value(v) for v in value]
    return value


def json_value(value):
    """Outputs as JSON; floats that are integral keep a marker so the test can tell 1.0 from 1."""
    if isinstance(value, float) and value != value:
        return {"$float": "nan"}
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return {"$float": "inf" if value > 0 else "-inf"}
    if isinstance(value, float) and value.is_integer():
        return {"$float": value}
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def signature_of(case):
    if "fields" in case:
        fields = {}
        for name, kind, type_text, desc in case["fields"]:
            make = dspy.InputField if kind == "input" else dspy.OutputField
            kwargs = {"desc": desc} if desc is not None else {}
            fields[name] = (eval(type_text, dict(typing.__dict__)), make(**kwargs))
        signature = dspy.Signature(fields, case.get("instructions"))
    else:
        signature = dspy.Signature(case["signature"], case.get("instructions"))
    if case.get("cot"):
        signature = signature.prepend(name="reasoning", field=dspy.OutputField(desc="${reasoning}"), type_=str)
    return signature


def run(case):
    result = {}
    try:
        signature = signature_of(case)
        adapter = ADAPTERS[case.get("adapter", "chat")]()
        if "completion" in case:
            result["outputs"] = json_value(adapter.parse(signature, case["completion"]))
        else:
            result["messages"] = adapter.format(signature, python_value(case.get("demos", [])), python_value(case["inputs"]))
    except Exception as error:  # the test checks that we fail too
        result["error"] = type(error).__name__
    return result


def main():
    expected = {"dspy_version": dspy.__version__, "format": [], "parse": []}
    for case in json.load(open(os.path.join(HERE, "format-cases.json"))):
        for kind in ("chat", "chat_cot", "json", "xml", "xml_cot"):
            variant = dict(case, cot=kind.endswith("_cot"), adapter=kind.removesuffix("_cot"))
            expected["format"].append({"id": f"{case['id']}:{kind}", "case": variant, **run(variant)})
    for case in json.load(open(os.path.join(HERE, "parse-cases.json"))):
        expected["parse"].append({"id": case["id"], "case": case, **run(case)})
    for case in json.load(open(os.path.join(HERE, "xml-parse-cases.json"))):
        case = dict(case, adapter="xml")
        expected["parse"].append({"id": case["id"], "case": case, **run(case)})
    matrix = json.load(open(os.path.join(HERE, "parse-matrix.json")))
    expected["matrix"] = []
    for type_text in matrix["types"]:
        for text in matrix["texts"]:
            case = {"signature": f"q -> v: {type_text}", "completion": f"[[ ## v ## ]]\n{text}"}
            result = run(case)
            expected["matrix"].append({"type": type_text, "text": text, **({"value": result["outputs"]["v"]} if "outputs" in result else result)})
    # The same types and texts inside XMLAdapter's tags.
    expected["xml_matrix"] = []
    for type_text in matrix["types"]:
        for text in matrix["texts"]:
            case = {"signature": f"q -> v: {type_text}", "completion": f"<v>\n{text}\n</v>", "adapter": "xml"}
            result = run(case)
            expected["xml_matrix"].append({"type": type_text, "text": text, **({"value": result["outputs"]["v"]} if "outputs" in result else result)})
    # XML syntax as ElementTree (expat) reads it, wrapped as XMLAdapter wraps a completion: OK or the error text.
    import xml.etree.ElementTree as ET
    expected["xml_syntax"] = []
    for text in json.load(open(os.path.join(HERE, "xml-syntax-cases.json"))):
        try:
            ET.fromstring(f"<dspy_root>{text}</dspy_root>")
            expected["xml_syntax"].append({"text": text, "error": None})
        except ET.ParseError as error:
            expected["xml_syntax"].append({"text": text, "error": str(error)})
    with open(os.path.join(HERE, "expected.json"), "w") as out:
        json.dump(expected, out, ensure_ascii=False, indent=1, allow_nan=False)
        out.write("\n")


if __name__ == "__main__":
    main()
