// Worker entry: the HTTP app and the Durable Object classes bound in wrangler.toml.
import { createApp } from "./server/app";

export { RunObject } from "./server/run-object";
export { ProgramIndex } from "./server/program-index";

export default createApp();
