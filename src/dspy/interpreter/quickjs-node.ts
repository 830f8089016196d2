// Loads QuickJS in plain Node (benchmarks, scripts), where the package reads
// and compiles its own .wasm file: not possible in Workers, which is why
// ProgramOfThought's default is quickjs-workers.ts. Pass this one explicitly:
// `new ProgramOfThought(sig, { interpreter: () => quickJSNodeInterpreter() })`.
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import releaseSyncVariant from "@jitl/quickjs-wasmfile-release-sync";
import { boundedWasmMemory, QuickJSInterpreter, type QuickJSLimits } from "./quickjs";

let loading: Promise<QuickJSWASMModule> | null = null;

export function loadQuickJSNode(): Promise<QuickJSWASMModule> {
  loading ??= newQuickJSWASMModuleFromVariant(newVariant(releaseSyncVariant, { wasmMemory: boundedWasmMemory() }));
  return loading;
}

export function quickJSNodeInterpreter(limits?: QuickJSLimits): QuickJSInterpreter {
  return new QuickJSInterpreter(loadQuickJSNode, limits);
}
