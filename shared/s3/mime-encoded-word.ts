/**
 * RFC 2047 encoded words, as S3 returns user metadata that is not US-ASCII: "character decoded as
 * per RFC 2047 before storing and encoded as per RFC 2047 to make them mail-safe before returning"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html). A browser form (POST
 * Object) is the one way such a value arrives, since HTTP headers carry only bytes.
 */

/** Printable US-ASCII and tab: what a metadata value may be as it is. */
const SAFE = /^[\t\u0020-\u007e]*$/;

/**
 * The value as S3 returns it: unchanged when it is printable US-ASCII; otherwise one UTF-8 encoded
 * word, `Q` when most characters are ASCII (`=?UTF-8?Q?=C3=84M_S3?=`), else `B`
 * (`=?UTF-8?B?AAECAwQ=?=`), as S3 was recorded answering.
 */
export function mimeEncodedMetadataValue(value: string): string {
  if (SAFE.test(value)) return value;
  const characters = [...value];
  const ascii = characters.filter((character) => SAFE.test(character)).length;
  const bytes = Buffer.from(value, 'utf8');
  if (ascii > characters.length - ascii) return `=?UTF-8?Q?${qEncode(bytes)}?=`;
  return `=?UTF-8?B?${bytes.toString('base64')}?=`;
}

/** RFC 2047 section 4.2: space as `_`; `=`, `?`, `_` and every byte outside printable ASCII as `=XX`. */
function qEncode(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x20) out += '_';
    else if (byte > 0x20 && byte < 0x7f && byte !== 0x3d && byte !== 0x3f && byte !== 0x5f) {
      out += String.fromCharCode(byte);
    } else out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
