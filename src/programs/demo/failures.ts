// Demo only: failures on request, so that a failed run and an LM retry can be seen (and tested)
// without a real outage. A prompt containing `demo:fail` gets HTTP 503 on every attempt; one
// containing `demo:flaky` gets 503 on its first two attempts, then the usual answer.
import type { FakeResponder } from "../../dspy/utils/fake-openai";

export function withDemoFailures(responder: FakeResponder): FakeResponder {
  return (request, attempt) => {
    const prompt = request.body.messages.map((m) => m.content).join("\n");
    if (prompt.includes("demo:fail")) return { status: 503, message: `demo:fail asked the demo LM to refuse (attempt ${attempt})` };
    if (prompt.includes("demo:flaky") && attempt <= 2) return { status: 503, message: `demo:flaky: the demo LM refuses attempt ${attempt} of 3` };
    return responder(request, attempt);
  };
}
