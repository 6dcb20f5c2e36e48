import { describe, expect, it } from '@jest/globals';
import {
  decodeTask,
  encodeTaskFields,
  parseAutoClaimReply,
  parseDeliveryCounts,
  parseGroupInfo,
  parsePendingSummary,
  parseReadGroupReply,
  streamIdTimeMs,
} from '../../../../shared/queue/adapters/redis-stream-replies.js';
import type { Task } from '../../../../shared/queue/ports.js';

const upload: Task = { type: 'upload_completed', bucket: 'photos', key: 'cat.jpg', blobIds: ['b1', 'b2'] };

describe('redis stream replies', () => {
  it('decodes the task it encoded', () => {
    // Prepare
    const flat = encodeTaskFields(upload, 1700000000000);
    const fields = Object.fromEntries([
      [flat[0], flat[1]],
      [flat[2], flat[3]],
    ]);

    // Act
    const task = decodeTask(fields);

    // Assess
    expect(task).toEqual(upload);
    expect(fields.publishedAt).toBe('1700000000000');
  });

  it.each([
    ['no task field', {}],
    ['invalid JSON', { task: '{nope' }],
    ['an unknown type', { task: '{"type":"resize","blobIds":[]}' }],
    ['an upload without its key', { task: '{"type":"upload_completed","bucket":"b","blobIds":[]}' }],
    ['blob ids that are not strings', { task: '{"type":"delete_from_storage","blobIds":[1]}' }],
  ])('refuses an entry with %s', (_label, fields) => {
    // Act
    const task = decodeTask(fields);

    // Assess
    expect(task).toBeUndefined();
  });

  it('reads the entries of an XREADGROUP reply, and none from a timed-out read', () => {
    // Prepare
    const reply = [
      [
        'tasks',
        [
          ['1-0', ['task', '{}', 'publishedAt', '1']],
          ['2-0', null],
        ],
      ],
    ];

    // Act
    const entries = parseReadGroupReply(reply);
    const none = parseReadGroupReply(null);

    // Assess
    expect(entries).toEqual([
      { id: '1-0', fields: { task: '{}', publishedAt: '1' } },
      { id: '2-0', fields: undefined },
    ]);
    expect(none).toEqual([]);
  });

  it('reads the cursor, entries and deleted ids of an XAUTOCLAIM reply', () => {
    // Act
    const claimed = parseAutoClaimReply(['5-0', [['3-0', ['task', '{}']]], ['4-0']]);

    // Assess
    expect(claimed).toEqual({
      cursor: '5-0',
      entries: [{ id: '3-0', fields: { task: '{}' } }],
      deletedIds: ['4-0'],
    });
  });

  it('reads delivery counts from an XPENDING range reply', () => {
    // Act
    const counts = parseDeliveryCounts([
      ['3-0', 'consumer-a', 1200, 2],
      ['4-0', 'consumer-a', 900, 5],
    ]);

    // Assess
    expect([...counts]).toEqual([
      ['3-0', 2],
      ['4-0', 5],
    ]);
  });

  it('reads the XPENDING summary, empty or not', () => {
    // Act
    const busy = parsePendingSummary([2, '3-0', '4-0', [['consumer-a', '2']]]);
    const idle = parsePendingSummary([0, null, null, null]);

    // Assess
    expect(busy).toEqual({ count: 2, oldestId: '3-0' });
    expect(idle).toEqual({ count: 0, oldestId: undefined });
  });

  it('finds our group in XINFO GROUPS, with an unknown lag as undefined', () => {
    // Prepare
    const reply = [
      [
        'name',
        'other',
        'consumers',
        0,
        'pending',
        0,
        'last-delivered-id',
        '9-0',
        'entries-read',
        9,
        'lag',
        0,
      ],
      [
        'name',
        'async',
        'consumers',
        1,
        'pending',
        1,
        'last-delivered-id',
        '4-0',
        'entries-read',
        null,
        'lag',
        null,
      ],
    ];

    // Act
    const ours = parseGroupInfo(reply, 'async');
    const missing = parseGroupInfo(reply, 'absent');

    // Assess
    expect(ours).toEqual({ lastDeliveredId: '4-0', lag: undefined });
    expect(missing).toBeUndefined();
  });

  it('reads the time of a stream id', () => {
    // Act
    const ms = streamIdTimeMs('1700000000123-7');

    // Assess
    expect(ms).toBe(1700000000123);
  });
});
