// The one list of programs the server exposes. Examples and your programs (./index.ts)
// register on import; tests (same isolate as the Worker) may add programs with scripted LMs.
import type { Program } from "./define";
import { examples } from "./examples";
import { programs as yours } from "./index";

const programs = new Map<string, Program>();

export function registerProgram(program: Program): Program {
  if (programs.has(program.name)) throw new Error(`Program "${program.name}" is already registered`);
  programs.set(program.name, program);
  return program;
}

export function unregisterProgram(name: string): void {
  programs.delete(name);
}

export function getProgram(name: string): Program | undefined {
  return programs.get(name);
}

export function listPrograms(): Program[] {
  return [...programs.values()];
}

for (const program of [...examples, ...yours]) registerProgram(program);
