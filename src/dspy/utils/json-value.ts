// Event payloads must be plain JSON: inputs and outputs can hold Predictions,
// class instances, Maps, bigints or cycles. Objects with toJSON (Prediction)
// serialize through it; what JSON cannot hold becomes a readable string.

export function toJsonValue(value: unknown): unknown {
  const seen = new WeakSet<object>();
  const text = JSON.stringify(value, function (_key, v: unknown) {
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "function") return `[function ${v.name || "anonymous"}]`;
    if (typeof v === "symbol") return v.toString();
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Set) return [...v];
    if (v instanceof Error) return { type: v.name, message: v.message };
    if (v !== null && typeof v === "object") {
      if (seen.has(v)) return "[circular]";
      seen.add(v);
    }
    return v;
  });
  return text === undefined ? null : JSON.parse(text);
}

/** A JSON object for a `Record_` event field; non-objects are wrapped as `{ value }`. */
export function toJsonRecord(value: unknown): Record<string, unknown> {
  const json = toJsonValue(value);
  if (json !== null && typeof json === "object" && !Array.isArray(json)) return json as Record<string, unknown>;
  return { value: json };
}
