// The second-order kernel's tape (newton.ts) compiled to WebAssembly: one fused loop over the rows
// for the predictions and the objective, and one for the gradient and Hessian (exact or IRLS).
// Each row performs the same operations in the same order as the JavaScript loops, with the same
// Math.exp/log/pow (imported, which V8 calls directly), so the results are the same to the last
// bit; what changes is that the code runs compiled from its first call instead of after the JIT
// warms up (most of a cold CLI fit), and that the tape's intermediate columns (partials,
// gradients, Hessian terms) live in registers instead of being written and re-read row by row.
import type { Col, Instr, Part, Slot } from './newton';
import { Body, encodeModule, F64, I32, Op, uleb, wasmApi, type FunctionType } from './wasmModule';

/** What the kernel computes over: the tape and the objective. */
export interface Tape {
  n: number;
  instrs: readonly Instr[];
  /** The tape's leaf instructions (its free parameters), in tape order: Kernel.leaves follows it. */
  leaves: readonly Instr[];
  root: Slot;
  onLog: boolean;
  huber: boolean;
  delta: number;
  yT: Float64Array;
}

/** The compiled kernel over its own memory. */
export interface Kernel {
  /** One value per leaf instruction, in Tape.leaves order (set before value()). */
  readonly leaves: Float64Array;
  /** Per-row weights (all 1 for an unweighted fit), set before value(). */
  readonly weights: Float64Array;
  /** Residuals of the last value() call. */
  readonly res: Float64Array;
  /** The objective's sums from the last derivatives call, in the order of Tape (see derivatives in newton.ts). */
  readonly sums: Float64Array;
  /** Predictions and the (compensated) objective; leaves and weights must be set. */
  value(): number;
  /** Gradient and Hessian sums (exact, or the IRLS matrix) at the point of the last value(). */
  derivatives(exact: boolean): void;
}

/**
 * Above this the tape stays in JavaScript: a fit that large runs long enough for the JIT to warm
 * up anyway, and the kernel's memory would double the columns the tape already holds.
 */
export const MAX_KERNEL_BYTES = 64 << 20;
export const PAGE = 65536;
const modules = new Map<string, object>();

export const IMPORTS = [
  { name: 'exp', type: { params: [F64], results: [F64] }, fn: Math.exp },
  { name: 'log', type: { params: [F64], results: [F64] }, fn: Math.log },
  { name: 'pow', type: { params: [F64, F64], results: [F64] }, fn: Math.pow },
];
export const EXP = 0;
export const LOG = 1;
export const POW = 2;

/** Memory layout: the header (leaves, then sums) and one n-row column per array the kernel reads. */
class Layout {
  readonly columns = new Map<Col, number>();
  constructor(
    readonly n: number,
    readonly headerSlots: number,
  ) {}
  get columnBase(): number {
    return this.headerSlots * 8;
  }
  offsetOf(c: Col): number {
    let k = this.columns.get(c);
    if (k === undefined) this.columns.set(c, (k = this.columns.size));
    return this.columnBase + k * this.n * 8;
  }
  get bytes(): number {
    return this.columnBase + this.columns.size * this.n * 8;
  }
}

/** Straight-line code for one row: every column read once into a local, reused after. */
class RowCode {
  private readonly locals = new Map<Col, number>();
  constructor(
    readonly b: Body,
    readonly layout: Layout,
    readonly off: number,
  ) {}
  /** Pushes column c at this row (a local once computed or loaded). */
  col(c: Col): void {
    const k = this.locals.get(c);
    if (k !== undefined) {
      this.b.get(k);
      return;
    }
    const local = this.b.local();
    this.b.load(this.off, this.layout.offsetOf(c)).tee(local);
    this.locals.set(c, local);
  }
  /** Pushes a partial: a constant or a column. */
  part(x: Part): void {
    if (typeof x === 'number') this.b.f64(x);
    else this.col(x);
  }
  /** Computes c (its value pushed by `value`) into a local; with `store`, writes it to memory too. */
  define(c: Col, value: () => void, store = false): number {
    const local = this.locals.get(c) ?? this.b.local();
    value();
    this.b.set(local);
    if (store) this.b.store(this.off, this.layout.offsetOf(c), () => this.b.get(local));
    this.locals.set(c, local);
    return local;
  }
}

/** Wraps `body` in a loop over rows (the i32 local `off` steps by 8 bytes). */
export function rowLoop(b: Body, off: number, n: number, body: () => void): void {
  b.i32(0).set(off);
  b.emit(Op.block, 0x40, Op.loop, 0x40);
  b.get(off)
    .i32(n * 8)
    .emit(Op.i32LtU, Op.i32Eqz, Op.brIf, 1);
  body();
  b.get(off).i32(8).emit(Op.i32Add).set(off);
  b.emit(Op.br, 0, Op.end, Op.end);
}

/** The prediction of one instruction at this row, pushed (its operands' values are in `rc`). */
function forwardOp(rc: RowCode, ins: Instr, leafSlot: number): void {
  const { b } = rc;
  const a = () => rc.col(ins.a!.v);
  const bb = () => rc.col(ins.b!.v);
  switch (ins.op) {
    case 'leaf':
    case 'leaflog':
      b.i32(0).emit(Op.f64Load, 3, ...uleb(leafSlot * 8));
      return;
    case 'neg':
      a();
      b.emit(Op.f64Neg);
      return;
    case 'exp':
      a();
      b.call(EXP);
      return;
    case 'log':
      a();
      b.call(LOG);
      return;
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
      a();
      bb();
      b.emit({ add: Op.f64Add, sub: Op.f64Sub, mul: Op.f64Mul, div: Op.f64Div }[ins.op]);
      return;
    case 'powx':
      bb();
      rc.col(ins.ln!);
      b.emit(Op.f64Mul).call(EXP);
      return;
    case 'powc':
      a();
      b.f64(ins.c).call(POW);
      return;
    case 'pow':
      a();
      bb();
      b.call(POW);
      return;
    case 'min':
    case 'max':
      // a <= b ? a : b (min), a >= b ? a : b (max): NaN picks b, as the JavaScript does.
      a();
      bb();
      a();
      bb();
      b.emit(ins.op === 'min' ? Op.f64Le : Op.f64Ge, Op.select);
      return;
  }
}

/** The objective's settings (newton.ts SecondOrder). */
export interface ObjectiveKind {
  onLog: boolean;
  huber: boolean;
  delta: number;
}

/** Pushes of this row's prediction, target and weight. */
interface RowInputs {
  f: () => void;
  y: () => void;
  w: () => void;
}

/**
 * The objective's term at this row, added to the Neumaier sum in locals total/comp (as newton.ts
 * objectiveUpTo): r = (log f | f) - y; rho = Huber or square; times w (0 when w is 0). With
 * `storeRes`, r is also written where it says.
 */
export function objectiveRow(
  b: Body,
  o: ObjectiveKind,
  at: RowInputs,
  total: number,
  comp: number,
  storeRes?: (r: number) => void,
): void {
  const r = b.local();
  const rho = b.local();
  const tt = b.local();
  at.f();
  if (o.onLog) b.call(LOG);
  at.y();
  b.emit(Op.f64Sub).set(r);
  storeRes?.(r);
  if (o.huber) {
    // |r| <= delta ? 0.5 r r : delta (|r| - 0.5 delta)
    b.f64(0.5).get(r).emit(Op.f64Mul).get(r).emit(Op.f64Mul);
    b.f64(o.delta)
      .get(r)
      .emit(Op.f64Abs)
      .f64(0.5 * o.delta)
      .emit(Op.f64Sub, Op.f64Mul);
    b.get(r).emit(Op.f64Abs).f64(o.delta).emit(Op.f64Le, Op.select);
  } else b.get(r).get(r).emit(Op.f64Mul);
  b.set(rho);
  // w === 0 ? 0 : w rho
  b.f64(0);
  at.w();
  b.get(rho).emit(Op.f64Mul);
  at.w();
  b.f64(0).emit(Op.f64Eq, Op.select).set(rho);
  // t = total + rho; comp += |total| >= |rho| ? (total - t) + rho : (rho - t) + total; total = t
  b.get(total).get(rho).emit(Op.f64Add).set(tt);
  b.get(comp);
  b.get(total).get(tt).emit(Op.f64Sub).get(rho).emit(Op.f64Add);
  b.get(rho).get(tt).emit(Op.f64Sub).get(total).emit(Op.f64Add);
  b.get(total).emit(Op.f64Abs).get(rho).emit(Op.f64Abs).emit(Op.f64Ge, Op.select);
  b.emit(Op.f64Add).set(comp);
  b.get(tt).set(total);
}

/** The columns an instruction's local partials write (newton.ts `partials`), by field. */
function writtenPartials(ins: Instr, exact: boolean): (keyof Instr)[] {
  const cols = (...f: (keyof Instr)[]) => f.filter((k) => typeof ins[k] !== 'number');
  switch (ins.op) {
    case 'exp':
      return exact ? cols('d1a', 'd2aa') : cols('d1a');
    case 'log':
    case 'powc':
      return cols('d1a', 'd2aa');
    case 'mul':
      return cols('d1a', 'd1b').filter((k) => ins[k] !== ins.b?.v && ins[k] !== ins.a?.v);
    case 'div':
      return exact ? cols('d1a', 'd1b', 'd2ab', 'd2bb') : cols('d1a', 'd1b');
    case 'powx':
      return exact ? cols('d1b', 'd2bb') : cols('d1b');
    case 'pow':
      return cols('d1a', 'd1b', 'd2aa', 'd2ab', 'd2bb');
    case 'min':
    case 'max':
      return cols('d1a', 'd1b');
    default:
      return [];
  }
}

/** Local partials of one instruction at this row, as newton.ts `partials` computes them. */
function partialsRow(rc: RowCode, ins: Instr, exact: boolean): void {
  const { b } = rc;
  const v = () => rc.col(ins.out.v);
  const a = () => rc.col(ins.a!.v);
  const bv = () => rc.col(ins.b!.v);
  const has = new Set(writtenPartials(ins, exact));
  const def = (field: keyof Instr, value: () => void) => {
    if (has.has(field)) rc.define(ins[field] as Col, value);
  };
  const colOf = (field: keyof Instr) => () => rc.col(ins[field] as Col);
  const aIsZero = () => {
    a();
    b.f64(0).emit(Op.f64Eq);
  };
  /** q = a === 0 ? 0 : z/a, into a local. */
  const zOverA = () => {
    const q = b.local();
    b.f64(0);
    v();
    a();
    b.emit(Op.f64Div);
    aIsZero();
    b.emit(Op.select).set(q);
    return q;
  };
  switch (ins.op) {
    case 'exp':
      def('d1a', v);
      def('d2aa', v);
      return;
    case 'log':
      def('d1a', () => {
        b.f64(1);
        a();
        b.emit(Op.f64Div);
      });
      def('d2aa', () => {
        colOf('d1a')();
        b.emit(Op.f64Neg);
        colOf('d1a')();
        b.emit(Op.f64Mul);
      });
      return;
    case 'mul':
      def('d1a', bv);
      def('d1b', a);
      return;
    case 'div': {
      const ib = b.local();
      b.f64(1);
      bv();
      b.emit(Op.f64Div).set(ib);
      def('d1a', () => b.get(ib));
      def('d1b', () => {
        v();
        b.emit(Op.f64Neg).get(ib).emit(Op.f64Mul);
      });
      def('d2ab', () => b.get(ib).emit(Op.f64Neg).get(ib).emit(Op.f64Mul));
      def('d2bb', () => {
        b.f64(2);
        v();
        b.emit(Op.f64Mul).get(ib).emit(Op.f64Mul).get(ib).emit(Op.f64Mul);
      });
      return;
    }
    case 'powx':
      def('d1b', () => {
        v();
        rc.col(ins.ln!);
        b.emit(Op.f64Mul);
      });
      def('d2bb', () => {
        colOf('d1b')();
        rc.col(ins.ln!);
        b.emit(Op.f64Mul);
      });
      return;
    case 'powc': {
      // q = a === 0 ? 0 : z/a; d1 = c q; d2 = a === 0 ? 0 : (c (c-1) q)/a
      const q = zOverA();
      def('d1a', () => b.f64(ins.c).get(q).emit(Op.f64Mul));
      def('d2aa', () => {
        b.f64(0);
        b.f64(ins.c * (ins.c - 1))
          .get(q)
          .emit(Op.f64Mul);
        a();
        b.emit(Op.f64Div);
        aIsZero();
        b.emit(Op.select);
      });
      return;
    }
    case 'pow': {
      // l = z === 0 ? 0 : ln a; q = a === 0 ? 0 : z/a; z_a = b q; z_b = z l;
      // z_aa = a === 0 ? 0 : (b (b-1) q)/a; z_ab = q (1 + b l); z_bb = z l l
      const l = rc.define(ins.ln!, () => {
        b.f64(0);
        a();
        b.call(LOG);
        v();
        b.f64(0).emit(Op.f64Eq, Op.select);
      });
      const q = zOverA();
      def('d1a', () => {
        bv();
        b.get(q).emit(Op.f64Mul);
      });
      def('d1b', () => {
        v();
        b.get(l).emit(Op.f64Mul);
      });
      def('d2aa', () => {
        b.f64(0);
        bv();
        bv();
        b.f64(1).emit(Op.f64Sub, Op.f64Mul).get(q).emit(Op.f64Mul);
        a();
        b.emit(Op.f64Div);
        aIsZero();
        b.emit(Op.select);
      });
      def('d2ab', () => {
        b.get(q).f64(1);
        bv();
        b.get(l).emit(Op.f64Mul, Op.f64Add, Op.f64Mul);
      });
      def('d2bb', () => {
        v();
        b.get(l).emit(Op.f64Mul).get(l).emit(Op.f64Mul);
      });
      return;
    }
    case 'min':
    case 'max': {
      const pick = b.local(I32);
      a();
      bv();
      b.emit(ins.op === 'min' ? Op.f64Le : Op.f64Ge).set(pick);
      def('d1a', () => b.f64(1).f64(0).get(pick).emit(Op.select));
      def('d1b', () => b.f64(0).f64(1).get(pick).emit(Op.select));
      return;
    }
    default:
      return;
  }
}

/** One chain-rule term (newton.ts Term): out = [out +] coef x [y]. */
function termRow(rc: RowCode, t: Instr['grad'][number]): void {
  const { b } = rc;
  rc.define(t.out, () => {
    if (!t.set) rc.col(t.out);
    rc.part(t.coef);
    rc.col(t.x);
    b.emit(Op.f64Mul);
    if (t.y) {
      rc.col(t.y);
      b.emit(Op.f64Mul);
    }
    if (!t.set) b.emit(Op.f64Add);
  });
}

/** Number of sums derivatives() writes: g per root dependency, H for b <= a, then (exact) hk. */
export function sumCount(root: Slot, exact: boolean): number {
  const d = root.deps.length;
  return d + (d * (d + 1)) / 2 + (exact ? root.hk.length : 0);
}

function derivativesBody(t: Tape, layout: Layout, res: Col, w: Col, exact: boolean, sums0: number): Body {
  const b = new Body([]);
  const off = b.local(I32);
  const { deps, g: fg, hk, h } = t.root;
  const accumulators: number[] = [];
  for (let k = 0; k < sumCount(t.root, exact); k++) {
    const acc = b.local();
    b.f64(0).set(acc);
    accumulators.push(acc);
  }
  rowLoop(b, off, t.n, () => {
    const rc = new RowCode(b, layout, off);
    for (const ins of t.instrs) {
      partialsRow(rc, ins, exact);
      for (const term of ins.grad) termRow(rc, term);
      if (exact) for (const term of ins.hess) termRow(rc, term);
    }
    // cg = w psi (/f on log); cgg = w curv (exact, on log: w (curv - psi)/f²) or w c (IRLS).
    const r = b.local();
    const psi = b.local();
    const cg = b.local();
    const cgg = b.local();
    const inside = b.local(I32);
    rc.col(res);
    b.set(r);
    if (t.huber) {
      b.get(r).emit(Op.f64Abs).f64(t.delta).emit(Op.f64Le).set(inside);
      b.get(r);
      b.f64(t.delta).f64(-t.delta).get(r).f64(0).emit(Op.f64Gt, Op.select);
      b.get(inside).emit(Op.select).set(psi);
    } else b.f64(2).get(r).emit(Op.f64Mul).set(psi);
    const curvature = () => {
      if (!exact) {
        // IRLS weight: 1 inside delta, delta/|r| outside; 2 for squares.
        if (t.huber) b.f64(1).f64(t.delta).get(r).emit(Op.f64Abs, Op.f64Div).get(inside).emit(Op.select);
        else b.f64(2);
      } else if (t.huber) b.f64(1).f64(0).get(inside).emit(Op.select);
      else b.f64(2);
    };
    const fSquared = () => {
      rc.col(t.root.v);
      rc.col(t.root.v);
      b.emit(Op.f64Mul);
    };
    rc.col(w);
    b.get(psi).emit(Op.f64Mul);
    if (t.onLog) {
      rc.col(t.root.v);
      b.emit(Op.f64Div);
    }
    b.set(cg);
    rc.col(w);
    curvature();
    if (exact && t.onLog) b.get(psi).emit(Op.f64Sub);
    b.emit(Op.f64Mul);
    if (t.onLog) {
      fSquared();
      b.emit(Op.f64Div);
    }
    b.set(cgg);
    let k = 0;
    for (let a = 0; a < deps.length; a++) {
      b.get(accumulators[k]).get(cg);
      rc.col(fg[a]);
      b.emit(Op.f64Mul, Op.f64Add).set(accumulators[k++]);
      for (let c = 0; c <= a; c++) {
        b.get(accumulators[k]).get(cgg);
        rc.col(fg[a]);
        b.emit(Op.f64Mul);
        rc.col(fg[c]);
        b.emit(Op.f64Mul, Op.f64Add).set(accumulators[k++]);
      }
    }
    if (exact)
      for (let m = 0; m < hk.length; m++) {
        b.get(accumulators[k]).get(cg);
        rc.col(h[m]);
        b.emit(Op.f64Mul, Op.f64Add).set(accumulators[k++]);
      }
  });
  accumulators.forEach((acc, k) => {
    b.i32(0)
      .get(acc)
      .emit(Op.f64Store, 3, ...uleb((sums0 + k) * 8));
  });
  return b;
}

function valueBody(t: Tape, layout: Layout, res: Col, w: Col, leafSlots: Map<Instr, number>): Body {
  const b = new Body([]);
  const off = b.local(I32);
  const total = b.local();
  const comp = b.local();
  b.f64(0).set(total).f64(0).set(comp);
  rowLoop(b, off, t.n, () => {
    const rc = new RowCode(b, layout, off);
    for (const ins of t.instrs) rc.define(ins.out.v, () => forwardOp(rc, ins, leafSlots.get(ins) ?? 0), true);
    const inputs = { f: () => rc.col(t.root.v), y: () => rc.col(t.yT), w: () => rc.col(w) };
    objectiveRow(b, t, inputs, total, comp, (r) => b.store(off, layout.offsetOf(res), () => b.get(r)));
  });
  b.get(total).get(comp).emit(Op.f64Add);
  return b;
}

/** Compiles the tape, or undefined where WebAssembly is unavailable or the tape too large for it. */
export function compileKernel(t: Tape): Kernel | undefined {
  if (!wasmApi) return undefined;
  const leafSlots = new Map(t.leaves.map((ins, m) => [ins, m]));
  const sums0 = leafSlots.size;
  const headerSlots = sums0 + sumCount(t.root, true);
  const layout = new Layout(t.n, headerSlots);
  const res = new Float64Array(t.n);
  const w = new Float64Array(t.n);
  const value = valueBody(t, layout, res, w, leafSlots);
  const exactBody = derivativesBody(t, layout, res, w, true, sums0);
  const irlsBody = derivativesBody(t, layout, res, w, false, sums0);
  if (layout.bytes > MAX_KERNEL_BYTES) return undefined;
  const pages = Math.max(1, Math.ceil(layout.bytes / PAGE));
  const none: FunctionType = { params: [], results: [] };
  const bytes = encodeModule(
    IMPORTS,
    [
      { name: 'value', type: { params: [], results: [F64] }, body: value },
      { name: 'exact', type: none, body: exactBody },
      { name: 'irls', type: none, body: irlsBody },
    ],
    pages,
  );
  const made = instantiate(bytes, pages);
  if (!made) return undefined;
  const { buffer, exports } = made;
  const view = (c: Col) => new Float64Array(buffer, layout.offsetOf(c), t.n);
  // Every column the kernel reads starts as the tape's own (data columns, constants, ln x).
  for (const c of layout.columns.keys()) view(c).set(c);
  const run = exports as Record<'value' | 'exact' | 'irls', () => number>;
  return {
    leaves: new Float64Array(buffer, 0, sums0),
    sums: new Float64Array(buffer, sums0 * 8, headerSlots - sums0),
    res: view(res),
    weights: view(w),
    value: run.value,
    derivatives: (exact: boolean) => (exact ? run.exact() : run.irls()),
  };
}

/**
 * Compiles (once per distinct module) and instantiates over a fresh memory of `pages`; undefined
 * when the engine refuses either (the JavaScript computes the same numbers).
 */
export function instantiate(
  bytes: Uint8Array,
  pages: number,
): { buffer: ArrayBuffer; exports: Record<string, unknown> } | undefined {
  const api = wasmApi;
  if (!api) return undefined;
  try {
    const key = bytesKey(bytes);
    let mod = modules.get(key);
    if (!mod) {
      if (modules.size >= 64) modules.clear();
      modules.set(key, (mod = new api.Module(bytes)));
    }
    const memory = new api.Memory({ initial: pages, maximum: pages });
    const m: Record<string, unknown> = { mem: memory };
    for (const im of IMPORTS) m[im.name] = im.fn;
    return { buffer: memory.buffer, exports: new api.Instance(mod, { m }).exports };
  } catch {
    return undefined;
  }
}

function bytesKey(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}
