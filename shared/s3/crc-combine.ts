/**
 * Full-object CRCs of a multipart object, from the part CRCs and sizes alone (zlib's
 * `crc32_combine`): crc(A ‖ B) = crc(A)·x^(8·|B|) mod P ⊕ crc(B), in GF(2) with the reflected
 * bit order these CRCs use. BigInt keeps one implementation for the 32- and 64-bit CRCs.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html#full-object-checksums
 */

export type CombinableCrc = 'CRC32' | 'CRC32C' | 'CRC64NVME';

interface CrcSpec {
  /** Width in bits. */
  width: bigint;
  /** The polynomial, bit-reflected. */
  poly: bigint;
  /** x^(2^k) mod P for k = 0..63. */
  powers: bigint[];
  /** x^(8·n) mod P by byte count n: parts of a multipart upload mostly share one size. */
  shiftCache: Map<number, bigint>;
}

function makeSpec(width: bigint, poly: bigint): CrcSpec {
  const spec: CrcSpec = { width, poly, powers: [], shiftCache: new Map() };
  let power = 1n << (width - 2n); // x^1
  spec.powers.push(power);
  for (let k = 1; k < 64; k++) {
    power = multiplyModP(spec, power, power);
    spec.powers.push(power);
  }
  return spec;
}

const SPECS: Record<CombinableCrc, CrcSpec> = {
  CRC32: makeSpec(32n, 0xedb88320n),
  CRC32C: makeSpec(32n, 0x82f63b78n),
  CRC64NVME: makeSpec(64n, 0x9a6c9329ac4bc9b5n),
};

/** a·b mod P, both in reflected representation (the top bit is x^0). */
function multiplyModP(spec: CrcSpec, a: bigint, b: bigint): bigint {
  let m = 1n << (spec.width - 1n);
  let product = 0n;
  let multiplicand = b;
  while (m !== 0n) {
    if ((a & m) !== 0n) {
      product ^= multiplicand;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    multiplicand = (multiplicand & 1n) !== 0n ? (multiplicand >> 1n) ^ spec.poly : multiplicand >> 1n;
  }
  return product;
}

const SHIFT_CACHE_LIMIT = 256;

/** x^(8·bytes) mod P. */
function shiftOperator(spec: CrcSpec, bytes: number): bigint {
  const cached = spec.shiftCache.get(bytes);
  if (cached !== undefined) return cached;
  let result = 1n << (spec.width - 1n); // x^0
  let n = BigInt(bytes);
  let k = 3; // 8 = 2^3: one byte is x^(2^3)
  while (n !== 0n) {
    if ((n & 1n) !== 0n) result = multiplyModP(spec, spec.powers[k]!, result);
    n >>= 1n;
    k++;
  }
  // Bounded: a long-lived process sees many distinct last-part sizes.
  if (spec.shiftCache.size >= SHIFT_CACHE_LIMIT) spec.shiftCache.clear();
  spec.shiftCache.set(bytes, result);
  return result;
}

function toBigInt(base64: string): bigint {
  const hex = Buffer.from(base64, 'base64').toString('hex');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}

function toBase64(value: bigint, width: bigint): string {
  const hex = value.toString(16).padStart(Number(width / 4n), '0');
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * The CRC of the concatenation of the parts, from each part's CRC (base64, big-endian) and size.
 * An empty list gives the CRC of no bytes.
 */
export function combineFullObjectCrc(
  algorithm: CombinableCrc,
  parts: { checksum: string; size: number }[],
): string {
  const spec = SPECS[algorithm];
  let crc = 0n; // the CRC of zero bytes is 0 for these (init and xor-out are both all ones)
  for (const part of parts) {
    crc = multiplyModP(spec, shiftOperator(spec, part.size), crc) ^ toBigInt(part.checksum);
  }
  return toBase64(crc, spec.width);
}
