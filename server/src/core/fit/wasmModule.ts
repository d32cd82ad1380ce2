// A minimal WebAssembly binary writer: enough to emit straight-line f64 kernels over rows of one
// linear memory (the fit's generated kernels, newtonWasm.ts). WebAssembly runs at compiled speed
// from its first call (V8's Liftoff), where JavaScript starts interpreted; a cold CLI fit spends
// most of its time before the JIT has warmed up. No eval/Function: this writes bytes, which the
// engine validates like any other module.

/** The few parts of the WebAssembly JS API used here (the core's lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}

/** The engine's WebAssembly, when it has one. */
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export const F64 = 0x7c;
export const I32 = 0x7f;

/** Opcodes used by the kernels. */
export const Op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  ret: 0x0f,
  if: 0x04,
  else: 0x05,
  call: 0x10,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32Const: 0x41,
  f64Const: 0x44,
  i32Store8: 0x3a,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32Or: 0x72,
  f64Lt: 0x63,
  f64Eq: 0x61,
  f64Gt: 0x64,
  f64Le: 0x65,
  f64Ge: 0x66,
  f64Abs: 0x99,
  f64Neg: 0x9a,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
} as const;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const f64Bytes = new Float64Array(1);
const f64View = new Uint8Array(f64Bytes.buffer);

/** A function body under construction: an f64 expression language over locals and memory. */
export class Body {
  readonly code: number[] = [];
  private readonly localTypes: number[] = [];
  constructor(readonly params: number[]) {}

  /** A new local of the given type; its index. */
  local(type = F64): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }
  emit(...bytes: number[]): this {
    for (let i = 0; i < bytes.length; i++) this.code.push(bytes[i]);
    return this;
  }
  get(i: number): this {
    return this.emit(Op.localGet, ...uleb(i));
  }
  set(i: number): this {
    return this.emit(Op.localSet, ...uleb(i));
  }
  tee(i: number): this {
    return this.emit(Op.localTee, ...uleb(i));
  }
  f64(x: number): this {
    f64Bytes[0] = x;
    return this.emit(Op.f64Const, ...f64View);
  }
  i32(x: number): this {
    return this.emit(Op.i32Const, ...sleb(x));
  }
  /** Pushes memory[addr + offset] where addr (an i32 local) is already computed. */
  load(addrLocal: number, offset: number): this {
    return this.get(addrLocal).emit(Op.f64Load, 3, ...uleb(offset));
  }
  /** memory[addr + offset] = the f64 the `value` callback pushes. */
  store(addrLocal: number, offset: number, value: () => void): this {
    this.get(addrLocal);
    value();
    return this.emit(Op.f64Store, 3, ...uleb(offset));
  }
  call(fn: number): this {
    return this.emit(Op.call, ...uleb(fn));
  }

  /** Appends the encoded body (its size, local declarations, code) to `out`. */
  encode(out: number[]): void {
    const groups: [number, number][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const head = uleb(groups.length);
    for (const [n, t] of groups) {
      append(head, uleb(n));
      head.push(t);
    }
    append(out, uleb(head.length + this.code.length + 1));
    append(out, head);
    append(out, this.code);
    out.push(Op.end);
  }
}

export interface FunctionType {
  params: number[];
  results: number[];
}

/** Appends without spreading (a cold process runs this interpreted: spreads of long arrays are slow). */
function append(out: number[], bytes: ArrayLike<number>): void {
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i]);
}
function section(out: number[], id: number, bytes: number[]): void {
  out.push(id);
  append(out, uleb(bytes.length));
  append(out, bytes);
}
function vector(items: number[][]): number[] {
  const out = uleb(items.length);
  for (const item of items) append(out, item);
  return out;
}
function name(s: string): number[] {
  const out = uleb(s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
  return out;
}
function typeBytes(t: FunctionType): number[] {
  const out = [0x60];
  append(out, vector(t.params.map((p) => [p])));
  append(out, vector(t.results.map((r) => [r])));
  return out;
}

/**
 * A module that imports functions from "m" (by name, with their types) and the memory "m"."mem",
 * and exports the given functions. Imported functions are numbered first, then the exports.
 */
export function encodeModule(
  imports: { name: string; type: FunctionType }[],
  exports: { name: string; type: FunctionType; body: Body }[],
  memoryPages: number,
): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  section(out, 1, vector([...imports, ...exports].map((f) => typeBytes(f.type))));
  const importEntries = imports.map((im, k) => [...name('m'), ...name(im.name), 0x00, ...uleb(k)]);
  importEntries.push([...name('m'), ...name('mem'), 0x02, 0x00, ...uleb(memoryPages)]);
  section(out, 2, vector(importEntries));
  section(out, 3, vector(exports.map((_, k) => uleb(imports.length + k))));
  section(out, 7, vector(exports.map((e, k) => [...name(e.name), 0x00, ...uleb(imports.length + k)])));
  const code = uleb(exports.length);
  for (const e of exports) e.body.encode(code);
  section(out, 10, code);
  return Uint8Array.from(out);
}
