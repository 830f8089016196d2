import { z } from "zod";
import { Tool } from "../../dspy/tool";
import { evaluate, tidy } from "./arithmetic";

export const calculator = new Tool(({ expression }) => tidy(evaluate(expression)), {
  name: "calculator",
  desc: "Evaluate an arithmetic expression: numbers, + - * / % ^, parentheses, sqrt, abs, round, min, max, log, ln, sin, cos, pi, e.",
  args: z.object({ expression: z.string().describe("e.g. (17 * 23) + sqrt(16)") }),
});
