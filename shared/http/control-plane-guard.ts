/**
 * The cross-site guard of the control plane: a web page the operator happens to open must not be
 * able to add rules, flip the kill switch or wipe the data. A browser can send a cross-site POST
 * without asking first (a "simple request") only with a form or text content type, or none, and
 * always names its page in `Origin`; a DNS-rebinding page reaches the loopback address under its
 * own host name. So a mutating call must carry JSON (or no body at all), no foreign `Origin`, and a
 * `Host` the control plane answers to.
 */

/** Methods that change something; GET and HEAD are views. */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Host names that always mean this machine. */
const LOOPBACK_NAMES = new Set(['localhost', '::1']);

/** Why a request was refused: an HTTP status, a code and a message for the JSON error. */
export interface GuardRefusal {
  status: 403 | 415;
  code: 'ForbiddenOrigin' | 'ForbiddenHost' | 'UnsupportedMediaType';
  message: string;
}

/** What the guard reads of a request. */
export interface GuardedRequest {
  method: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** Bytes in the body (0: none). */
  bodyLength: number;
}

/** The host names a mutating call may name in `Host`, besides the loopback ones. */
export interface ControlPlaneHosts {
  /** The bound `HOST` (unless a wildcard address) and `ADMIN_ALLOWED_HOSTS`, lower-case. */
  allowed: ReadonlySet<string>;
}

/**
 * The names a control plane bound to `host` answers to: loopback names always, `host` itself when
 * it is an address or name (not `0.0.0.0`/`::`), and the configured extra names.
 */
export function controlPlaneHosts(host: string, extra: readonly string[]): ControlPlaneHosts {
  const allowed = new Set(extra.map((name) => name.toLowerCase()));
  if (!isWildcardAddress(host)) allowed.add(unbracket(host.toLowerCase()));
  return { allowed };
}

/** True for an address that binds every interface. */
export function isWildcardAddress(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

/** True for a loopback name or address (`localhost`, 127.0.0.0/8, `::1`). */
export function isLoopbackHost(host: string): boolean {
  const name = unbracket(host.toLowerCase());
  return LOOPBACK_NAMES.has(name) || /^127(\.\d{1,3}){3}$/.test(name);
}

/**
 * Checks a control-plane request. Views (GET, HEAD, OPTIONS) pass; a mutating call is refused when
 * its `Host` is not a name of this control plane (DNS rebinding: 403 ForbiddenHost), when it names
 * an `Origin` other than the control plane's own (403 ForbiddenOrigin), or when it has a body or a
 * content type that is not `application/json` (415 UnsupportedMediaType). No `Origin` (curl, the
 * CLI, SDKs) and a body-less call with no content type (`POST /disable-all` from curl) are fine.
 */
export function checkControlRequest(
  request: GuardedRequest,
  hosts: ControlPlaneHosts,
): GuardRefusal | undefined {
  if (!MUTATING.has(request.method.toUpperCase())) return undefined;
  const host = request.headers.host;
  if (host === undefined || !isKnownHost(hostName(host), hosts)) {
    return {
      status: 403,
      code: 'ForbiddenHost',
      message: `Host ${JSON.stringify((host ?? '').slice(0, 200))} is not a name of this control plane; add it to ADMIN_ALLOWED_HOSTS to allow it`,
    };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !isSameOrigin(origin, host)) {
    return {
      status: 403,
      code: 'ForbiddenOrigin',
      message: `cross-site request refused: Origin ${JSON.stringify(origin.slice(0, 200))} is not this control plane`,
    };
  }
  const contentType = request.headers['content-type'];
  if (contentType === undefined ? request.bodyLength > 0 : !isJson(contentType)) {
    return {
      status: 415,
      code: 'UnsupportedMediaType',
      message: `a control-plane call sends application/json (or no body and no Content-Type), got ${JSON.stringify((contentType ?? 'none').slice(0, 100))}`,
    };
  }
  return undefined;
}

function isKnownHost(name: string, hosts: ControlPlaneHosts): boolean {
  return isLoopbackHost(name) || hosts.allowed.has(name);
}

/** `Origin` is `scheme://host[:port]`: the same origin names the same host and port as `Host`. */
function isSameOrigin(origin: string, host: string): boolean {
  if (!URL.canParse(origin)) return false;
  const url = new URL(origin);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const own = `${url.protocol}//${host}`;
  return URL.canParse(own) && url.host === new URL(own).host;
}

function isJson(contentType: string): boolean {
  return contentType.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

/** The name in a `Host` header, without the port, lower-case (`[::1]:9000` -> `::1`). */
function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('['))
    return value.slice(1, value.indexOf(']') === -1 ? undefined : value.indexOf(']'));
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

function unbracket(name: string): string {
  return name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
}
