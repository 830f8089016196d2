// Unit conversion over a fixed table: each unit is a factor to its dimension's
// base unit (temperatures are affine and handled apart).
import { z } from "zod";
import { Tool } from "../../dspy/tool";
import { tidy } from "./arithmetic";

const FACTORS: Record<string, { dim: string; factor: number; names: string[] }> = {
  m: { dim: "length", factor: 1, names: ["m", "meter", "meters", "metre", "metres"] },
  km: { dim: "length", factor: 1000, names: ["km", "kilometer", "kilometers", "kilometre", "kilometres"] },
  cm: { dim: "length", factor: 0.01, names: ["cm", "centimeter", "centimeters"] },
  mm: { dim: "length", factor: 0.001, names: ["mm", "millimeter", "millimeters"] },
  mi: { dim: "length", factor: 1609.344, names: ["mi", "mile", "miles"] },
  yd: { dim: "length", factor: 0.9144, names: ["yd", "yard", "yards"] },
  ft: { dim: "length", factor: 0.3048, names: ["ft", "foot", "feet"] },
  in: { dim: "length", factor: 0.0254, names: ["in", "inch", "inches"] },
  kg: { dim: "mass", factor: 1, names: ["kg", "kilogram", "kilograms", "kilo", "kilos"] },
  g: { dim: "mass", factor: 0.001, names: ["g", "gram", "grams"] },
  lb: { dim: "mass", factor: 0.45359237, names: ["lb", "lbs", "pound", "pounds"] },
  oz: { dim: "mass", factor: 0.028349523125, names: ["oz", "ounce", "ounces"] },
  l: { dim: "volume", factor: 1, names: ["l", "liter", "liters", "litre", "litres"] },
  ml: { dim: "volume", factor: 0.001, names: ["ml", "milliliter", "milliliters"] },
  gal: { dim: "volume", factor: 3.785411784, names: ["gal", "gallon", "gallons"] },
  s: { dim: "time", factor: 1, names: ["s", "sec", "second", "seconds"] },
  min: { dim: "time", factor: 60, names: ["min", "minute", "minutes"] },
  h: { dim: "time", factor: 3600, names: ["h", "hr", "hour", "hours"] },
  day: { dim: "time", factor: 86400, names: ["day", "days"] },
  "km/h": { dim: "speed", factor: 1 / 3.6, names: ["km/h", "kph", "kmh"] },
  mph: { dim: "speed", factor: 0.44704, names: ["mph"] },
  "m/s": { dim: "speed", factor: 1, names: ["m/s"] },
};
const TEMPERATURES: Record<string, string[]> = {
  C: ["c", "°c", "celsius", "centigrade"],
  F: ["f", "°f", "fahrenheit"],
  K: ["k", "kelvin"],
};

/** Every unit spelling we accept, lowercase. */
export const UNIT_NAMES: string[] = [
  ...Object.values(FACTORS).flatMap((u) => u.names),
  ...Object.values(TEMPERATURES).flat(),
];

function unitKey(name: string): { kind: "linear"; key: string } | { kind: "temp"; key: string } | null {
  const n = name.trim().toLowerCase();
  for (const [key, u] of Object.entries(FACTORS)) if (u.names.includes(n)) return { kind: "linear", key };
  for (const [key, names] of Object.entries(TEMPERATURES)) if (names.includes(n)) return { kind: "temp", key };
  return null;
}

const toKelvin: Record<string, (v: number) => number> = { C: (v) => v + 273.15, F: (v) => ((v - 32) * 5) / 9 + 273.15, K: (v) => v };
const fromKelvin: Record<string, (v: number) => number> = { C: (v) => v - 273.15, F: (v) => ((v - 273.15) * 9) / 5 + 32, K: (v) => v };

export function convert(value: number, from: string, to: string): number {
  const a = unitKey(from);
  const b = unitKey(to);
  if (!a) throw new Error(`Unknown unit "${from}". Known: ${Object.keys(FACTORS).join(", ")}, C, F, K.`);
  if (!b) throw new Error(`Unknown unit "${to}". Known: ${Object.keys(FACTORS).join(", ")}, C, F, K.`);
  if (a.kind === "temp" && b.kind === "temp") return tidy(fromKelvin[b.key](toKelvin[a.key](value)));
  if (a.kind === "linear" && b.kind === "linear" && FACTORS[a.key].dim === FACTORS[b.key].dim) {
    return tidy((value * FACTORS[a.key].factor) / FACTORS[b.key].factor);
  }
  throw new Error(`Cannot convert ${from} to ${to}: different kinds of quantity.`);
}

export const unitConverter = new Tool(
  ({ value, from_unit, to_unit }) => `${value} ${from_unit} = ${convert(value, from_unit, to_unit)} ${to_unit}`,
  {
    name: "convert_units",
    desc: "Convert a quantity between units of length, mass, volume, time, speed or temperature (e.g. km to miles, F to C).",
    args: z.object({
      value: z.number().describe("the quantity to convert"),
      from_unit: z.string().describe("unit of the value, e.g. km, lb, F"),
      to_unit: z.string().describe("unit to convert to, e.g. mi, kg, C"),
    }),
  },
);
