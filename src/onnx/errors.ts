// Every loadOnnx/toOnnx error starts with the function's name, like the rest of simdnet's messages.
export class OnnxError extends Error {}

export function fail(fn: string, message: string): never {
  throw new OnnxError(`${fn}: ${message}`);
}
