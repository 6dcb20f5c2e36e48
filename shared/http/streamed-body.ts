/**
 * Bodies larger than this travel as streams in embedded mode (requests to PutObject / UploadPart,
 * GetObject responses); smaller ones stay whole buffers. 1 MiB: below it a body is one or a few
 * socket reads and one blob write, so a stream's setup (a pipeline, hash objects fed chunk by
 * chunk, a temp file written in pieces) costs more than holding the bytes; above it the bytes held
 * per request grow with the object, which is what streaming is for. S3's own SDKs switch to
 * multipart at 8 MiB and send 5-16 MiB parts, so every part is streamed.
 */
export const STREAMED_BODY_MIN_BYTES = 1024 * 1024;
