/**
 * The one S3 error type. Every failure that reaches a client is an S3Error, rendered as the XML
 * real S3 sends: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
export const S3_ERROR_STATUS = {
  AccessControlListNotSupported: 400,
  AccessDenied: 403,
  AccessForbidden: 403,
  AuthorizationQueryParametersError: 400,
  BadRequest: 400,
  BadDigest: 400,
  BucketAlreadyExists: 409,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  ConditionalRequestConflict: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IllegalVersioningConfigurationException: 400,
  IncompleteBody: 400,
  IncorrectNumberOfFilesInPostRequest: 400,
  InternalError: 500,
  InvalidArgument: 400,
  InvalidBucketAclWithObjectOwnership: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidEncryptionAlgorithmError: 400,
  InvalidObjectState: 403,
  InvalidPart: 400,
  InvalidPartNumber: 416,
  InvalidPartOrder: 400,
  InvalidPolicyDocument: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidStorageClass: 400,
  InvalidTag: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  MalformedACLError: 400,
  MalformedPOSTRequest: 400,
  MalformedTrailerError: 400,
  MalformedXML: 400,
  MaxPostPreDataLengthExceededError: 400,
  MetadataTooLarge: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  MissingSecurityHeader: 400,
  NoSuchBucket: 404,
  NoSuchCORSConfiguration: 404,
  NoSuchKey: 404,
  NoSuchTagSet: 404,
  NoSuchUpload: 404,
  NoSuchVersion: 404,
  NotImplemented: 501,
  NotModified: 304,
  OwnershipControlsNotFoundError: 404,
  PreconditionFailed: 412,
  RequestHeaderSectionTooLarge: 400,
  RequestTimeout: 400,
  ServerSideEncryptionConfigurationNotFoundError: 404,
  ServiceUnavailable: 503,
  SlowDown: 503,
  StorageFull: 507,
  UnexpectedContent: 400,
  UserKeyMustBeSpecified: 400,
  XAmzContentSHA256Mismatch: 400,
} as const;

export type S3ErrorCode = keyof typeof S3_ERROR_STATUS;

/** Default messages, worded as S3 words them. */
export const S3_ERROR_MESSAGE = {
  AccessControlListNotSupported: 'The bucket does not allow ACLs',
  AccessDenied: 'Access Denied',
  AccessForbidden:
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
  AuthorizationQueryParametersError: 'Error parsing the X-Amz-Credential parameter',
  BadRequest: 'Bad Request',
  BadDigest: 'The Content-MD5 or checksum value that you specified did not match what the server received.',
  BucketAlreadyExists: 'The requested bucket name is not available.',
  BucketAlreadyOwnedByYou:
    'Your previous request to create the named bucket succeeded and you already own it.',
  BucketNotEmpty: 'The bucket you tried to delete is not empty',
  ConditionalRequestConflict:
    'The conditional request cannot succeed due to a conflicting operation against this resource.',
  EntityTooLarge: 'Your proposed upload exceeds the maximum allowed size',
  EntityTooSmall: 'Your proposed upload is smaller than the minimum allowed object size.',
  IllegalVersioningConfigurationException: 'The Versioning element must be specified',
  IncompleteBody: 'You did not provide the number of bytes specified by the Content-Length HTTP header.',
  IncorrectNumberOfFilesInPostRequest: 'POST requires exactly one file upload per request.',
  InternalError: 'We encountered an internal error. Please try again.',
  InvalidArgument: 'Invalid Argument',
  InvalidBucketAclWithObjectOwnership:
    "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
  InvalidBucketName: 'The specified bucket is not valid.',
  InvalidDigest: 'The Content-MD5 you specified was invalid.',
  InvalidEncryptionAlgorithmError:
    'The Encryption request you specified is not valid. Supported value: AES256.',
  InvalidObjectState: "The operation is not valid for the object's storage class",
  InvalidPart:
    "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
  InvalidPartNumber: 'The requested partnumber is not satisfiable',
  InvalidPartOrder: 'The list of parts was not in ascending order. Parts must be ordered by part number.',
  InvalidPolicyDocument: 'Invalid Policy',
  InvalidRange: 'The requested range is not satisfiable',
  InvalidRequest: 'Invalid Request',
  InvalidStorageClass: 'The storage class you specified is not valid',
  InvalidTag: 'The tag provided was not a valid tag.',
  InvalidURI: "Couldn't parse the specified URI.",
  KeyTooLongError: 'Your key is too long',
  MalformedACLError:
    'The XML you provided was not well-formed or did not validate against our published schema',
  MalformedPOSTRequest: 'The body of your POST request is not well-formed multipart/form-data.',
  MalformedTrailerError:
    'The request contained trailing data that was not well-formed or did not conform to our published schema.',
  MalformedXML: 'The XML you provided was not well-formed or did not validate against our published schema',
  MaxPostPreDataLengthExceededError: 'Your POST request fields preceding the upload file were too large.',
  MetadataTooLarge: 'Your metadata headers exceed the maximum allowed metadata size.',
  MethodNotAllowed: 'The specified method is not allowed against this resource.',
  MissingContentLength: 'You must provide the Content-Length HTTP header.',
  MissingSecurityHeader: 'Your request was missing a required header',
  NoSuchBucket: 'The specified bucket does not exist',
  NoSuchCORSConfiguration: 'The CORS configuration does not exist',
  NoSuchKey: 'The specified key does not exist.',
  NoSuchTagSet: 'The TagSet does not exist',
  NoSuchUpload:
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  NoSuchVersion: 'The specified version does not exist.',
  NotImplemented: 'A header you provided implies functionality that is not implemented',
  NotModified: 'Not Modified',
  OwnershipControlsNotFoundError: 'The bucket ownership controls were not found',
  PreconditionFailed: 'At least one of the pre-conditions you specified did not hold',
  RequestHeaderSectionTooLarge: 'Your request header section exceeds the maximum allowed size.',
  RequestTimeout:
    'Your socket connection to the server was not read from or written to within the timeout period.',
  ServerSideEncryptionConfigurationNotFoundError: 'The server side encryption configuration was not found',
  ServiceUnavailable: 'Service is unable to handle request.',
  SlowDown: 'Please reduce your request rate.',
  StorageFull: 'Storage backend has reached its minimum free drive threshold.',
  UnexpectedContent: 'This request does not support content.',
  UserKeyMustBeSpecified: 'The key of an object to delete must be specified.',
  XAmzContentSHA256Mismatch: "The provided 'x-amz-content-sha256' header does not match what was computed.",
} as const satisfies Record<S3ErrorCode, string>;

export interface S3ErrorOptions extends ErrorOptions {
  message?: string;
  /** The bucket or key the error is about: rendered as `<Resource>`. */
  resource?: string;
  /** Extra XML elements real S3 adds for some codes (e.g. `BucketName`, `Key`, `ArgumentName`). */
  detail?: Record<string, string>;
  /** Extra response headers, e.g. `Retry-After` on SlowDown. */
  headers?: Record<string, string>;
}

export class S3Error extends Error {
  override readonly name = 'S3Error';
  readonly code: S3ErrorCode;
  readonly status: number;
  readonly resource: string | undefined;
  readonly detail: Record<string, string>;
  readonly headers: Record<string, string>;

  constructor(code: S3ErrorCode, options: S3ErrorOptions = {}) {
    super(options.message ?? S3_ERROR_MESSAGE[code], options);
    this.code = code;
    this.status = S3_ERROR_STATUS[code];
    this.resource = options.resource;
    this.detail = options.detail ?? {};
    this.headers = options.headers ?? {};
  }

  /** Client errors are shown as they are; server errors never leak their cause. */
  get expose(): boolean {
    return this.status < 500;
  }

  /**
   * The error document. Every field goes through `errorText`: a Message, Resource or detail often
   * echoes what the client sent, and XML 1.0 cannot hold NUL or most other C0 controls at all
   * (not even as `&#0;`), so those become U+FFFD rather than a document no parser accepts.
   */
  toXml(requestId: string): string {
    const extra = Object.entries(this.detail)
      .map(([name, value]) => `<${name}>${errorText(value)}</${name}>`)
      .join('');
    const resource = this.resource === undefined ? '' : `<Resource>${errorText(this.resource)}</Resource>`;
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${this.code}</Code><Message>${errorText(this.message)}</Message>${extra}${resource}` +
      `<RequestId>${errorText(requestId)}</RequestId></Error>`
    );
  }

  /** Anything that is not an S3Error becomes an InternalError that does not leak its message. */
  static from(error: unknown): S3Error {
    if (error instanceof S3Error) return error;
    return new S3Error('InternalError', { cause: error });
  }
}

/** Escapes text for an XML element or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c as keyof typeof XML_ENTITIES]);
}

/** Characters XML 1.0 cannot hold: C0 controls but tab, LF and CR; lone surrogates; U+FFFE, U+FFFF. */
const NOT_XML_CHARACTER =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function errorText(text: string): string {
  return escapeXml(text.replace(NOT_XML_CHARACTER, '\ufffd'));
}

const XML_ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' } as const;
