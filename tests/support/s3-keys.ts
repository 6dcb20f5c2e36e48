import fc from 'fast-check';

/** Seed of every key property test: a failure names its run, and the same seed replays it. */
export const KEY_PROPERTY_SEED = 20_261_206;

const BOM = '\uFEFF';

const inRange = (min: number, max: number): fc.Arbitrary<string> =>
  fc.integer({ min, max }).map((codePoint) => String.fromCodePoint(codePoint));

/**
 * One character of an S3 key, weighted towards the ones that broke round trips: U+FEFF (a decoder
 * that takes it for a byte order mark drops it), combining marks, astral planes (two UTF-16
 * units), every control character S3 accepts (U+0001-U+001F, U+007F-U+009F; NUL is refused here
 * with InvalidArgument), characters with meaning in URLs and XML, and the rest of Unicode's scalar
 * values (no lone surrogate: it has no UTF-8 form).
 */
const keyCharacter: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc.constantFrom(BOM, '/', ' ', '.', '%', '+', '&', '<', '>', '?', '#', '"', "'", '\\'),
    weight: 3,
  },
  { arbitrary: inRange(0x21, 0x7e), weight: 3 },
  { arbitrary: inRange(0x01, 0x1f), weight: 2 },
  { arbitrary: inRange(0x7f, 0x9f), weight: 1 },
  { arbitrary: inRange(0x0300, 0x036f), weight: 2 },
  { arbitrary: inRange(0x00a0, 0xd7ff), weight: 1 },
  { arbitrary: inRange(0xe000, 0xfffd), weight: 1 },
  { arbitrary: inRange(0x1_0000, 0x10_ffff), weight: 2 },
);

/**
 * A valid S3 key (1-1024 bytes of UTF-8, no NUL), half of them starting with U+FEFF. At most 32
 * characters (128 bytes), so runs stay fast; the 1024-byte limit has tests of its own.
 */
export const s3Key: fc.Arbitrary<string> = fc
  .tuple(fc.boolean(), fc.string({ unit: keyCharacter, minLength: 1, maxLength: 32 }))
  .map(([leadingBom, rest]) => (leadingBom ? `${BOM}${rest}` : rest));

const range = (first: number, last: number): string =>
  String.fromCodePoint(...Array.from({ length: last - first + 1 }, (_, n) => first + n));

/**
 * Keys every property run starts with, before the random ones: every control character S3
 * accepts in one key, and U+FEFF with a combining mark and an astral character.
 */
export const KEY_EXAMPLES: [string][] = [
  [`controls${range(0x01, 0x1f)}${range(0x7f, 0x9f)}`],
  [`${BOM}e\u0301/\u{1F600}/${BOM}`],
];

/** `key` with a U+FEFF in front: a different key, which must never be confused with `key`. */
export function withLeadingBom(key: string): string {
  return `${BOM}${key}`;
}
