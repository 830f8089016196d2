// The UI's view of the server's JSON (everything but events, whose schema is src/dspy/events.ts).
import type { RunStatus, Usage } from "../dspy/events";

export interface FieldInfo {
  name: string;
  /** DSPy-style type annotation: "str", "int", "list[str]", "Literal['a', 'b']", "Optional[int]" … */
  type: string;
  description?: string | null;
  /** JSON schema of the field's value, when the server gives one. */
  schema?: JsonSchema | null;
  optional?: boolean;
}

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  default?: unknown;
  description?: string;
  [key: string]: unknown;
}

export interface SignatureInfo {
  text?: string;
  instructions?: string;
  inputs: FieldInfo[];
  outputs: FieldInfo[];
}

export interface ProgramInfo {
  name: string;
  description: string;
  module: string;
  model: string;
  demo: boolean;
  streaming: boolean;
  signature: SignatureInfo;
}

export interface RunInfo {
  run_id: string;
  program: string;
  status: RunStatus;
  inputs?: Record<string, unknown> | null;
  outputs?: Record<string, unknown> | null;
  error?: { type?: string; code?: string; message: string } | null;
  created_at?: number;
  started_at?: number;
  ended_at?: number | null;
  duration_ms?: number | null;
  usage?: Record<string, Usage> | null;
  tokens?: number | null;
  events?: number;
}

export type Metrics = Record<string, unknown>;

/** The server's error body: `{error: {code, message, details}}`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
