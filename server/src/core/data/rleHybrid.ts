// Parquet's RLE / bit-packed hybrid encoding (definition levels, dictionary keys, RLE booleans), read
// with every count bounded by the bytes and the values asked for: hyparquet's reader repeats a run as
// many times as its header says (up to 2^34 from a damaged page) and steps through a bit-packed run of
// width 0 value by value. Spec: https://parquet.apache.org/docs/file-format/data-pages/encodings/

export interface ByteReader {
  view: DataView;
  offset: number;
}

/**
 * Fills `out` from the reader (values of `width` bits, 0–32). `length`: the encoded bytes; when
 * undefined they are prefixed by their length (4 bytes, little-endian). Leaves the reader after them.
 * Throws when the bytes end before `out` is full.
 */
export function readHybrid(reader: ByteReader, width: number, out: Uint8Array | Uint32Array, length?: number): void {
  const { view } = reader;
  if (length === undefined) {
    if (reader.offset + 4 > view.byteLength) throw new Error('RLE length runs past the page');
    length = view.getUint32(reader.offset, true);
    reader.offset += 4;
  }
  if (!(width >= 0 && width <= 32)) throw new Error(`RLE bit width ${width}`);
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let pos = reader.offset;
  const end = pos + length;
  if (end > bytes.length) throw new Error('RLE data runs past the page');
  const valueBytes = (width + 7) >> 3;
  const max = 2 ** width;
  let seen = 0;
  while (seen < out.length) {
    // The run's header, a ULEB128 varint: count << 1 | bit-packed.
    let header = 0;
    let scale = 1;
    let byte: number;
    do {
      if (pos >= end) throw new Error(`RLE data ends after ${seen} of ${out.length} values`);
      byte = bytes[pos++];
      header += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80 && scale < 2 ** 35);
    const count = Math.floor(header / 2);
    if (header % 2 === 0) {
      // A run: one value, repeated.
      if (pos + valueBytes > end) throw new Error('RLE run value runs past its data');
      let value = 0;
      for (let i = 0; i < valueBytes; i++) value += bytes[pos++] * 2 ** (8 * i);
      if (value >= max) throw new Error(`RLE value ${value} wider than ${width} bits`);
      const take = Math.min(count, out.length - seen);
      out.fill(value, seen, seen + take);
      seen += take;
    } else {
      // Bit-packed: count groups of 8 values, least significant bit first.
      const packed = count * width; // bytes: 8 values of `width` bits per group
      if (pos + packed > end) throw new Error('RLE bit-packed run runs past its data');
      const take = Math.min(count * 8, out.length - seen);
      if (width === 1) {
        for (let i = 0; i < take; i++) out[seen + i] = (bytes[pos + (i >> 3)] >> (i & 7)) & 1;
      } else if (width <= 24) {
        // Four bytes hold the value's bits (width + shift ≤ 31): 32-bit integer arithmetic. A byte
        // past the run's end reads as 0 (or the next run's, masked off).
        const mask = max - 1;
        for (let i = 0; i < take; i++) {
          const bit = i * width;
          const p = pos + (bit >> 3);
          const window = bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
          out[seen + i] = (window >>> (bit & 7)) & mask;
        }
      } else {
        for (let i = 0; i < take; i++) {
          const bit = i * width;
          const shift = bit & 7;
          let p = pos + (bit >> 3);
          // Up to 5 bytes hold the value's bits (width ≤ 32, shift ≤ 7): whole numbers, exact in a double.
          let window = 0;
          for (let got = 0, scale8 = 1; got < width + shift; got += 8, scale8 *= 256) window += bytes[p++] * scale8;
          out[seen + i] = Math.floor(window / 2 ** shift) % max;
        }
      }
      seen += take;
      pos += packed;
    }
  }
  // The data may hold more than was asked for (a last group padded to 8 values, DuckDB's empty run).
  reader.offset = end;
}
