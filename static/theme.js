// Sets the theme before first paint, so a dark page never flashes white. A file,
// not an inline script: the page's CSP allows scripts from this origin only.
try {
  var t = localStorage.getItem("dspy-edge:theme");
  var dark = t === "dark" || (t !== "light" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
} catch (e) {}
