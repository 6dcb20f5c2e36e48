import { describe, expect, it } from '@jest/globals';
import {
  checkControlRequest,
  controlPlaneHosts,
  isLoopbackHost,
} from '../../../../shared/http/control-plane-guard.js';

const hosts = controlPlaneHosts('192.168.1.20', ['drills.lan']);

function check(method: string, headers: Record<string, string>, bodyLength = 0) {
  return checkControlRequest({ method, headers, bodyLength }, hosts)?.code;
}

describe('checkControlRequest', () => {
  it.each([
    ['a view from anywhere', 'GET', { host: 'evil.example', origin: 'https://evil.example' }, 0, undefined],
    ['curl: no body, no content type', 'POST', { host: '127.0.0.1:9000' }, 0, undefined],
    ['the CLI: JSON', 'POST', { host: 'localhost:9000', 'content-type': 'application/json' }, 9, undefined],
    ['IPv6 loopback', 'DELETE', { host: '[::1]:9000' }, 0, undefined],
    [
      'the bound HOST',
      'PATCH',
      { host: '192.168.1.20:9000', 'content-type': 'application/json' },
      2,
      undefined,
    ],
    ['an allowed name', 'PUT', { host: 'DRILLS.lan:9000', 'content-type': 'application/json' }, 2, undefined],
    ['same origin', 'POST', { host: 'localhost:9000', origin: 'http://localhost:9000' }, 0, undefined],
    [
      'another port of the same host',
      'POST',
      { host: 'localhost:9000', origin: 'http://localhost:3000' },
      0,
      'ForbiddenOrigin',
    ],
    [
      'a foreign origin',
      'POST',
      { host: 'localhost:9000', origin: 'https://evil.example' },
      0,
      'ForbiddenOrigin',
    ],
    ['a null origin', 'POST', { host: 'localhost:9000', origin: 'null' }, 0, 'ForbiddenOrigin'],
    ['a rebound name', 'POST', { host: 'evil.example:9000' }, 0, 'ForbiddenHost'],
    ['no Host', 'POST', {}, 0, 'ForbiddenHost'],
    [
      'text/plain',
      'POST',
      { host: 'localhost:9000', 'content-type': 'text/plain' },
      0,
      'UnsupportedMediaType',
    ],
    [
      'a form',
      'POST',
      { host: 'localhost', 'content-type': 'multipart/form-data; boundary=x' },
      5,
      'UnsupportedMediaType',
    ],
    ['a body without a type', 'POST', { host: 'localhost' }, 5, 'UnsupportedMediaType'],
  ])('%s', (_name, method, headers, bodyLength, expected) => {
    expect(check(method, headers as Record<string, string>, bodyLength)).toBe(expected);
  });

  it('a wildcard HOST adds no name: 0.0.0.0 in Host is refused', () => {
    const wildcard = controlPlaneHosts('0.0.0.0', []);
    expect(
      checkControlRequest({ method: 'POST', headers: { host: '0.0.0.0:9000' }, bodyLength: 0 }, wildcard)
        ?.code,
    ).toBe('ForbiddenHost');
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['10.0.0.5', false],
    ['example.com', false],
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
