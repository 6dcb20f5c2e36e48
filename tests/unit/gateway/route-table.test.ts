import { describe, expect, it } from '@jest/globals';
import { loadRouteTable, matchRoute } from '../../../gateway/embedded/route-table.js';

describe('route table from serverless.yml', () => {
  const load = () => loadRouteTable(new URL('../../../serverless.yml', import.meta.url).pathname);

  it('puts /api/v1, /metrics and /health on the control plane and everything else on S3', async () => {
    const routes = await load();
    const control = routes.filter((route) => route.plane === 'control').map((route) => route.path);
    expect(control).toEqual(expect.arrayContaining(['/api/v1/admin/reset', '/health', '/metrics']));
    expect(
      control.every((path) => path.startsWith('/api/v1/') || path === '/health' || path === '/metrics'),
    ).toBe(true);
    expect(
      routes.filter((route) => route.plane === 's3').every((route) => route.functionName === 's3Api'),
    ).toBe(true);
  });

  it('matches a greedy key with any number of slashes and encoded characters', async () => {
    const routes = await load();
    expect(matchRoute(routes, 's3', 'PUT', '/bucket/a/b/../c%20d+e')?.path).toBe('/{bucket}/{key+}');
    expect(matchRoute(routes, 's3', 'GET', '/bucket')?.path).toBe('/{bucket}');
    expect(matchRoute(routes, 's3', 'GET', '/bucket/')?.path).toBe('/{bucket}');
    expect(matchRoute(routes, 's3', 'GET', '/')?.path).toBe('/');
    expect(matchRoute(routes, 'control', 'GET', '/bucket')).toBeUndefined();
    expect(matchRoute(routes, 'control', 'POST', '/health')).toBeUndefined();
  });

  it('serves the dashboard at / of the control plane, and ListBuckets at / of S3', async () => {
    // Prepare
    const routes = await load();
    // Act
    const control = matchRoute(routes, 'control', 'GET', '/');
    const s3 = matchRoute(routes, 's3', 'GET', '/');
    // Assess
    expect(control).toMatchObject({ functionName: 'adminDashboard', path: '/api/v1/admin/dashboard' });
    expect(s3).toMatchObject({ functionName: 's3Api', path: '/' });
    expect(matchRoute(routes, 'control', 'GET', '/api/v1/admin/dashboard/app.js')?.functionName).toBe(
      'adminDashboard',
    );
    expect(matchRoute(routes, 'control', 'POST', '/')).toBeUndefined();
  });
});
