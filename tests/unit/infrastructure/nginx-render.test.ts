import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadCompose, repoRoot } from './compose-file.js';

// The compose nginx service renders the template scripts/stack.sh renders; run its renderer here
// without nginx (NGINX_EXEC=0) and look at the result.
describe('infrastructure/nginx/render-nginx.sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mock-s3-nginx-render-'));
  const root = fileURLToPath(repoRoot);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function render(extra: Record<string, string> = {}): string {
    const conf = join(dir, 'nginx.conf');
    const environment = loadCompose().services.nginx?.environment ?? {};
    execFileSync('sh', [join(root, 'infrastructure/nginx/render-nginx.sh')], {
      env: {
        PATH: process.env.PATH,
        ...environment,
        ...extra,
        NGINX_EXEC: '0',
        NGINX_TEMPLATE: join(root, 'gateway/nginx/nginx.conf.template'),
        NGINX_CONF: conf,
        NGINX_RUN_DIR: join(dir, 'run'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return readFileSync(conf, 'utf8');
  }

  it('fills every placeholder of the template with the compose service environment', () => {
    const conf = render();
    const active = conf.split('\n').filter((line) => !line.trim().startsWith('#'));
    expect(active.join('\n')).not.toMatch(/@@[A-Z0-9_]+@@/);
    expect(conf).toContain('server offline-1:3000 max_fails=1');
    expect(conf).toContain('server offline-2:3000 max_fails=1');
    expect(conf).toMatch(/listen 7180;/);
    expect(conf).toMatch(/listen 9000;/);
    expect(conf).toContain('client_max_body_size 134217728;');
    expect(conf).not.toContain('limit_req ');
  });

  it('sends / of the control server to the dashboard route, and keeps it off the S3 server', () => {
    const conf = render();
    const [s3Server, controlServer] = conf.split(/\n\s*server \{/).slice(1);
    expect(controlServer).toContain(
      'location = / { proxy_pass http://mock_s3_offline/api/v1/admin/dashboard; }',
    );
    // On the S3 server `/` stays ListBuckets and /api/v1/ (the dashboard's paths too) is refused.
    expect(s3Server).not.toContain('/api/v1/admin/dashboard');
    expect(s3Server).toContain('location /api/v1/ { return 404; }');
  });

  it('turns the rate limit on as scripts/stack.sh does', () => {
    const conf = render({ STACK_RATE_LIMIT_RPS: '50' });
    expect(conf).toContain('rate=50r/s');
    expect(conf).toContain('limit_req zone=mock_s3_rate burst=100 nodelay;');
  });
});
