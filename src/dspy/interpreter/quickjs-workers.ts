// Loads QuickJS the way workerd requires: Workers cannot compile WASM from
// bytes at run time, so the module is imported as a precompiled
// WebAssembly.Module. wrangler (and the vitest workers pool) choose the WASM
// loader by the import's extension, hence a path ending in `.wasm` rather than
// the package's `./wasm` export. The import is dynamic so that a Node bundle
// of the runtime (esbuild with `*.wasm` external, as `npm run bench` builds)
// still loads: only a sandbox actually started in Workers evaluates it.
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import releaseSyncVariant from "@jitl/quickjs-wasmfile-release-sync";
import { boundedWasmMemory, QuickJSInterpreter, type QuickJSLimits } from "./quickjs";

let loading: Promise<QuickJSWASMModule> | null = null;

/** The QuickJS WASM module, instantiated once per isolate. */
export function loadQuickJS(): Promise<QuickJSWASMModule> {
  loading ??= import("../../../node_modules/@jitl/quickjs-wasmfile-release-sync/dist/emscripten-module.wasm")
    .then(({ default: wasmModule }) => newQuickJSWASMModuleFromVariant(newVariant(releaseSyncVariant, { wasmModule, wasmMemory: boundedWasmMemory() })))
    .catch((error) => {
      loading = null; // let a later call retry
      throw error;
    });
  return loading;
}

/** A fresh sandbox backed by the shared WASM module. */
export function quickJSInterpreter(limits?: QuickJSLimits): QuickJSInterpreter {
  return new QuickJSInterpreter(loadQuickJS, limits);
}
