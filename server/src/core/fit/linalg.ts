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

/** Eigenvalues below this fraction of the largest mark a direction the data cannot pin down. */
export const WEAK_EIGENVALUE = 1e-12;

/**
 * Pseudo-inverse of a symmetric PSD matrix after scaling to unit diagonal; also the condition
 * number of the scaled matrix (what says whether parameters are identifiable), its null
 * directions, and its weak directions (eigenvalue < WEAK_EIGENVALUE × largest, null ones
 * included), both as unit vectors in the scaled coordinates x = u / scale.
 */
export function scaledInverse(
  a: Float64Array,
  p: number,
): {
  inverse: Float64Array;
  condition: number;
  nullDirs: Float64Array[];
  weakDirs: Float64Array[];
  scale: Float64Array;
} {
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
  const weakDirs: Float64Array[] = [];
  for (let k = 0; k < p; k++) {
    const lam = values[k];
    const zeroColumn = d.some((x, i) => x === 0 && vectors[i * p + k] !== 0);
    if (!(lam > max * WEAK_EIGENVALUE) || zeroColumn)
      weakDirs.push(Float64Array.from({ length: p }, (_, i) => vectors[i * p + k]));
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
  return { inverse, condition, nullDirs, weakDirs, scale: d };
}

/**
 * Least squares min ||X b - y||_w over columns X (column-major list), by Householder QR of the
 * row-weighted design: the normal equations square the condition number (a parabola in ln N with
 * uncentred x loses half the digits); QR does not. Undefined when X is rank-deficient.
 */
export function leastSquares(cols: Float64Array[], y: Float64Array, w?: Float64Array): Float64Array | undefined {
  const p = cols.length;
  const n = y.length;
  if (n < p) return undefined;
  // Row-weighted copies: sqrt(w) scales rows, so ||sqrt(W)(Xb - y)|| is the weighted norm.
  const a = cols.map((c) => Float64Array.from(c, (v, i) => v * (w ? Math.sqrt(w[i]) : 1)));
  const b = Float64Array.from(y, (v, i) => v * (w ? Math.sqrt(w[i]) : 1));
  const diag = new Float64Array(p);
  let scale = 0;
  for (let j = 0; j < p; j++) {
    const col = a[j];
    let norm = 0;
    for (let i = j; i < n; i++) norm += col[i] * col[i];
    norm = Math.sqrt(norm);
    scale = Math.max(scale, norm);
    if (!(norm > 1e-13 * scale) || !Number.isFinite(norm)) return undefined;
    const alpha = col[j] > 0 ? -norm : norm;
    // Householder vector v = x - alpha e1, stored in col[j..]; H = I - 2 v v^T / (v^T v).
    col[j] -= alpha;
    let vv = 0;
    for (let i = j; i < n; i++) vv += col[i] * col[i];
    for (let k = j + 1; k < p; k++) {
      const ck = a[k];
      let s = 0;
      for (let i = j; i < n; i++) s += col[i] * ck[i];
      const f = (2 * s) / vv;
      for (let i = j; i < n; i++) ck[i] -= f * col[i];
    }
    let s = 0;
    for (let i = j; i < n; i++) s += col[i] * b[i];
    const f = (2 * s) / vv;
    for (let i = j; i < n; i++) b[i] -= f * col[i];
    diag[j] = alpha;
  }
  // Back substitution on R (diagonal in diag, above it in the transformed columns).
  const x = new Float64Array(p);
  for (let j = p - 1; j >= 0; j--) {
    let s = b[j];
    for (let k = j + 1; k < p; k++) s -= a[k][j] * x[k];
    x[j] = s / diag[j];
  }
  return x.every(Number.isFinite) ? x : undefined;
}

/** Solves A x = b (row-major m×m, A overwritten) by LU with partial pivoting. False when singular. */
export function luSolve(A: Float64Array, b: Float64Array, x: Float64Array, m: number): boolean {
  for (let i = 0; i < m; i++) x[i] = b[i];
  for (let c = 0; c < m; c++) {
    let piv = c;
    let best = Math.abs(A[c * m + c]);
    for (let r = c + 1; r < m; r++) {
      const v = Math.abs(A[r * m + c]);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (!(best > 0) || !Number.isFinite(best)) return false;
    if (piv !== c) {
      for (let k = 0; k < m; k++) {
        const t = A[c * m + k];
        A[c * m + k] = A[piv * m + k];
        A[piv * m + k] = t;
      }
      const t = x[c];
      x[c] = x[piv];
      x[piv] = t;
    }
    const d = A[c * m + c];
    for (let r = c + 1; r < m; r++) {
      const f = A[r * m + c] / d;
      if (f === 0) continue;
      for (let k = c; k < m; k++) A[r * m + k] -= f * A[c * m + k];
      x[r] -= f * x[c];
    }
  }
  for (let r = m - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < m; k++) s -= A[r * m + k] * x[k];
    x[r] = s / A[r * m + r];
  }
  for (let r = 0; r < m; r++) if (!Number.isFinite(x[r])) return false;
  return true;
}
