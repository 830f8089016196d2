// Errors carry the context a user needs to fix the cause.
import type { ErrorInfo } from "./events";

/** How much of a completion a parse error quotes; the whole text stays in the call's lm_end. */
export const PARSE_ERROR_EXCERPT_CHARS = 2000;

/** The start and end of a long text with the omitted middle counted, `max` characters or about that. */
export function excerpt(text: string, max = PARSE_ERROR_EXCERPT_CHARS): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)}\n…[${text.length - 2 * half} characters omitted]…\n${text.slice(text.length - half)}`;
}

/**
 * The LM's answer could not be read as the signature's outputs. The message is
 * DSPy's, byte for byte (dspy/utils/exceptions.py): the specific reason first,
 * then the adapter, the response, the expected fields and, when the parse got
 * that far, the fields it did find. Two additions: the completion is quoted as
 * a bounded excerpt (DSPy quotes all of it; a 1 MB answer would make a 1 MB
 * error), and when ChatAdapter fell back to JSONAdapter, ChatAdapter's reason
 * follows (`earlier`), where DSPy shows it in the chained traceback.
 */
export class AdapterParseError extends Error {
  override name = "AdapterParseError";
  constructor(
    readonly adapter: string,
    readonly signature: string,
    /** The whole completion (not truncated). */
    readonly completion: string,
    /** Why it failed, without the completion ("" when the fields parsed say it: `parsedFields`). */
    readonly reason: string = "",
    readonly field?: string,
    /** The output fields the parse did find, when it got that far. */
    readonly parsedFields?: string[],
    /** The failure this one followed (ChatAdapter's, before falling back to JSONAdapter). */
    readonly earlier?: AdapterParseError,
  ) {
    super(
      (reason ? `${excerpt(reason)}\n\n` : "") +
        `Adapter ${adapter} failed to parse the LM response. \n\nLM Response: ${excerpt(completion)} \n\n` +
        `Expected to find output fields in the LM response: [${signature}] \n\n` +
        (parsedFields ? `Actual output fields parsed from the LM response: [${parsedFields.join(", ")}] \n\n` : "") +
        (earlier
          ? `Before that, ${earlier.adapter} failed: ${excerpt(earlier.summary, 1000)}\n` +
            `${earlier.adapter}'s LM Response: ${excerpt(earlier.completion, 1000)}`
          : ""),
    );
  }

  /** The reason in one line: the given one, or which fields were found. */
  get summary(): string {
    return this.reason || `Actual output fields parsed from the LM response: [${(this.parsedFields ?? []).join(", ")}]`;
  }

  /** This failure, remembering the one it followed. */
  after(earlier: AdapterParseError): AdapterParseError {
    return new AdapterParseError(this.adapter, this.signature, this.completion, this.reason, this.field, this.parsedFields, earlier);
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
  /** The provider's Retry-After on the last attempt, in ms (a sync 429 passes it on). */
  readonly retryAfterMs?: number;
  constructor(
    message: string,
    readonly model: string,
    readonly status?: number,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
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
