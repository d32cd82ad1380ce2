// Screening's inner loop (search.ts screenGrid) as WebAssembly: for one start, the prediction
// column from its cached sub-formula columns (one operation at the root) and the objective over
// the rows, abandoned once the running sum passes the limit. The same operations per row, in the
// same order, as newton.ts objectiveUpTo over columnOp: the same values to the last bit. The
// columns it reads live in the kernel's memory (column() hands them out).
import type { ObjectiveKind } from './newtonWasm';
import { EXP, IMPORTS, instantiate, LOG, MAX_KERNEL_BYTES, objectiveRow, PAGE, POW, rowLoop } from './newtonWasm';
import { Body, encodeModule, F64, I32, Op, uleb } from './wasmModule';

/** The root operation over one or two columns ('none': the column is the prediction). */
export type ScreenOp = 'none' | 'neg' | 'exp' | 'log' | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'min' | 'max';

/**
 * Everything about a Cartesian grid screening needs to run it whole in the kernel: the lists'
 * sizes (last parameter fastest), how many best values to keep exactly (Infinity: all), and for
 * each operand of the root its columns: one fixed column, or one column per combination of the
 * grid values of the parameters it depends on (key = sum of index times stride).
 */
export interface GridPlan {
  sizes: number[];
  keep: number;
  kids: ({ fixed: true } | { fixed: false; deps: number[]; strides: number[]; combos: number })[];
}

export interface ScreenKernel {
  /** A fresh n-row column in the kernel's memory; undefined once the memory is used up. */
  column(): Float64Array | undefined;
  /** With a grid plan: each root operand's columns (one fixed, or one per key) to fill before all(). */
  readonly kidColumns: Float64Array[][];
  /**
   * With a grid plan: every start's objective, abandoned past the keep-th best full value so far
   * (screenGrid's loop, run here), and which were abandoned.
   */
  readonly all: (() => { values: Float64Array; partial: Uint8Array | undefined }) | undefined;
  /**
   * objectiveUpTo(a op b, limit), op the kernel's root operation, when a (and b) are this kernel's
   * columns; undefined otherwise (the caller computes it in JavaScript).
   */
  objective(a: Float64Array, b: Float64Array | undefined, limit: number): number | undefined;
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
 * root operation `op`; undefined where WebAssembly is unavailable or the memory too large.
 */
export function compileScreen(
  o: ObjectiveKind,
  yT: Float64Array,
  weights: Float64Array | undefined,
  columns: number,
  op: ScreenOp,
  plan?: GridPlan,
): ScreenKernel | undefined {
  const n = yT.length;
  const colBytes = n * 8;
  const total = plan ? plan.sizes.reduce((a, k) => a * k, 1) : 0;
  const keep = plan && Number.isFinite(plan.keep) && plan.keep > 0 ? plan.keep : 0;
  // Memory: y, w, then (with a plan) each start's value, its abandoned flag and the keep best
  // values so far, then the columns handed out (the plan's operands first).
  const valuesAt = 2 * colBytes;
  const partialAt = valuesAt + total * 8;
  const keptAt = Math.ceil((partialAt + total) / 8) * 8;
  const columnsAt = keptAt + keep * 8;
  const bytesNeeded = columnsAt + columns * colBytes;
  if (bytesNeeded > MAX_KERNEL_BYTES || n === 0) return undefined;
  const pages = Math.max(1, Math.ceil(bytesNeeded / PAGE));
  const type = { params: [I32, I32, F64], results: [F64] };
  // The start's objective: the root operation and the objective over the rows, up to the limit.
  const body = new Body([I32, I32, F64]);
  const [a, b, limit] = [0, 1, 2];
  const off = body.local(I32);
  const sum = body.local();
  const comp = body.local();
  const f = body.local();
  body.f64(0).set(sum).f64(0).set(comp);
  rowLoop(body, off, n, () => {
    rootValue(body, op, a, b, off);
    body.set(f);
    const inputs = {
      f: () => body.get(f),
      y: () => body.load(off, 0),
      w: () => body.load(off, colBytes),
    };
    objectiveRow(body, o, inputs, sum, comp);
    // Past the limit: the partial sum, a lower bound (every term is non-negative).
    body.get(sum).get(limit).emit(Op.f64Gt, Op.if, 0x40).get(sum).emit(Op.ret, Op.end);
  });
  body.get(sum).get(comp).emit(Op.f64Add);
  const exported = [{ name: 'objective', type, body }];
  // The plan's operand columns come first in the column area: their addresses are fixed now.
  const kidAt: number[] = [];
  let reserved = 0;
  for (const kid of plan?.kids ?? []) {
    kidAt.push(columnsAt + reserved * colBytes);
    reserved += kid.fixed ? 1 : kid.combos;
  }
  if (plan && reserved <= columns) {
    const objective = IMPORTS.length; // the objective's function: the first after the imports
    exported.push({
      name: 'all',
      type: { params: [], results: [] },
      body: allBody(plan, kidAt, colBytes, objective, total, keep, valuesAt, partialAt, keptAt),
    });
  } else reserved = 0;
  const made = instantiate(encodeModule(IMPORTS, exported, pages), pages);
  if (!made) return undefined;
  const { buffer, exports } = made;
  new Float64Array(buffer, 0, n).set(yT);
  // Unweighted is weight 1 on every row: the same numbers.
  const w = new Float64Array(buffer, colBytes, n);
  if (weights) w.set(weights);
  else w.fill(1);
  let next = reserved;
  const binary = !UNARY.includes(op);
  const own = (c: Float64Array | undefined) => c !== undefined && c.buffer === buffer && c.length === n;
  const at = (k: number) => new Float64Array(buffer, columnsAt + k * colBytes, n);
  const runAll = exports.all as (() => void) | undefined;
  const all = () => {
    runAll!();
    return {
      values: new Float64Array(buffer, valuesAt, total).slice(),
      partial: keep ? new Uint8Array(buffer, partialAt, total).slice() : undefined,
    };
  };
  return {
    column: () => (next < columns ? at(next++) : undefined),
    kidColumns: reserved
      ? (plan?.kids ?? []).map((kid, c) => {
          const first = (kidAt[c] - columnsAt) / colBytes;
          return Array.from({ length: kid.fixed ? 1 : kid.combos }, (_, k) => at(first + k));
        })
      : [],
    all: runAll ? all : undefined,
    objective: (a, b, limit) => {
      const fn = exports.objective as (a: number, b: number, limit: number) => number;
      if (!own(a) || (binary && !own(b))) return undefined;
      const total = fn(a.byteOffset, b?.byteOffset ?? 0, limit);
      return total > limit || Number.isFinite(total) ? total : NaN;
    },
  };
}

/**
 * screenGrid's loop over every start of the grid: the operands' addresses from the grid digits,
 * the start's objective with the limit (the keep-th best full value so far, or none), its value
 * (NaN when not finite and not abandoned, as objectiveUpTo), its abandoned flag, and the
 * keep best values so far as a sorted array (the same limit as KeepBest's heap: the keep-th
 * smallest of the same values).
 */
function allBody(
  plan: GridPlan,
  kidAt: number[],
  colBytes: number,
  objective: number,
  total: number,
  keep: number,
  valuesAt: number,
  partialAt: number,
  keptAt: number,
): Body {
  const b = new Body([]);
  const p = plan.sizes.length;
  const digits = plan.sizes.map(() => b.local(I32));
  const t = b.local(I32);
  const size = b.local(I32);
  const i8 = b.local(I32);
  const limit = b.local();
  const v = b.local();
  const enter = b.local(I32);
  const address = (c: number) => {
    const kid = plan.kids[c];
    b.i32(kidAt[c]);
    if (kid.fixed) return;
    kid.deps.forEach((k, d) =>
      b
        .get(digits[k])
        .i32(kid.strides[d] * colBytes)
        .emit(Op.i32Mul, Op.i32Add),
    );
  };
  const kept = (slot: () => void) => {
    slot();
    b.emit(Op.f64Load, 3, ...uleb(keptAt));
  };
  b.emit(Op.block, 0x40, Op.loop, 0x40);
  b.get(t).i32(total).emit(Op.i32LtU, Op.i32Eqz, Op.brIf, 1);
  // limit = size === keep ? kept[keep - 1] : Infinity
  if (keep) {
    kept(() => b.i32((keep - 1) * 8));
    b.f64(Infinity);
    b.get(size).i32(keep).emit(Op.i32Eq, Op.select).set(limit);
  } else b.f64(Infinity).set(limit);
  address(0);
  if (plan.kids.length > 1) address(1);
  else b.i32(0);
  b.get(limit).call(objective).set(v);
  // Not abandoned and not finite: NaN (objectiveUpTo's last line).
  b.get(v).f64(NaN);
  b.get(v).get(limit).emit(Op.f64Gt);
  b.get(v).get(v).emit(Op.f64Sub).f64(0).emit(Op.f64Eq, Op.i32Or, Op.select).set(v);
  b.get(t)
    .i32(8)
    .emit(Op.i32Mul)
    .get(v)
    .emit(Op.f64Store, 3, ...uleb(valuesAt));
  if (keep) {
    b.get(v).get(limit).emit(Op.f64Gt, Op.if, 0x40);
    b.get(t)
      .i32(1)
      .emit(Op.i32Store8, 0, ...uleb(partialAt));
    b.emit(Op.else);
    // Offer v when finite: insert into the sorted kept values (growing to keep, then replacing the largest).
    b.get(v).get(v).emit(Op.f64Sub).f64(0).emit(Op.f64Eq, Op.if, 0x40);
    // Room left: it enters at the end; full: it enters only below the largest, which it replaces.
    b.get(size).i32(keep).emit(Op.i32LtU, Op.if, 0x40);
    b.get(size).i32(8).emit(Op.i32Mul).set(i8);
    b.get(size).i32(1).emit(Op.i32Add).set(size);
    b.i32(1).set(enter);
    b.emit(Op.else);
    b.i32((keep - 1) * 8).set(i8);
    kept(() => b.i32((keep - 1) * 8));
    b.get(v).emit(Op.f64Gt).set(enter);
    b.emit(Op.end);
    b.get(enter).emit(Op.if, 0x40);
    b.emit(Op.block, 0x40, Op.loop, 0x40);
    b.get(i8).emit(Op.i32Eqz, Op.brIf, 1);
    kept(() => b.get(i8).i32(8).emit(Op.i32Sub));
    b.get(v).emit(Op.f64Gt, Op.i32Eqz, Op.brIf, 1);
    b.get(i8);
    kept(() => b.get(i8).i32(8).emit(Op.i32Sub));
    b.emit(Op.f64Store, 3, ...uleb(keptAt));
    b.get(i8).i32(8).emit(Op.i32Sub).set(i8);
    b.emit(Op.br, 0, Op.end, Op.end);
    b.get(i8)
      .get(v)
      .emit(Op.f64Store, 3, ...uleb(keptAt));
    b.emit(Op.end, Op.end, Op.end);
  }
  // The odometer: last parameter fastest.
  b.emit(Op.block, 0x40);
  for (let k = p - 1; k >= 0; k--) {
    b.get(digits[k]).i32(1).emit(Op.i32Add).tee(digits[k]).i32(plan.sizes[k]).emit(Op.i32LtU, Op.brIf, 0);
    b.i32(0).set(digits[k]);
  }
  b.emit(Op.end);
  b.get(t).i32(1).emit(Op.i32Add).set(t);
  b.emit(Op.br, 0, Op.end, Op.end);
  return b;
}
