// StreamRedactor: however a text with secrets is cut into deltas, what it lets
// out never holds a secret, and all of it together is the text redacted.
import { describe, expect, it } from "vitest";
import { StreamRedactor, activeSecrets, pendingSecretPrefix, redactText } from "../../src/server/redact";

/** A small deterministic PRNG, so a failure can be replayed. */
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe("StreamRedactor", () => {
  const secrets = activeSecrets(["sk-proj-AAAA1111BBBB2222", "tok-sss-sss", "short"]);

  it("holds back only a tail that could still become a secret", () => {
    expect(pendingSecretPrefix("hello sk-pr", secrets)).toBe(5);
    expect(pendingSecretPrefix("hello t", secrets)).toBe(1);
    expect(pendingSecretPrefix("hello world", secrets)).toBe(0);
    expect(pendingSecretPrefix("tok-sss-ss", secrets)).toBe(10);
    expect(activeSecrets(["abc", "abcdef"])).toEqual(["abcdef"]);
  });

  it("2,000 random splittings: no secret ever shown, nothing lost", () => {
    const next = rng(42);
    for (let trial = 0; trial < 2000; trial++) {
      const parts = ["a", " ", "sk-proj-AAAA1111BBBB2222", "tok-sss-sss", "sk-proj-", "tok-", "shorts", "s", "\n", "x"];
      let text = "";
      for (let i = 0; i < 12; i++) text += parts[Math.floor(next() * parts.length)];
      const redactor = new StreamRedactor(secrets);
      const shown: string[] = [];
      let at = 0;
      while (at < text.length) {
        const size = 1 + Math.floor(next() * 6);
        shown.push(redactor.push("c", text.slice(at, at + size)));
        at += size;
      }
      shown.push(redactor.flush("c"));
      const all = shown.join("");
      expect(all).toBe(redactText(text, secrets));
      // What a client saw at any moment is a prefix of that: check every prefix for a whole secret.
      let prefix = "";
      for (const piece of shown) {
        prefix += piece;
        for (const s of secrets) expect(prefix.includes(s)).toBe(false);
      }
    }
  });
});
