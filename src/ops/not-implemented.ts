// Placeholder used while an op is being written on another branch; it disappears once every op is in.
export function notImplemented(name: string): never {
  throw new Error(`${name}: not implemented yet`);
}
