import { ConfigError } from '../../shared/config/env.js';

export interface FrontConfig {
  /** nginx's S3 listener the front forwards to (FRONT_UPSTREAM), e.g. `http://127.0.0.1:8090`. */
  upstream: URL;
  /**
   * Port of the front's own `GET /metrics` listener on 127.0.0.1 (FRONT_METRICS_PORT); 0 (the
   * default): none. A port of its own, since everything on PORT is forwarded to nginx.
   */
  metricsPort: number;
}

/** The front's own variables (the shared ones come from `loadConfig`), parsed once. */
export function loadFrontConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<FrontConfig> {
  const raw = env.FRONT_UPSTREAM;
  if (!raw) throw new ConfigError('FRONT_UPSTREAM must name the upstream, e.g. http://127.0.0.1:8090');
  let upstream: URL;
  try {
    upstream = new URL(raw);
  } catch (error) {
    throw new ConfigError(`FRONT_UPSTREAM is not a URL: "${raw}"`, { cause: error });
  }
  if (upstream.protocol !== 'http:' || (upstream.pathname !== '/' && upstream.pathname !== '')) {
    throw new ConfigError(`FRONT_UPSTREAM must be http://host:port with no path, got "${raw}"`);
  }
  const rawPort = env.FRONT_METRICS_PORT || '0';
  const metricsPort = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || metricsPort > 65535) {
    throw new ConfigError(`FRONT_METRICS_PORT must be a port from 0 (off) to 65535, got "${rawPort}"`);
  }
  return Object.freeze({ upstream, metricsPort });
}
