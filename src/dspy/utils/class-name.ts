// Class names for events, from an explicit `static className` so minified
// builds keep them; a subclass without its own falls back to its JS name.

export function classNameOf(instance: unknown): string {
  if (instance === null || typeof instance !== "object") return typeof instance;
  const ctor = (instance as { constructor?: { name?: string; className?: unknown } }).constructor;
  if (ctor && Object.hasOwn(ctor, "className") && typeof ctor.className === "string") return ctor.className;
  return ctor?.name || "Object";
}
