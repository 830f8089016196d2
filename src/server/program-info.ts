// How a program describes itself over HTTP: GET /api/programs and OpenAPI.
import { z } from "zod";
import { fieldDescription, type Field, Signature } from "../dspy/signature";
import { allowsNone } from "../dspy/types";
import type { Program } from "../programs/define";
import type { ServerEnv } from "./env";
import { stateInfo, type ProgramStateInfo, type UploadedState } from "./program-state";

export interface FieldInfo {
  name: string;
  /** DSPy's type name: str, int, list[str], Literal['a', 'b'], … */
  type: string;
  description: string | null;
  /** JSON schema of the value. */
  schema: Record<string, unknown>;
  optional: boolean;
}

export interface ProgramInfo {
  name: string;
  description: string;
  module: string;
  model: string;
  demo: boolean;
  streaming: boolean;
  /** The adapter runs use: ChatAdapter (DSPy's default), JSONAdapter or XMLAdapter. */
  adapter: string;
  /** The DSPy saved state the program runs (bundled or uploaded): demos and instructions per predictor; null if none. */
  state: ProgramStateInfo | null;
  signature: {
    text: string;
    instructions: string;
    inputs: FieldInfo[];
    outputs: FieldInfo[];
    /** JSON schema of the request body of POST /{name}. */
    input_schema: Record<string, unknown>;
    /** JSON schema of the outputs in a result. */
    output_schema: Record<string, unknown>;
  };
  /** What a run returns, which may be more than the signature's outputs (ReAct's `trajectory`, ChainOfThought's `reasoning`). */
  result: ResultInfo;
  /** Example inputs to try the program with. */
  examples: Record<string, unknown>[];
}

export interface ResultInfo {
  fields: FieldInfo[];
  /** JSON schema of the result (without `run_id`): every field required. */
  schema: Record<string, unknown>;
}

function fieldInfo(field: Field, schema: Record<string, unknown>): FieldInfo {
  return {
    name: field.name,
    type: field.typeName,
    description: fieldDescription(field) || null,
    schema,
    optional: allowsNone(field.type),
  };
}

function fieldsOf(fields: readonly Field[], objectSchema: Record<string, unknown>): FieldInfo[] {
  const props = (objectSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
  return fields.map((f) => fieldInfo(f, props[f.name] ?? {}));
}

/** JSON schema from the zod schema that validates the values (so docs and checks agree). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

export function signatureInfo(signature: Signature): ProgramInfo["signature"] {
  const input_schema = jsonSchemaOf(signature.inputsSchema());
  const output_schema = jsonSchemaOf(signature.outputsSchema());
  return {
    text: signature.toString(),
    instructions: signature.instructions,
    inputs: fieldsOf(signature.inputFields, input_schema),
    outputs: fieldsOf(signature.outputFields, output_schema),
    input_schema,
    output_schema,
  };
}

export function resultInfo(fields: readonly Field[]): ResultInfo {
  const schema = jsonSchemaOf(new Signature(fields).outputsSchema());
  return { fields: fieldsOf(fields, schema), schema };
}

export function programInfo(program: Program, env: ServerEnv, uploaded: UploadedState | null = null): ProgramInfo {
  const model = program.lm(env).model;
  return {
    name: program.name,
    description: program.description,
    module: program.kind,
    model,
    demo: model.includes("demo"),
    streaming: program.streaming,
    adapter: program.adapter?.name ?? "ChatAdapter",
    state: stateInfo(program, uploaded),
    signature: signatureInfo(program.signature),
    result: resultInfo(program.resultFields),
    examples: [...program.examples],
  };
}
