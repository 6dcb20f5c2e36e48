import { existsSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { loadFrontConfig } from '../../../gateway/front/config.js';
import { loadConfig } from '../../../shared/config/env.js';
import { loadStorageNodeConfig } from '../../../workers/storage-node/config.js';
import { loadCompose, nodeServices, readRepoFile, repoRoot } from './compose-file.js';

// Compose cannot run on the CI machines (no Docker engine): keep the file valid and its paths real.
describe('docker-compose.yml', () => {
  const compose = loadCompose();
  const services = compose.services;
  const stackServices = ['node-1', 'node-2', 'node-3', 'offline-1', 'offline-2', 'front'];

  /** The variable names the Node processes read: env.ts, the worker's and the front's config, offline.sh. */
  const knownVariables = new Set(
    [
      'shared/config/env.ts',
      'workers/storage-node/config.ts',
      'gateway/front/config.ts',
      'scripts/offline.sh',
    ].flatMap((file) =>
      [...readRepoFile(file).matchAll(/env(?:\.|, ')([A-Z][A-Z0-9_]+)|\$\{?([A-Z][A-Z0-9_]+)/g)].map(
        (match) => match[1] ?? match[2],
      ),
    ),
  );

  it('builds every service from an existing Dockerfile or names a pinned image', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) {
        expect({
          name,
          exists: existsSync(new URL(`${service.build.context}/${service.build.dockerfile}`, repoRoot)),
        }).toEqual({ name, exists: true });
      } else {
        expect({ name, image: service.image }).toEqual({
          name,
          image: expect.stringMatching(/^[\w./-]+:[\w.-]+$/),
        });
        expect({ name, latest: service.image?.endsWith(':latest') }).toEqual({ name, latest: false });
      }
    }
  });

  it('has the whole stack topology, with embedded mode behind a profile', () => {
    const expected = [
      ...stackServices,
      'postgres',
      'redis',
      'etcd',
      'nginx',
      'otel-collector',
      'elasticsearch',
      'kibana',
      'prometheus',
      'embedded',
    ];
    expect(Object.keys(services)).toEqual(expect.arrayContaining(expected));
    expect(services.embedded?.profiles).toEqual(['embedded']);
    const unprofiled = Object.entries(services).filter(([, service]) => !service.profiles);
    expect(unprofiled.map(([name]) => name)).not.toContain('embedded');
  });

  it('depends only on defined services, waiting for health where the target has a healthcheck', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect({ name, target, defined: target in services }).toEqual({ name, target, defined: true });
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy') {
          expect({ name, target, healthcheck: Boolean(services[target]?.healthcheck) }).toEqual({
            name,
            target,
            healthcheck: true,
          });
        }
      }
    }
  });

  it('gives every long-running service of the stack a healthcheck', () => {
    for (const name of [...stackServices, 'postgres', 'redis', 'etcd', 'nginx', 'elasticsearch', 'kibana']) {
      expect({ name, test: services[name]?.healthcheck?.test?.[0] }).toEqual({ name, test: 'CMD' });
    }
  });

  it('mounts only repository files that exist, and only declared named volumes', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const mount of service.volumes ?? []) {
        const source = mount.split(':')[0] ?? '';
        if (source.startsWith('./')) {
          expect({ name, source, exists: existsSync(new URL(source, repoRoot)) }).toEqual({
            name,
            source,
            exists: true,
          });
        } else if (!source.startsWith('/')) {
          expect({ name, volume: source, declared: source in compose.volumes }).toEqual({
            name,
            volume: source,
            declared: true,
          });
        }
      }
    }
  });

  it('runs commands that exist in the image', () => {
    for (const [name, service] of nodeServices(compose)) {
      const files = (service.command ?? []).filter((part) => /\.(ts|sh|mjs)$/.test(part));
      for (const file of files) {
        expect({ name, file, exists: existsSync(new URL(file, repoRoot)) }).toEqual({
          name,
          file,
          exists: true,
        });
      }
    }
  });

  it('sets only variables the processes read (no typos)', () => {
    for (const [name, service] of nodeServices(compose)) {
      for (const variable of Object.keys(service.environment ?? {})) {
        // OTEL_* are the OpenTelemetry SDK's own variables (the SDK reads them, and
        // shared/config/env.ts reads the per-signal ones by a computed name).
        const known = knownVariables.has(variable) || variable.startsWith('OTEL_');
        expect({ name, variable, known }).toEqual({
          name,
          variable,
          known: true,
        });
      }
    }
  });

  it('configures the stack services as scripts/stack.sh does, with a valid environment', () => {
    for (const name of stackServices) {
      const env = services[name]?.environment ?? {};
      expect({ name, env }).toEqual({
        name,
        env: expect.objectContaining({
          ADMIN_PORT: '9000',
          METADATA_BACKEND: 'postgres',
          DATABASE_URL: expect.stringMatching(/^postgres:\/\/[^@]+@postgres:5432\/\w+$/),
          CACHE_BACKEND: 'redis',
          QUEUE_BACKEND: 'redis',
          REDIS_URL: 'redis://redis:6379',
          DISCOVERY_BACKEND: 'etcd',
          ETCD_URL: 'http://etcd:2379',
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
        }),
      });
      const portVariable = name.startsWith('node-') ? 'NODE_PORT' : 'PORT';
      expect({ name, port: env[portVariable] }).toEqual({ name, port: expect.stringMatching(/^\d+$/) });
      // The processes' own validation: a bad value would stop the container at start-up.
      expect(() => loadConfig(env)).not.toThrow();
    }
  });

  it('registers each storage node under an address the offline instances can reach', () => {
    for (const name of ['node-1', 'node-2', 'node-3']) {
      const config = loadStorageNodeConfig(services[name]?.environment ?? {});
      expect(config).toMatchObject({ nodeId: name, host: '0.0.0.0', etcdUrl: 'http://etcd:2379' });
      expect(config.advertiseUrl).toBe(`http://${name}:${config.port}`);
      expect(services[name]?.healthcheck?.test).toContain(`http://127.0.0.1:${config.port}/health`);
    }
  });

  it('chains front -> nginx -> offline on matching ports, publishing the S3 and control ports', () => {
    const front = services.front;
    const nginx = services.nginx;
    const upstream = loadFrontConfig(front?.environment ?? {}).upstream;
    expect(upstream.hostname).toBe('nginx');
    expect(upstream.port).toBe(nginx?.environment?.NGINX_S3_PORT);
    for (const [index, name] of ['offline-1', 'offline-2'].entries()) {
      const offline = services[name];
      expect(nginx?.environment?.[`NGINX_OFFLINE_${index + 1}`]).toBe(
        `${name}:${offline?.environment?.PORT}`,
      );
      expect(offline?.healthcheck?.test).toContain(`http://127.0.0.1:${offline?.environment?.PORT}/health`);
    }
    expect(front?.ports).toContain(`${front?.environment?.PORT}:${front?.environment?.PORT}`);
    expect(nginx?.ports).toContain(`${nginx?.environment?.ADMIN_PORT}:${nginx?.environment?.ADMIN_PORT}`);
    expect(nginx?.environment?.ADMIN_PORT).toBe(front?.environment?.ADMIN_PORT);
  });

  it('targets Prometheus scrapes at defined services on the ports they serve /metrics on', async () => {
    const { parse } = await import('yaml');
    const prometheus = parse(readRepoFile('infrastructure/prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = prometheus.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets));
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      const [host, port] = target.split(':');
      const env = services[host ?? '']?.environment ?? {};
      expect({ target, defined: host !== undefined && host in services }).toEqual({ target, defined: true });
      // The control plane (PORT, ADMIN_PORT), the front's FRONT_METRICS_PORT, a worker's NODE_PORT.
      expect([env.PORT, env.ADMIN_PORT, env.FRONT_METRICS_PORT, env.NODE_PORT]).toContain(port);
    }
  });

  it('builds an image that installs with .npmrc and the patches, then bundles the handlers', () => {
    const dockerfile = readRepoFile('infrastructure/Dockerfile');
    const install = dockerfile.indexOf('RUN npm ci');
    expect(dockerfile.search(/COPY [^\n]*\.npmrc/)).toBeGreaterThan(-1);
    expect(dockerfile.search(/COPY [^\n]*\.npmrc/)).toBeLessThan(install);
    expect(dockerfile.search(/COPY patches /)).toBeGreaterThan(-1);
    expect(dockerfile.search(/COPY patches /)).toBeLessThan(install);
    expect(dockerfile).toMatch(/RUN node scripts\/build\.mjs/);
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.esbuild', '.git']));
    expect(ignored).not.toContain('patches');
    expect(ignored).not.toContain('.npmrc');
  });
});
