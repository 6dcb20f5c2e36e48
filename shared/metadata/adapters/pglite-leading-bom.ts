import type { messages } from '@electric-sql/pglite';

/** U+FEFF (BYTE ORDER MARK, also ZERO WIDTH NO-BREAK SPACE) in UTF-8. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Backend message type of a DataRow ('D'). */
const DATA_ROW = 0x44;

/** Decodes UTF-8 as it is: a leading U+FEFF is a character of the value, not a byte order mark. */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Puts back the U+FEFF that PGlite's protocol parser drops from the start of a text value.
 *
 * PGlite decodes each field of a DataRow with `new TextDecoder('utf-8')`, whose default
 * `ignoreBOM: false` treats a leading U+FEFF as a byte order mark and strips it. An object key
 * `\uFEFFvictim` then read back as `victim`, and CompleteMultipartUpload of the first wrote the
 * second (the upload's key came back without its first character). `data` is the raw reply the
 * messages were parsed from: each field starting with EF BB BF is decoded again, whole, into the
 * DataRow it belongs to. Replies without those bytes anywhere (nearly all) are left untouched.
 */
export function restoreLeadingBoms(parsed: messages.BackendMessage[], data: Uint8Array): void {
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (raw.indexOf(BOM) < 0) return;
  const rows = parsed.filter((message): message is messages.DataRowMessage => message.name === 'dataRow');
  let row = 0;
  // Every backend message: a type byte, then an int32 length that counts itself but not the type.
  for (let offset = 0; offset + 5 <= raw.length; ) {
    const type = raw[offset]!;
    const length = raw.readInt32BE(offset + 1);
    if (type === DATA_ROW) restoreRow(raw, offset + 5, rows[row++]);
    offset += 1 + length;
  }
}

/** A DataRow's payload: an int16 field count, then per field an int32 length (-1: NULL) and bytes. */
function restoreRow(raw: Buffer, start: number, row: messages.DataRowMessage | undefined): void {
  if (!row) return;
  const count = raw.readInt16BE(start);
  let offset = start + 2;
  for (let field = 0; field < count; field++) {
    const length = raw.readInt32BE(offset);
    offset += 4;
    if (length < 0) continue;
    if (length >= BOM.length && raw.compare(BOM, 0, BOM.length, offset, offset + BOM.length) === 0) {
      row.fields[field] = utf8.decode(raw.subarray(offset, offset + length));
    }
    offset += length;
  }
}
