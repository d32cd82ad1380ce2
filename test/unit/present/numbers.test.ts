// The one number format and the one quantile (protocol/numbers.ts), and that the core's copies
// (which may not import protocol) follow the same rules.
import assert from 'node:assert/strict';
import {
  formatExact,
  formatInterval,
  formatPercent,
  formatSize,
  formatValue,
  quantile,
} from '../../../protocol/numbers';
import { formatNumber } from '../../../server/src/core/text';
import { quantile as coreQuantile, percentileInterval } from '../../../server/src/core/fit/stats';

describe('protocol numbers', () => {
  it('values: plain decimal in [1e-3, 1e4), e-notation outside, never an SI suffix', () => {
    assert.equal(formatValue(1.94123), '1.941');
    assert.equal(formatValue(406.4321), '406.4');
    assert.equal(formatValue(0.34771), '0.3477');
    assert.equal(formatValue(0.001), '0.001');
    assert.equal(formatValue(0.00099), '9.900e-4');
    assert.equal(formatValue(6.7e10), '6.700e+10');
    assert.equal(formatValue(12345), '1.235e+4');
    assert.equal(formatValue(-2.5), '-2.5');
    assert.equal(formatValue(0), '0');
  });

  it('interval bounds keep at least 3 significant digits, so close bounds stay apart', () => {
    assert.equal(formatInterval([1.9201, 1.9733]), '[1.92, 1.973]');
    assert.equal(formatInterval([0.33801, 0.34302]), '[0.338, 0.343]');
    for (const v of [1.2345e-7, 0.0123456, 1.23456, 123.456, 1.23456e9, 9.87654e22]) {
      const digits = formatValue(v)
        .replace(/e.*$/, '')
        .replace(/[^0-9]/g, '')
        .replace(/^0+/, '');
      assert.ok(digits.length >= 3, `${v} → ${formatValue(v)}`);
    }
  });

  it('sizes as studies write them (70B, 1.4T), and the core formats sizes in messages the same way', () => {
    assert.equal(formatSize(70e9), '70B');
    assert.equal(formatSize(1.4e12), '1.4T');
    assert.equal(formatSize(5.76e23), '5.760e+23');
    assert.equal(formatSize(250e6), '250M');
    // The core's message formatter (core/text.ts) cannot import protocol; it must agree everywhere.
    for (let e = -8; e <= 25; e += 0.37) {
      for (const v of [10 ** e, -(10 ** e), 3.14159 * 10 ** e]) assert.equal(formatNumber(v), formatSize(v), `${v}`);
    }
  });

  it('missing values read as a dash, never NaN or null', () => {
    for (const f of [formatValue, formatSize, formatExact, formatPercent]) {
      assert.equal(f(null), '—');
      assert.equal(f(NaN), '—');
      assert.equal(f(undefined), '—');
    }
    assert.equal(formatInterval(null), '');
    assert.equal(formatInterval([null, 1]), '[—, 1]');
  });

  it('objectives keep every digit the JSON has', () => {
    assert.equal(formatExact(0.0123456789012345), '0.0123456789012345');
    assert.equal(Number(formatExact(1466.2345678901)), 1466.2345678901);
  });

  it('one quantile: interpolated, equal to the one the core makes intervals with', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 10 - 5;
    for (let n = 1; n < 60; n += 7) {
      const sorted = Array.from({ length: n }, rand).sort((a, b) => a - b);
      for (const q of [0, 0.05, 0.25, 0.5, 0.95, 1]) assert.equal(quantile(sorted, q), coreQuantile(sorted, q));
      if (n >= 2) {
        const iv = percentileInterval(sorted, 0.9)!;
        assert.deepEqual(iv, [quantile(sorted, 0.05), quantile(sorted, 0.95)]);
      }
    }
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5, 'interpolated, not nearest rank');
  });
});
