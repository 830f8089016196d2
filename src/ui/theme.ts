// Light/dark: follows the system until the user picks one; the pick is remembered.
import { setTheme, theme, type Theme } from "./prefs";

const NEXT: Record<Theme, Theme> = { system: "dark", dark: "light", light: "system" };
const LABEL: Record<Theme, string> = { system: "◐ Auto", dark: "● Dark", light: "○ Light" };

function applyTheme(t: Theme = theme()): void {
  const dark = t === "dark" || (t === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

export function themeButton(button: HTMLButtonElement): void {
  const render = () => {
    const t = theme();
    button.textContent = LABEL[t];
    button.title = `Theme: ${t} (click to change)`;
  };
  button.addEventListener("click", () => {
    setTheme(NEXT[theme()]);
    applyTheme();
    render();
  });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => applyTheme());
  applyTheme();
  render();
}
