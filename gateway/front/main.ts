import { loadConfig } from '../../shared/config/env.js';
import { createRateLimiter } from '../../shared/http/rate-limit.js';
import { followFaultRules } from '../../shared/injection/follow-fault-rules.js';
import { systemClock } from '../../shared/runtime/clock.js';
import { warnIfExposed } from '../../shared/runtime/exposure-warning.js';
import { runMain } from '../../shared/runtime/run-main.js';
import { serveMetrics } from '../../shared/telemetry/metrics-endpoint.js';
import { createProcessTelemetry } from '../../shared/telemetry/process-telemetry.js';
import { loadFrontConfig } from './config.js';
import { createSocketFaultFront } from './socket-fault-front.js';

/**
 * The socket-fault front of stack mode (`scripts/stack.sh` starts it): owns the client socket on
 * PORT and forwards to nginx (FRONT_UPSTREAM), applying `gateway.socket` faults.
 *
 * Rules: this process has its own fault engine, off unless FAULTS_ENABLED (or the config switch).
 * With METADATA_BACKEND=postgres (as `npm run stack` starts it) it follows the rules the control
 * plane stores in PostgreSQL and announces on Redis, like every serverless-offline instance.
 *
 * Telemetry (service `gateway-front`): a SERVER span per request, the parent of the upstream hop;
 * `GET /metrics` on 127.0.0.1:FRONT_METRICS_PORT when set.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const frontConfig = loadFrontConfig();
  const telemetry = createProcessTelemetry({
    service: 'gateway-front',
    logLevel: config.logLevel,
    ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}),
    otlpExport: config.otlpExport,
    metricExportIntervalMs: config.otlpMetricExportIntervalMs,
  });
  const { tracing, metrics } = telemetry;
  const logger = telemetry.logger.child({ service: 'front' });
  const faults = await followFaultRules(config, logger, `front:${config.port}`, metrics);
  const { engine } = faults;
  const front = createSocketFaultFront({
    upstream: frontConfig.upstream,
    engine,
    logger,
    maxBodyBytes: config.gateway.maxBodyBytes,
    s3Domain: config.s3Domain,
    tracer: tracing.tracer,
    metrics,
    rateLimit: createRateLimiter({
      limit: () => faults.live?.get('gateway.rateLimit') ?? 0,
      clock: systemClock,
    }),
  });
  await new Promise<void>((resolve, reject) => {
    front.server.once('error', reject);
    front.server.listen(config.port, config.host, () => resolve());
  });
  // On the front's own host (HOST): loopback beside scripts/telemetry.sh's Prometheus, all
  // interfaces in compose, where Prometheus runs in another container.
  const metricsServer =
    frontConfig.metricsPort > 0
      ? await serveMetrics(metrics.registry, frontConfig.metricsPort, config.host)
      : undefined;
  logger.info('socket-fault front ready', {
    s3: `http://${config.host}:${config.port}`,
    ...(metricsServer ? { metrics: `http://${config.host}:${frontConfig.metricsPort}/metrics` } : {}),
    upstream: frontConfig.upstream.href,
    faults_enabled: engine.status().enabled,
    rules_synced: faults.following,
  });
  // Stack mode's control plane is nginx on the same HOST (scripts/stack.sh): the front speaks for both.
  warnIfExposed(logger, config.host, {
    s3: `http://${config.host}:${config.port}`,
    controlPlane: `http://${config.host}:${config.adminPort}`,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('front stopping', { signal });
    await front.close();
    metricsServer?.close();
    await faults.close();
    await telemetry.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

runMain('socket-fault front', main);
