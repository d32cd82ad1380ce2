// Parquet's RLE / bit-packed hybrid (core/data/rleHybrid.ts): hand-encoded runs per the spec, and
// damaged data that must throw or stop, never loop for as long as a header says.
import * as assert from 'node:assert/strict';
import { readHybrid } from '../../../server/src/core/data/rleHybrid';

const readerOf = (bytes: number[]) => ({ view: new DataView(new Uint8Array(bytes).buffer), offset: 0 });

/** Bit-packs values of `width` bits, least significant bit first, padded to a group of 8 values. */
function bitPack(values: number[], width: number): number[] {
  const groups = Math.ceil(values.length / 8);
  const bytes = new Array<number>(groups * width).fill(0);
  values.forEach((v, i) => {
    for (let b = 0; b < width; b++)
      if ((v / 2 ** b) % 2 >= 1) bytes[(i * width + b) >> 3] |= 1 << ((i * width + b) & 7);
  });
  return [(groups << 1) | 1, ...bytes];
}

describe('RLE / bit-packed hybrid', () => {
  it('reads a run: header count << 1, then the value in (width + 7) / 8 bytes', () => {
    const out = new Uint32Array(5);
    const reader = readerOf([5 << 1, 0x34, 0x12]);
    readHybrid(reader, 13, out, 3);
    assert.deepEqual([...out], [0x1234, 0x1234, 0x1234, 0x1234, 0x1234]);
    assert.equal(reader.offset, 3);
  });

  it('reads bit-packed groups of widths 1 to 32 (each of the three decoding loops), and runs mixed with them', () => {
    for (const width of [1, 3, 10, 17, 24, 25, 32]) {
      const values = Array.from({ length: 16 }, (_, i) => (i * 2654435761) % 2 ** width);
      const run = 5 % 2 ** width;
      const encoded = [...bitPack(values, width), 4 << 1, ...[run, 0, 0, 0].slice(0, (width + 7) >> 3)];
      const out = new Uint32Array(20);
      readHybrid(readerOf(encoded), width, out, encoded.length);
      assert.deepEqual([...out], [...values, run, run, run, run], `width ${width}`);
    }
  });

  it('reads the 4-byte length prefix when no length is given (definition levels of data page v1)', () => {
    const body = [3 << 1, 1, ...bitPack([0, 1, 1, 0], 1)];
    const reader = readerOf([body.length, 0, 0, 0, ...body, 0xff]);
    const out = new Uint8Array(7);
    readHybrid(reader, 1, out);
    assert.deepEqual([...out], [1, 1, 1, 0, 1, 1, 0]);
    assert.equal(reader.offset, 4 + body.length); // not into the byte after
  });

  it('a run longer than asked for fills only what was asked, at once (a damaged header says 2^34)', () => {
    const out = new Uint8Array(3);
    readHybrid(readerOf([0xfe, 0xff, 0xff, 0xff, 0x7f, 1]), 1, out, 6);
    assert.deepEqual([...out], [1, 1, 1]);
  });

  it('throws when the data ends before the values do, or holds a value wider than its width', () => {
    assert.throws(() => readHybrid(readerOf([2 << 1, 1]), 1, new Uint8Array(3), 2), /ends after 2 of 3/);
    assert.throws(() => readHybrid(readerOf([(4 << 1) | 1, 0]), 1, new Uint8Array(8), 2), /runs past its data/);
    assert.throws(() => readHybrid(readerOf([2 << 1, 5]), 1, new Uint8Array(2), 2), /wider than 1 bits/);
    assert.throws(() => readHybrid(readerOf([9, 0, 0, 0, 2]), 1, new Uint8Array(2)), /runs past the page/);
    // Empty runs (header 0) consume their bytes: the reader stops at the end instead of looping.
    assert.throws(() => readHybrid(readerOf([0, 0, 0, 0]), 0, new Uint8Array(2), 4), /ends after 0 of 2/);
    assert.throws(() => readHybrid(readerOf([3, 3, 3]), 0, new Uint8Array(100), 3), /ends after 24 of 100/);
  });
});
