// The host's WebAssembly object, typed just enough for v86's wasm_fn and for compiling v86.wasm
// once in Node (src/linux-guest compiles without the DOM / wasm lib types, for Node and workers).

/** A compiled WebAssembly.Module, kept opaque. */
export type CompiledWasm = object & { readonly __wasmModule?: never };

export interface WasmInstance {
  exports: object;
}

interface WasmApi {
  instantiate(source: ArrayBuffer | CompiledWasm, imports: object): Promise<unknown>;
  Module: new (bytes: ArrayBuffer | Uint8Array) => CompiledWasm;
}

/** The host's WebAssembly object (Node and browsers both have it). */
export function wasmApi(): WasmApi {
  return (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
}
