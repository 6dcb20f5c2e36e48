/**
 * SigV4-looking headers that every target receives alike. None of the targets verifies the signature
 * (s3rver 3.7 only checks the header's shape, the access key `S3RVER` and that `x-amz-date` is within
 * 15 minutes; mock-s3 accepts any signature by design), so a fixed signature is enough.
 */
export function fakeSigV4Headers(now: Date = new Date()): Record<string, string> {
  return {
    authorization:
      'AWS4-HMAC-SHA256 Credential=S3RVER/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    'x-amz-date': now.toISOString().replace(/[:-]|\.\d{3}/g, ''),
  };
}
