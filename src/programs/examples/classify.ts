import { Predict } from "../../dspy/predict";
import { Signature } from "../../dspy/signature";
import { defineProgram } from "../define";

const signature = new Signature(
  "text: str -> sentiment: Literal['positive', 'negative', 'neutral'], confidence: float",
  "Classify the sentiment of the text and say how confident you are (0 to 1).",
);

export const classify = defineProgram({
  name: "classify",
  description: "Classify the sentiment of a text (Predict with a Literal output).",
  examples: [{ text: "I love this phone, the battery is great." }, { text: "The parcel arrived broken and I want a refund." }],
  module: () => new Predict(signature),
});
