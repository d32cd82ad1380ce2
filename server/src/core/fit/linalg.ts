// Small dense linear algebra for p×p systems (p is the number of parameters, rarely above 8).

/** Solves A x = b for symmetric positive definite A (row-major p×p) by Cholesky. False if not SPD. */
export function choleskySolve(a: Float64Array, b: Float64Array, x: Float64Array, p: number): boolean {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      if (i === j) {
        if (!(s > 0)) return false;
        l[i * p + i] = Math.sqrt(s);
      } else l[i * p + j] = s / l[j * p + j];
    }
  }
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * p + k] * x[k];
    x[i] = s / l[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < p; k++) s -= l[k * p + i] * x[k];
    x[i] = s / l[i * p + i];
  }
  return true;
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: values and column vectors. */
function symmetricEigen(a: Float64Array, p: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(p * p);
  for (let i = 0; i < p; i++) v[i * p + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) off += m[i * p + j] ** 2;
    if (off < 1e-300) break;
    for (let i = 0; i < p; i++) {
      for (let j = i + 1; j < p; j++) {
        const aij = m[i * p + j];
        if (Math.abs(aij) < 1e-300) continue;
        const theta = (m[j * p + j] - m[i * p + i]) / (2 * aij);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < p; k++) {
          const mki = m[k * p + i];
          const mkj = m[k * p + j];
          m[k * p + i] = c * mki - s * mkj;
          m[k * p + j] = s * mki + c * mkj;
        }
        for (let k = 0; k < p; k++) {
          const mik = m[i * p + k];
          const mjk = m[j * p + k];
          m[i * p + k] = c * mik - s * mjk;
          m[j * p + k] = s * mik + c * mjk;
        }
        for (let k = 0; k < p; k++) {
          const vki = v[k * p + i];
          const vkj = v[k * p + j];
          v[k * p + i] = c * vki - s * vkj;
          v[k * p + j] = s * vki + c * vkj;
        }
      }
    }
  }
  const values = new Float64Array(p);
  for (let i = 0; i < p; i++) values[i] = m[i * p + i];
  return { values, vectors: v };
}

/**
 * Pseudo-inverse of a symmetric PSD matrix after scaling to unit diagonal; also the condition
 * number of the scaled matrix (what says whether parameters are identifiable).
 */
export function scaledInverse(
  a: Float64Array,
  p: number,
): { inverse: Float64Array; condition: number; nullDirs: Float64Array[] } {
  const d = new Float64Array(p);
  for (let i = 0; i < p; i++) d[i] = a[i * p + i] > 0 ? 1 / Math.sqrt(a[i * p + i]) : 0;
  const s = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) s[i * p + j] = a[i * p + j] * d[i] * d[j];
  const { values, vectors } = symmetricEigen(s, p);
  let max = 0;
  for (const x of values) max = Math.max(max, x);
  let min = Infinity;
  for (const x of values) min = Math.min(min, x);
  const condition = min > 0 ? max / min : Infinity;
  const inverse = new Float64Array(p * p);
  const nullDirs: Float64Array[] = [];
  for (let k = 0; k < p; k++) {
    const lam = values[k];
    if (!(lam > max * 1e-14) || d.some((x, i) => x === 0 && vectors[i * p + k] !== 0)) {
      const dir = new Float64Array(p);
      for (let i = 0; i < p; i++) dir[i] = vectors[i * p + k];
      nullDirs.push(dir);
      continue;
    }
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++) inverse[i * p + j] += (vectors[i * p + k] * vectors[j * p + k]) / lam;
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) inverse[i * p + j] *= d[i] * d[j];
  return { inverse, condition, nullDirs };
}

/** Least squares min ||X b - y||_w over columns X (column-major list), via normal equations. */
export function leastSquares(cols: Float64Array[], y: Float64Array, w?: Float64Array): Float64Array | undefined {
  const p = cols.length;
  const n = y.length;
  const a = new Float64Array(p * p);
  const rhs = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += (w ? w[r] : 1) * cols[i][r] * cols[j][r];
      a[i * p + j] = s;
      a[j * p + i] = s;
    }
    let s = 0;
    for (let r = 0; r < n; r++) s += (w ? w[r] : 1) * cols[i][r] * y[r];
    rhs[i] = s;
  }
  const x = new Float64Array(p);
  return choleskySolve(a, rhs, x, p) ? x : undefined;
}
