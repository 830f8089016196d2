// Entry point of the browser bundle (scripts/build-ui.mjs → static/app.js).
import "./csp";
import { App } from "./app";
import { byId } from "./dom";
import { enableRunFileDrop } from "./import-drop";
import { themeButton } from "./theme";

themeButton(byId<HTMLButtonElement>("theme"));
void new App().start();
enableRunFileDrop();
