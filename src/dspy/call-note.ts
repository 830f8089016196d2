// Two facts about repeated calls, for the trace: which step of its parent a call is (BestOfN's
// "attempt 2 of 3", ReAct's iteration), and what a module only learns after its sub-calls ended
// (each attempt's reward, the attempt it kept). Neither changes what a module computes.
import { activeCallId, context, currentContext } from "./context";

/** The step a call is of its parent: 1-based `index`, at most `of`. */
export interface StepInfo {
  index: number;
  of: number;
}

/** What BestOfN/Refine put on their own module_end. */
export interface AttemptsNote {
  /** Reward per attempt, in order; null for an attempt that failed. */
  rewards: (number | null)[];
  /** The attempt returned (1-based), or null when none succeeded. */
  kept: number | null;
  threshold: number;
}

/**
 * Runs `fn` as step `index` of `of` of the call active now: module and tool calls started
 * directly under that call (not deeper ones) carry it on their start event.
 */
export function asStep<T>(index: number, of: number, fn: () => T): T {
  return context({ step: { index, of, parent: activeCallId() } }, fn);
}

/** The step a call starting now under `parentId` is, if its parent said so. */
export function stepOf(parentId: string | null): StepInfo | null {
  const step = currentContext().step;
  return step && parentId !== null && step.parent === parentId ? { index: step.index, of: step.of } : null;
}

const NOTE = Symbol("dspy.attemptsNote");
type Noted = { [NOTE]?: { callId: string; note: AttemptsNote } };

/**
 * Puts `note` on the result a module returns, for its own end event only: the same object may be
 * returned on by an enclosing module, whose end event must not claim it.
 */
export function noteAttempts(result: object, note: AttemptsNote): void {
  const callId = activeCallId();
  if (callId !== null) (result as Noted)[NOTE] = { callId, note };
}

/** The note a module's result carries for that call, if any. */
export function attemptsNote(result: unknown, callId: string): AttemptsNote | null {
  const noted = result && typeof result === "object" ? (result as Noted)[NOTE] : undefined;
  return noted && noted.callId === callId ? noted.note : null;
}
