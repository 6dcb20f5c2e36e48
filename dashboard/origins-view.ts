import { byId, el } from './dom.js';
import { emptyRow } from './faults-view.js';
import type { OriginView } from './views.js';

/** How each breaker state is drawn: closed is healthy, half-open is on trial, open refuses fetches. */
const BREAKER_PILL = { closed: 'ok', 'half-open': 'warn', open: 'bad' } as const;

/**
 * One row per origin in force: the local bucket, where it reads through to, where the config comes
 * from, and this instance's breaker and fetch counters (none on a host without origin fallback).
 */
export function renderOrigins(origins: readonly OriginView[]): void {
  const rows = origins.map((origin) => {
    const status = origin.status;
    return el(
      'tr',
      { 'data-origin': origin.localBucket },
      el('td', {}, origin.localBucket),
      el('td', {}, `${origin.endpoint} · ${origin.kind === 's3' ? `bucket ${origin.bucket}` : 'http'}`),
      el('td', {}, origin.source),
      el(
        'td',
        {},
        status === undefined
          ? '–'
          : el('span', { class: `pill breaker ${BREAKER_PILL[status.breaker]}` }, status.breaker),
      ),
      el('td', { class: 'fetches' }, status === undefined ? '–' : String(status.fetches)),
      el('td', { class: 'failures' }, status === undefined ? '–' : String(status.failures)),
      el('td', {}, status === undefined ? '–' : String(status.negativeEntries)),
      el('td', { class: 'last-error' }, status?.lastError ?? ''),
    );
  });
  byId('origins-body').replaceChildren(
    ...(rows.length > 0
      ? rows
      : [emptyRow(8, 'no origins (PUT /api/v1/origins/{bucket}, mock-s3 origin set, or ORIGIN_ENDPOINT)')]),
  );
}
