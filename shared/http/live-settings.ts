import type { LiveConfig } from '../config/live-config.js';
import type { HttpClient } from './http-client.js';

/**
 * Keeps a client's `retries` and `timeoutMs` on the live config's `http.retries` and
 * `http.timeoutMs`: applied now, and on every change, without restart. Returns the unsubscribe.
 */
export function bindHttpClientSettings(client: HttpClient, live: LiveConfig): () => void {
  client.update({ retries: live.get('http.retries'), timeoutMs: live.get('http.timeoutMs') });
  const stops = [
    live.onChange('http.retries', (retries) => client.update({ retries })),
    live.onChange('http.timeoutMs', (timeoutMs) => client.update({ timeoutMs })),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
