// The programs the server offers, each with its module kind, model and signature.
import { h } from "./dom";
import type { ProgramInfo } from "./types";

/** `question -> answer: float`: names, with the type wherever it is not plain `str`. */
export function signatureText(p: ProgramInfo): string {
  const sig = p.signature;
  const side = (fs: typeof sig.inputs) => fs.map((f) => (f.type === "str" ? f.name : `${f.name}: ${f.type}`)).join(", ");
  return sig.inputs.length || sig.outputs.length ? `${side(sig.inputs)} -> ${side(sig.outputs)}` : (sig.text ?? "");
}

export class ProgramList {
  readonly el: HTMLElement;
  private readonly items = new Map<string, HTMLElement>();
  private readonly list: HTMLElement;

  constructor(programs: ProgramInfo[], onPick: (name: string) => void) {
    const list = (this.list = h("ul", { class: "program-list" }));
    for (const p of programs) {
      const item = h(
        "a",
        {
          href: `/?program=${encodeURIComponent(p.name)}`,
          class: "program",
          "data-program": p.name,
          onclick: (e: Event) => {
            e.preventDefault();
            onPick(p.name);
          },
        },
        h("div", { class: "p-head" }, h("span", { class: "p-name" }, p.name), h("span", { class: `badge m-${p.module}` }, p.module)),
        h("div", { class: "p-sig mono" }, signatureText(p)),
        p.description ? h("div", { class: "p-desc" }, p.description) : null,
        h("div", { class: "p-model" }, p.model, p.demo ? h("span", { class: "badge demo", title: "offline demo LM: no API key configured" }, "demo") : null),
      );
      this.items.set(p.name, item);
      list.appendChild(h("li", {}, item));
    }
    this.el = h("nav", { class: "programs", "aria-label": "Programs" }, h("h2", {}, "Programs"), list);
  }

  select(name: string): void {
    for (const [n, el] of this.items) {
      if (n === name) el.setAttribute("aria-current", "page");
      else el.removeAttribute("aria-current");
    }
    // On a phone the list is a horizontal strip: bring the selected card into it
    // (scrollLeft, not scrollIntoView, which would also scroll the page).
    const item = this.items.get(name)?.parentElement;
    const strip = this.list;
    if (item && strip.scrollWidth > strip.clientWidth) {
      const left = item.offsetLeft - strip.offsetLeft;
      if (left < strip.scrollLeft || left + item.offsetWidth > strip.scrollLeft + strip.clientWidth) strip.scrollLeft = left;
    }
  }
}
