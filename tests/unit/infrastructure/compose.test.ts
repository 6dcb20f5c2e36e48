import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

// Compose cannot run on the CI machines (no Docker engine): keep the file valid and its paths real.
describe('docker-compose.yml', () => {
  const root = new URL('../../../', import.meta.url);
  const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as {
    services: Record<
      string,
      { build?: { context: string; dockerfile: string }; image?: string; volumes?: string[] }
    >;
  };

  it('builds every service from an existing Dockerfile or names an image', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) {
        expect(existsSync(new URL(`${service.build.context}/${service.build.dockerfile}`, root))).toBe(true);
      } else {
        expect({ name, image: service.image }).toEqual({
          name,
          image: expect.stringMatching(/^[\w./-]+:[\w.-]+$/),
        });
      }
    }
  });

  it('mounts only files that exist in the repository', () => {
    const mounts = Object.values(compose.services).flatMap((service) => service.volumes ?? []);
    for (const mount of mounts.filter((volume) => volume.startsWith('./'))) {
      expect(existsSync(new URL(mount.split(':')[0]!, root))).toBe(true);
    }
  });
});
