import { describe, expect, it } from '@jest/globals';
import {
  InvalidNodeEntryError,
  NODES_PREFIX,
  nodeKey,
  parseNodeEntry,
} from '../../../../shared/discovery/node-entry.js';

describe('node entries', () => {
  it('round-trips a registration through its key and JSON value', () => {
    // Prepare
    const entry = { id: 'node-1', baseUrl: 'http://127.0.0.1:7001', startedAt: '2024-01-01T00:00:00.000Z' };

    // Act
    const parsed = parseNodeEntry(nodeKey(NODES_PREFIX, entry.id), JSON.stringify(entry));

    // Assess
    expect(nodeKey(NODES_PREFIX, 'node-1')).toBe('/mock-s3/nodes/node-1');
    expect(parsed).toEqual(entry);
  });

  it.each([
    ['not JSON', '/mock-s3/nodes/n1', '{'],
    ['missing baseUrl', '/mock-s3/nodes/n1', '{"id":"n1","startedAt":"x"}'],
    ['a non-HTTP URL', '/mock-s3/nodes/n1', '{"id":"n1","baseUrl":"file:///x","startedAt":"x"}'],
    ['an id unlike its key', '/mock-s3/nodes/n2', '{"id":"n1","baseUrl":"http://h:1","startedAt":"x"}'],
    ['null', '/mock-s3/nodes/n1', 'null'],
  ])('refuses %s', (_case, key, value) => {
    // Act
    const parse = () => parseNodeEntry(key, value);

    // Assess
    expect(parse).toThrow(InvalidNodeEntryError);
  });

  it('refuses a node id that would nest keys', () => {
    // Act
    const key = () => nodeKey(NODES_PREFIX, '../config/x');

    // Assess
    expect(key).toThrow(InvalidNodeEntryError);
  });
});
