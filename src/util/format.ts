// Formatting shared by the tensor core and the checks. A leaf module: the tensor class imports it, and
// so does the validation module, which itself imports the tensor class (no cycle).

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
