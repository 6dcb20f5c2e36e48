/**
 * CRC-64/NVME (the AWS SDKs' default multipart checksum), computed synchronously.
 *
 * `@aws-sdk/crc64-nvme` only offers an async `digest()`, and our hashers must finish inside a
 * synchronous pipeline, so this is the same slice-by-8 algorithm over two 32-bit halves
 * (JS numbers cannot hold 64 bits). The unit tests check it against the SDK's implementation.
 * Parameters: reflected polynomial 0x9A6C9329AC4BC9B5, init and xor-out all ones.
 */

const POLY_HI = 0x9a6c9329;
const POLY_LO = 0xac4bc9b5;

/** TABLE_HI[k][n], TABLE_LO[k][n]: the CRC register after byte n followed by k zero bytes. */
const TABLE_HI: Uint32Array[] = [];
const TABLE_LO: Uint32Array[] = [];

function buildTables(): void {
  const hi0 = new Uint32Array(256);
  const lo0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let hi = 0;
    let lo = n;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    hi0[n] = hi;
    lo0[n] = lo;
  }
  TABLE_HI.push(hi0);
  TABLE_LO.push(lo0);
  for (let k = 1; k < 8; k++) {
    const prevHi = TABLE_HI[k - 1]!;
    const prevLo = TABLE_LO[k - 1]!;
    const hi = new Uint32Array(256);
    const lo = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      const idx = prevLo[n]! & 0xff;
      hi[n] = (prevHi[n]! >>> 8) ^ hi0[idx]!;
      lo[n] = ((prevLo[n]! >>> 8) | ((prevHi[n]! & 0xff) << 24)) ^ lo0[idx]!;
    }
    TABLE_HI.push(hi);
    TABLE_LO.push(lo);
  }
}
buildTables();

// Module-level locals: the hot loop below reads them without an extra array lookup.
type Tables8 = [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];
const [h0, h1, h2, h3, h4, h5, h6, h7] = TABLE_HI as Tables8;
const [l0, l1, l2, l3, l4, l5, l6, l7] = TABLE_LO as Tables8;

/** An incremental CRC-64/NVME; `digest()` returns the 8 bytes big-endian, as S3 base64-encodes them. */
export class Crc64Nvme {
  private hi = 0xffffffff;
  private lo = 0xffffffff;

  update(data: Uint8Array): void {
    let hi = this.hi;
    let lo = this.lo;
    const length = data.length;
    let i = 0;
    while (i + 8 <= length) {
      const b0 = (lo ^ data[i]!) & 0xff;
      const b1 = ((lo >>> 8) ^ data[i + 1]!) & 0xff;
      const b2 = ((lo >>> 16) ^ data[i + 2]!) & 0xff;
      const b3 = ((lo >>> 24) ^ data[i + 3]!) & 0xff;
      const b4 = (hi ^ data[i + 4]!) & 0xff;
      const b5 = ((hi >>> 8) ^ data[i + 5]!) & 0xff;
      const b6 = ((hi >>> 16) ^ data[i + 6]!) & 0xff;
      const b7 = ((hi >>> 24) ^ data[i + 7]!) & 0xff;
      hi = h7[b0]! ^ h6[b1]! ^ h5[b2]! ^ h4[b3]! ^ h3[b4]! ^ h2[b5]! ^ h1[b6]! ^ h0[b7]!;
      lo = l7[b0]! ^ l6[b1]! ^ l5[b2]! ^ l4[b3]! ^ l3[b4]! ^ l2[b5]! ^ l1[b6]! ^ l0[b7]!;
      i += 8;
    }
    while (i < length) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | ((hi & 0xff) << 24)) ^ l0[idx]!;
      hi = (hi >>> 8) ^ h0[idx]!;
      i++;
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
  }

  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32BE((this.hi ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32BE((this.lo ^ 0xffffffff) >>> 0, 4);
    return out;
  }
}
