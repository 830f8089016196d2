// Your programs, served next to the examples. `npx dspy-edge new <name> "<signature>"` writes
// src/programs/<name>.ts and adds it to this list; a program written by hand is listed here the same way.
import type { Program } from "./define";

export const programs: Program[] = [];
