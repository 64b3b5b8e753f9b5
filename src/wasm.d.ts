// esbuild's binary loader turns an imported .wasm file into its bytes, inlined in the bundle.
declare module '*.wasm' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
