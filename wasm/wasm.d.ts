/* Workers import a .wasm file as a compiled WebAssembly.Module (wrangler's
 * CompiledWasm module rule); instantiating it is the importer's job. */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
