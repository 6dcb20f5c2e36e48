import { describe, expect, it } from '@jest/globals';
import { compileEndpoint, compileGlob, matcherOf, matchesRule } from '../../../../shared/faults/match.js';
import { parseRule } from '../../../../shared/faults/parse-rule.js';
import { RuleValidationError } from '../../../../shared/faults/validation.js';
import { parseOptions, s3Event } from './fault-fixtures.js';

function ruleMatching(match: Record<string, unknown>) {
  return parseRule({ match, fault: { type: 'latency', ms: 1 } }, parseOptions());
}

describe('compileEndpoint', () => {
  it.each([
    ['PUT /:bucket/:key', 'PUT', '/photos/a.jpg', true],
    ['PUT /:bucket/:key', 'PUT', '/photos/2024/01/02/a.jpg', true],
    ['PUT /:bucket/:key', 'PUT', '/photos/a.jpg?partNumber=2&uploadId=u1', true],
    ['PUT /:bucket/:key', 'PUT', '/photos/dir//x/', true],
    ['PUT /:bucket/:key', 'PUT', '/photos', false],
    ['PUT /:bucket/:key', 'PUT', '/photos/', false],
    ['PUT /:bucket/:key', 'GET', '/photos/a.jpg', false],
    ['PUT /:bucket', 'PUT', '/photos', true],
    ['PUT /:bucket', 'PUT', '/photos/', true],
    ['PUT /:bucket', 'PUT', '/photos/a', false],
    ['/:bucket/:key', 'DELETE', '/b/k', true],
    ['* /:bucket/:key', 'HEAD', '/b/k', true],
    ['GET /*', 'GET', '/anything/at/all', true],
    ['GET /logs/*.gz', 'GET', '/logs/2024/a.gz', true],
    ['GET /logs/*.gz', 'GET', '/logs/2024/a.gzip', false],
    ['GET /:bucket/:key', 'get', '/b/k', true],
    ['GET /', 'GET', '/', true],
  ])('%s against %s %s is %s', (pattern, method, path, expected) => {
    // Prepare
    const rule = ruleMatching({ endpoint: pattern });

    // Act / Assess
    expect(matchesRule(rule, s3Event(method, path))).toBe(expected);
  });

  it('refuses a malformed pattern naming match.endpoint', () => {
    // Act / Assess
    expect(() => compileEndpoint('PUT photos')).toThrow(RuleValidationError);
    expect(compileEndpoint('/x').method).toBeUndefined();
  });

  it('tells the literal start of every path it matches', () => {
    // Act / Assess
    expect(compileEndpoint('GET /:bucket/:key').literalPrefix).toBe('/');
    expect(compileEndpoint('GET /photos/:key').literalPrefix).toBe('/photos/');
    expect(compileEndpoint('/pho*/x').literalPrefix).toBe('/pho');
    expect(compileEndpoint('PUT /reports/daily').literalPrefix).toBe('/reports/daily');
    expect(compileEndpoint('/').literalPrefix).toBe('/');
  });
});

describe('compileGlob', () => {
  it.each([
    ['2024/*', '2024/01/a.jpg', true],
    ['2024/*', '2023/01/a.jpg', false],
    ['*.jpg', 'deep/dir/a.jpg', true],
    ['a.b', 'axb', false],
    ['a+(b)', 'a+(b)', true],
    ['*', '', true],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
  ])('%s against %s is %s', (glob, text, expected) => {
    // Act / Assess
    expect(compileGlob(glob).test(text)).toBe(expected);
  });
});

describe('matchesRule', () => {
  it('matches bucket and key globs, a missing bucket never matching', () => {
    // Prepare
    const rule = ruleMatching({ bucket: 'photo*', key: '2024/*' });

    // Act / Assess
    expect(matchesRule(rule, s3Event('GET', '/photos/2024/x/y.png'))).toBe(true);
    expect(matchesRule(rule, s3Event('GET', '/logs/2024/x'))).toBe(false);
    expect(matchesRule(rule, s3Event('GET', '/photos/2023/x'))).toBe(false);
    expect(matchesRule(rule, { service: 's3-api', point: 'http.server' })).toBe(false);
  });

  it('compares header values exactly, with case-insensitive names', () => {
    // Prepare
    const rule = ruleMatching({ headers: { 'X-Test-Case': 't42' } });

    // Act / Assess
    expect(matchesRule(rule, s3Event('GET', '/b/k', { headers: { 'x-test-case': 't42' } }))).toBe(true);
    expect(matchesRule(rule, s3Event('GET', '/b/k', { headers: { 'x-test-case': 'T42' } }))).toBe(false);
    expect(matchesRule(rule, s3Event('GET', '/b/k'))).toBe(false);
  });

  it('bounds the size, an unknown size never matching a bounded rule', () => {
    // Prepare
    const rule = ruleMatching({ minSize: 10, maxSize: 100 });

    // Act / Assess
    expect(matchesRule(rule, s3Event('PUT', '/b/k', { size: 10 }))).toBe(true);
    expect(matchesRule(rule, s3Event('PUT', '/b/k', { size: 100 }))).toBe(true);
    expect(matchesRule(rule, s3Event('PUT', '/b/k', { size: 9 }))).toBe(false);
    expect(matchesRule(rule, s3Event('PUT', '/b/k', { size: 101 }))).toBe(false);
    expect(matchesRule(rule, s3Event('PUT', '/b/k'))).toBe(false);
  });

  it('matches service, point, operation and node', () => {
    // Prepare
    const rule = parseRule(
      {
        match: { service: 'storage-node', point: 'node.read', node: 'node-2' },
        fault: { type: 'node_down' },
      },
      parseOptions(),
    );
    const read = { service: 'storage-node', point: 'node.read', node: 'node-2' } as const;

    // Act / Assess
    expect(matchesRule(rule, read)).toBe(true);
    expect(matchesRule(rule, { ...read, node: 'node-1' })).toBe(false);
    expect(matchesRule(rule, { ...read, point: 'node.write' })).toBe(false);
    expect(matchesRule(rule, { ...read, service: 'storage' })).toBe(false);
    const op = ruleMatching({ operation: 'PutObject' });
    expect(matchesRule(op, s3Event('PUT', '/b/k', { operation: 'PutObject' }))).toBe(true);
    expect(matchesRule(op, s3Event('PUT', '/b/k', { operation: 'UploadPart' }))).toBe(false);
  });

  it('names the first field an event fails, and compiles a rule once', () => {
    // Prepare
    const rule = ruleMatching({ bucket: 'photos', key: 'a/*' });

    // Act
    const mismatch = matcherOf(rule).mismatch(s3Event('GET', '/photos/b/c'));

    // Assess
    expect(mismatch).toBe('match.key');
    expect(matcherOf(rule)).toBe(matcherOf(rule));
  });
});
