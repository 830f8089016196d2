// A small JavaScript highlighter for ProgramOfThought's code: comments, strings, numbers and
// keywords as spans (text nodes, never HTML strings, so code can't inject markup).
import { h } from "./dom";

const TOKEN =
  /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|\b(const|let|var|function|return|if|else|for|while|do|of|in|new|true|false|null|undefined|typeof|break|continue|switch|case|default|throw|try|catch|finally|class|this|Math|JSON|console)\b/g;
const CLASS = ["", "hl-com", "hl-str", "hl-num", "hl-kw"];

export function highlightJs(code: string): HTMLElement {
  const out = h("pre", { class: "d-code" });
  let last = 0;
  for (const m of code.matchAll(TOKEN)) {
    if (m.index > last) out.appendChild(document.createTextNode(code.slice(last, m.index)));
    const group = m.findIndex((g, i) => i > 0 && g !== undefined);
    out.appendChild(h("span", { class: CLASS[group] }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < code.length) out.appendChild(document.createTextNode(code.slice(last)));
  return out;
}
