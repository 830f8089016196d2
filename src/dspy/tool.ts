// A function an agent may call, like dspy.Tool: a name, a description and
// declared args, printed into ReAct's instructions exactly as DSPy prints
// them, and checked before every call (no coercion: the LM must send what the
// schema says). Each call is a `tool` callback pair, so it shows as
// tool_start/tool_end in the run's events.
import type { z } from "zod";
import { withCallbacks, type Callback } from "./callbacks";
import { ValueError } from "./errors";
import { pythonRepr } from "./python-repr";
import { isZodObject, normalizeArgs, schemaViolation, type ArgSchemas, type ToolArgsDeclaration } from "./tool-args";

/** Bad arguments from the caller (usually the LM); DSPy raises ValueError with the same texts. */
/**
 * Args the tool does not take, or of the wrong type. DSPy raises a ValueError for these, and the
 * name is what ReAct's observation shows the LM ("ValueError: Arg x is not in the tool's args."),
 * so it carries DSPy's.
 */
export class ToolArgsError extends ValueError {
  override name = "ValueError";
}

/** What the function receives: the zod output type when args are zod, else a plain record. */
export type ToolArgsOf<A> = A extends z.ZodObject ? z.output<A> : Record<string, unknown>;

export interface ToolOptions<A extends ToolArgsDeclaration> {
  /** Defaults to the function's name. */
  name?: string;
  /** What the tool does, for the LM. */
  desc?: string;
  /**
   * The arguments: a zod object, a JSON schema of an object, or DSPy's map of
   * arg name → JSON schema. Omitted: the tool takes no arguments.
   */
  args?: A;
  /** Instance callbacks, run after the context's (DSPy's order). */
  callbacks?: Callback[];
}

export class Tool<A extends ToolArgsDeclaration = ToolArgsDeclaration, R = unknown> {
  static readonly className = "Tool";
  readonly name: string;
  readonly desc: string;
  /** Arg name → JSON schema, as DSPy's `Tool.args` (what the LM is shown). */
  readonly args: ArgSchemas;
  readonly required: readonly string[];
  callbacks: Callback[];
  private readonly zodArgs: z.ZodObject | null;

  constructor(
    readonly fn: (args: ToolArgsOf<A>) => R | Promise<R>,
    options: ToolOptions<A> = {},
  ) {
    const name = options.name ?? fn.name;
    if (!name) throw new TypeError("Tool needs a name: pass { name } or a named function");
    this.name = name;
    this.desc = options.desc ?? "";
    const { schemas, required } = normalizeArgs(options.args);
    this.args = schemas;
    this.required = required;
    this.zodArgs = isZodObject(options.args) ? options.args : null;
    this.callbacks = options.callbacks ?? [];
  }

  /** Validates `kwargs`, then runs the function (awaited when async). Throws ToolArgsError on bad args. */
  call(kwargs: Record<string, unknown> = {}): Promise<Awaited<R>> {
    return withCallbacks("tool", this, { kwargs }, async (): Promise<Awaited<R>> => {
      const parsed = this.validateArgs(kwargs);
      return await this.fn(parsed);
    });
  }

  /** DSPy's check order: unknown args, then each value against its schema, then missing ones. */
  validateArgs(kwargs: Record<string, unknown>): ToolArgsOf<A> {
    for (const [k, v] of Object.entries(kwargs)) {
      if (!(k in this.args)) throw new ToolArgsError(`Arg ${k} is not in the tool's args.`);
      const violation = schemaViolation(v, this.args[k]);
      if (violation !== null) throw new ToolArgsError(`Arg ${k} is invalid: ${violation}`);
    }
    const missing = this.required.filter((k) => !(k in kwargs));
    if (missing.length > 0) {
      const names = missing.map((k) => `'${k}'`);
      const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
      throw new ToolArgsError(`${this.name}() missing ${missing.length} required argument${missing.length > 1 ? "s" : ""}: ${list}`);
    }
    if (this.zodArgs) {
      // JSON schema cannot express everything zod checks (refinements, formats).
      const result = this.zodArgs.safeParse(kwargs);
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new ToolArgsError(`Arg ${String(issue.path[0] ?? "?")} is invalid: ${issue.message}`);
      }
      return result.data as ToolArgsOf<A>;
    }
    const withDefaults: Record<string, unknown> = { ...kwargs };
    for (const [k, schema] of Object.entries(this.args)) {
      if (!(k in withDefaults) && "default" in schema) withDefaults[k] = structuredClone(schema.default);
    }
    return withDefaults as ToolArgsOf<A>;
  }

  /** DSPy's `str(tool)`: `name, whose description is <desc>…</desc>. It takes arguments {…}.` */
  toString(): string {
    const desc = this.desc ? `, whose description is <desc>${this.desc}</desc>.`.replaceAll("\n", "  ") : ".";
    return `${this.name}${desc} It takes arguments ${pythonRepr(this.args)}.`;
  }

  format(): string {
    return this.toString();
  }
}
