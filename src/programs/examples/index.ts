// The example programs, one per module kind.
import type { Program } from "../define";
import { agent } from "./agent";
import { best } from "./best";
import { classify } from "./classify";
import { compare } from "./compare";
import { math } from "./math";
import { optimized } from "./optimized";
import { qa } from "./qa";
import { reason } from "./reason";
import { research } from "./research";
import { stats } from "./stats";

export const examples: Program[] = [qa, reason, classify, agent, math, stats, best, compare, optimized, research];
