import { isLoopbackHost } from '../http/control-plane-guard.js';
import type { Logger } from '../telemetry/logger.js';

/** Where the two planes listen, as URLs. */
export interface PlaneAddresses {
  s3: string;
  controlPlane: string;
}

/**
 * Logs one warning at start when HOST is not a loopback address (`0.0.0.0`, a LAN address, a
 * name): then anyone who can reach the machine can read and write every object and add fault
 * rules, reset the data or flip the kill switch. Nothing is logged for a loopback HOST (the default).
 */
export function warnIfExposed(logger: Logger, host: string, planes: PlaneAddresses): void {
  if (isLoopbackHost(host)) return;
  logger.warn('HOST is not loopback: the S3 API and the control plane are reachable from the network', {
    host,
    s3: planes.s3,
    control_plane: planes.controlPlane,
    exposed: ['s3', 'control_plane'],
    note: 'no authentication on either plane; mutating control-plane calls answer only to loopback names, HOST and ADMIN_ALLOWED_HOSTS',
  });
}
