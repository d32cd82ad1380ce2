// Screening's inner loop (search.ts screenGrid) as WebAssembly: for one start, the prediction
// column from its cached sub-formula columns (one operation at the root) and the objective over
// the rows, abandoned once the running sum passes the limit. The same operations per row, in the
// same order, as newton.ts objectiveUpTo over columnOp: the same values to the last bit. The
// columns it reads live in the kernel's memory (column() hands them out).
import type { ObjectiveKind } from './newtonWasm';
import { EXP, IMPORTS, instantiate, LOG, MAX_KERNEL_BYTES, objectiveRow, PAGE, POW, rowLoop } from './newtonWasm';
import { Body, encodeModule, F64, I32, Op } from './wasmModule';

/** The root operation over one or two columns ('none': the column is the prediction). */
export type ScreenOp = 'none' | 'neg' | 'exp' | 'log' | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'min' | 'max';

export interface ScreenKernel {
  /** A fresh n-row column in the kernel's memory; undefined once the memory is used up. */
  column(): Float64Array | undefined;
  /**
   * objectiveUpTo(a op b, limit) when a (and b) are this kernel's columns; undefined otherwise
   * (the caller computes it in JavaScript).
   */
  objective(op: ScreenOp, a: Float64Array, b: Float64Array | undefined, limit: number): number | undefined;
}

const UNARY: ScreenOp[] = ['none', 'neg', 'exp', 'log'];

/** Pushes op(a, b) at row `off` (a and b are i32 byte addresses of the columns). */
function rootValue(body: Body, op: ScreenOp, a: number, b: number, off: number): void {
  const load = (col: number) => body.get(col).get(off).emit(Op.i32Add, Op.f64Load, 3, 0);
  load(a);
  if (UNARY.includes(op)) {
    if (op === 'neg') body.emit(Op.f64Neg);
    else if (op === 'exp') body.call(EXP);
    else if (op === 'log') body.call(LOG);
    return;
  }
  load(b);
  if (op === 'pow') body.call(POW);
  else if (op === 'min' || op === 'max') {
    // a <= b ? a : b (min), a >= b ? a : b (max): NaN picks b, as columnOp does.
    load(a);
    load(b);
    body.emit(op === 'min' ? Op.f64Le : Op.f64Ge, Op.select);
  } else body.emit({ add: Op.f64Add, sub: Op.f64Sub, mul: Op.f64Mul, div: Op.f64Div }[op as 'add']);
}

/**
 * A screening kernel for `n` rows with room for `columns` columns, computing the objective of the
 * given root operations; undefined where WebAssembly is unavailable or the memory too large.
 */
export function compileScreen(
  o: ObjectiveKind,
  yT: Float64Array,
  weights: Float64Array | undefined,
  columns: number,
  ops: ScreenOp[],
): ScreenKernel | undefined {
  const n = yT.length;
  const colBytes = n * 8;
  // Memory: y, w, then the columns handed out.
  const bytesNeeded = (2 + columns) * colBytes;
  if (bytesNeeded > MAX_KERNEL_BYTES || n === 0) return undefined;
  const pages = Math.max(1, Math.ceil(bytesNeeded / PAGE));
  const type = { params: [I32, I32, F64], results: [F64] };
  const exported = [...new Set(ops)].map((op) => {
    const body = new Body([I32, I32, F64]);
    const [a, b, limit] = [0, 1, 2];
    const off = body.local(I32);
    const total = body.local();
    const comp = body.local();
    const f = body.local();
    body.f64(0).set(total).f64(0).set(comp);
    rowLoop(body, off, n, () => {
      rootValue(body, op, a, b, off);
      body.set(f);
      const inputs = {
        f: () => body.get(f),
        y: () => body.load(off, 0),
        w: () => body.load(off, colBytes),
      };
      objectiveRow(body, o, inputs, total, comp);
      // Past the limit: the partial sum, a lower bound (every term is non-negative).
      body.get(total).get(limit).emit(Op.f64Gt, Op.if, 0x40).get(total).emit(Op.ret, Op.end);
    });
    body.get(total).get(comp).emit(Op.f64Add);
    return { name: op, type, body };
  });
  const made = instantiate(encodeModule(IMPORTS, exported, pages), pages);
  if (!made) return undefined;
  const { buffer, exports } = made;
  new Float64Array(buffer, 0, n).set(yT);
  // Unweighted is weight 1 on every row: the same numbers.
  const w = new Float64Array(buffer, colBytes, n);
  if (weights) w.set(weights);
  else w.fill(1);
  let next = 2;
  const capacity = 2 + columns;
  const own = (c: Float64Array | undefined) => c !== undefined && c.buffer === buffer && c.length === n;
  return {
    column: () => (next < capacity ? new Float64Array(buffer, colBytes * next++, n) : undefined),
    objective: (op, a, b, limit) => {
      const fn = exports[op] as ((a: number, b: number, limit: number) => number) | undefined;
      if (!fn || !own(a) || (!UNARY.includes(op) && !own(b))) return undefined;
      const total = fn(a.byteOffset, b?.byteOffset ?? 0, limit);
      return total > limit || Number.isFinite(total) ? total : NaN;
    },
  };
}
