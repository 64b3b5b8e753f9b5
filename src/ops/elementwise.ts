// add, sub, mul: same shapes, or b a vector along a's last axis (or a size-1 tensor). Kernels:
// assembly/elementwise.ts.
//
// Broadcasting is deliberately narrow: b either has a's shape, or has size 1 (a scalar), or holds one
// value per element of a's last axis (shape [c], or [1, ..., 1, c] of rank <= a's), which is what adding
// a bias to [n, h, w, c] or [n, units] needs. The output always has a's shape. In the broadcast cases the
// gradient of b sums dy over the rows it was repeated along.
//
// Threads: array ops split over 16-float blocks, broadcast ops over ranges of rows (every row starts the
// repeated pattern afresh; cuts on multiples of 4 rows keep the data 16-byte aligned), each range with its
// own scratch for the pattern. The
// gradient sums over rows are float32 partial sums of 64-row blocks added into float64 totals in block
// order: threads compute ranges of blocks' partials, and one call adds them in that order.
import { Tensor, copyOf, empty } from '../core/tensor.js';
import { isRecording, record } from '../core/engine.js';
import { kernels } from '../backend/wasm.js';
import { scratch } from '../backend/scratch.js';
import { within } from '../util/errors.js';
import { checkFloat, checkTensor, fmtShape } from '../util/validate.js';
import { forElements, splitRange, threadsForElements, tasksOf } from '../backend/threads/split.js';
import { runParallel } from '../backend/threads/pool.js';

type Op = 'add' | 'sub' | 'mul';

/** How b lines up with a: element by element, or as `cols` values repeated over `rows` rows. */
type Layout = { kind: 'same' } | { kind: 'broadcast'; rows: number; cols: number };

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function layoutOf(a: Tensor, b: Tensor, fn: Op): Layout {
  if (sameShape(a.shape, b.shape)) return { kind: 'same' };
  if (b.size === 1) return { kind: 'broadcast', rows: a.size, cols: 1 };
  const last = a.rank > 0 ? a.shape[a.rank - 1] : -1;
  const leadingOnes = b.shape.slice(0, -1).every((d) => d === 1);
  if (b.rank >= 1 && b.rank <= a.rank && leadingOnes && b.shape[b.rank - 1] === last) {
    return { kind: 'broadcast', rows: last === 0 ? 0 : a.size / last, cols: last };
  }
  throw new Error(
    `${fn}: arguments 'a' and 'b' have incompatible shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}; ` +
      `'b' must have the shape of 'a', size 1, or be a vector of length ${last < 0 ? "a's last axis" : last} (a's last axis)`,
  );
}

function checkOperands(a: unknown, b: unknown, fn: Op): Layout {
  const ta = checkTensor(a, 'a', fn);
  const tb = checkTensor(b, 'b', fn);
  checkFloat(ta, 'a', fn);
  checkFloat(tb, 'b', fn);
  return layoutOf(ta, tb, fn);
}

const ARRAY_KERNEL = { add: 'addArrays', sub: 'subArrays', mul: 'mulArrays' } as const;
const BROADCAST_KERNEL = { add: 'addBroadcast', sub: 'subBroadcast', mul: 'mulBroadcast' } as const;

function broadcastScratch(cols: number, slot = 'elementwise.broadcast', copies = 1): number {
  return scratch(slot, copies * scratchStride(cols));
}

/** Bytes between the scratch blocks of different tasks (whole cache lines, so tasks never share one). */
function scratchStride(cols: number): number {
  return Math.ceil(kernels().broadcastScratchBytes(cols) / 64) * 64;
}

/** out = a ∘ b for the given layout (no validation, no recording). */
function apply(op: Op, a: Tensor, b: Tensor, layout: Layout): Tensor {
  const out = empty(a.shape);
  if (layout.kind === 'same') {
    forElements(a.size, (i, n) => [ARRAY_KERNEL[op], a.offset + i * 4, b.offset + i * 4, out.offset + i * 4, n]);
  } else {
    const { rows, cols } = layout;
    const shares = splitRange(rows, tasksOf({ elements: a.size }, Math.ceil(rows / 4)), 4);
    let work: number;
    try {
      work = broadcastScratch(cols, 'elementwise.broadcast', Math.max(1, shares.length));
    } catch (e) {
      out.dispose(); // out of memory for the scratch: the output must not be left behind
      throw e;
    }
    const stride = scratchStride(cols);
    runParallel(
      shares.map(([r0, r1], t) => {
        const at = r0 * cols * 4;
        return [[BROADCAST_KERNEL[op], a.offset + at, b.offset, out.offset + at, r1 - r0, cols, work + t * stride]];
      }),
    );
  }
  return out;
}

/**
 * db[j] = scale · Σ_r dy[r, j] (·a[r, j] when `a` is given): the gradient of a broadcast b. One call on
 * one thread; with threads, blocks' partial sums in parallel, then one call adds them in block order.
 */
function sumOverRows(dy: Tensor, a: Tensor | null, b: Tensor, rows: number, cols: number, scale: number): Tensor {
  const db = empty(b.shape);
  const k = kernels();
  const blocks = k.broadcastGradBlocks(rows);
  const elements = rows * cols * (a ? 2 : 1);
  const work = broadcastScratch(cols);
  if (threadsForElements(elements, blocks) <= 1) {
    if (a) k.mulSumBroadcastGrad(dy.offset, a.offset, db.offset, rows, cols, work);
    else k.sumBroadcastGrad(dy.offset, db.offset, rows, cols, scale, work);
    return db;
  }
  const partials = scratch('elementwise.partials', blocks * k.broadcastPartialFloats(cols) * 4);
  runParallel(
    splitRange(blocks, tasksOf({ elements }, blocks)).map(([from, to]) => [
      ['broadcastGradPartials', dy.offset, a ? a.offset : 0, rows, cols, from, to, partials],
    ]),
  );
  k.foldBroadcastBlocks(partials, blocks, db.offset, cols, scale, work);
  return db;
}

function binary(op: Op, a: Tensor, b: Tensor): Tensor {
  const layout = checkOperands(a, b, op);
  let y: Tensor;
  try {
    y = apply(op, a, b, layout);
  } catch (e) {
    throw within(e, op);
  }
  if (isRecording()) {
    record({
      name: op,
      inputs: [a, b],
      outputs: [y],
      backward: ([dy]: Tensor[]) => {
        if (op === 'mul') {
          // d(a*b)/da = b (broadcast like the forward); d/db = a, summed over the broadcast rows.
          const da = apply('mul', dy, b, layout);
          let db: Tensor;
          if (layout.kind === 'same') {
            db = apply('mul', dy, a, layout);
          } else {
            db = sumOverRows(dy, a, b, layout.rows, layout.cols, 1);
          }
          return [da, db];
        }
        const sign = op === 'add' ? 1 : -1;
        const da = copyOf(dy);
        let db: Tensor;
        if (layout.kind === 'same') {
          if (sign === 1) db = copyOf(dy);
          else {
            const into = (db = empty(b.shape)).offset;
            forElements(dy.size, (i, n) => ['scaleArray', dy.offset + i * 4, into + i * 4, n, -1]);
          }
        } else {
          db = sumOverRows(dy, null, b, layout.rows, layout.cols, sign);
        }
        return [da, db];
      },
    });
  }
  return y;
}

/** a + b, with b of a's shape, of size 1, or a vector along a's last axis. */
export function add(a: Tensor, b: Tensor): Tensor {
  return binary('add', a, b);
}

/** a - b, with b of a's shape, of size 1, or a vector along a's last axis. */
export function sub(a: Tensor, b: Tensor): Tensor {
  return binary('sub', a, b);
}

/** a * b (elementwise), with b of a's shape, of size 1, or a vector along a's last axis. */
export function mul(a: Tensor, b: Tensor): Tensor {
  return binary('mul', a, b);
}
