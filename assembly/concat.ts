// Strided block copies: concat writes each input's blocks into its slot of the output's rows, and its
// gradient reads the same slots back out. A block is a contiguous run of bytes (the concatenated axis and
// everything after it), so memory.copy (bulk memory, vectorised by the engine) does the moving.

/** For b < blocks: copies blockBytes from src + b·srcStride to dst + b·dstStride. */
export function copyBlocks(dst: usize, src: usize, blocks: i32, blockBytes: i32, dstStride: i32, srcStride: i32): void {
  if (blockBytes == dstStride && blockBytes == srcStride) {
    memory.copy(dst, src, (<usize>blocks) * (<usize>blockBytes));
    return;
  }
  for (let b = 0; b < blocks; b++) {
    memory.copy(dst, src, <usize>blockBytes);
    dst += <usize>dstStride;
    src += <usize>srcStride;
  }
}
