// Errors carry the context a user needs to fix the cause.
import type { ErrorInfo } from "./events";

/**
 * The LM's answer could not be read as the signature's outputs. The message is
 * DSPy's, byte for byte (dspy/utils/exceptions.py): the specific reason first,
 * then the adapter, the response, the expected fields and, when the parse got
 * that far, the fields it did find.
 */
export class AdapterParseError extends Error {
  override name = "AdapterParseError";
  constructor(
    readonly adapter: string,
    readonly signature: string,
    readonly completion: string,
    reason?: string,
    readonly field?: string,
    readonly parsedFields?: string[],
  ) {
    super(
      (reason ? `${reason}\n\n` : "") +
        `Adapter ${adapter} failed to parse the LM response. \n\nLM Response: ${completion} \n\n` +
        `Expected to find output fields in the LM response: [${signature}] \n\n` +
        (parsedFields ? `Actual output fields parsed from the LM response: [${parsedFields.join(", ")}] \n\n` : ""),
    );
  }
}

/**
 * A value cannot be converted to its field's type: Python's ValueError, which pydantic's
 * ValidationError is. ChatAdapter wraps it in an AdapterParseError; JSONAdapter lets it through, as
 * DSPy's does, and that difference decides whether a ReAct loop ends (ValueError) or fails.
 */
export class ValueError extends Error {
  override name = "ValueError";
}

/** The LM provider failed (HTTP error, timeout, abort): never retried with another adapter. */
export class LMError extends Error {
  override name = "LMError";
  constructor(
    message: string,
    readonly model: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Inputs do not match the signature; `issues` are field-level (from zod). */
export class InputValidationError extends Error {
  override name = "InputValidationError";
  constructor(
    message: string,
    readonly issues: { field: string; message: string }[],
  ) {
    super(message);
  }
}

/** A run-scoped, serializable view of any thrown value, for events. */
export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) return { type: error.name || "Error", message: error.message };
  return { type: "Error", message: String(error) };
}
