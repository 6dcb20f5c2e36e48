/**
 * The faults active on the target, for the status line: the enabled rules of the control plane,
 * polled once a second. A target without a control plane shows none; the load never waits on it.
 */
import { sendControl } from '../cli/control-client.js';

const POLL_MS = 1000;

interface RuleSummary {
  fault?: { type?: string; code?: string };
}

/** `s3_error:SlowDown`, `latency`, ... one label per distinct fault. */
export function faultLabels(rules: readonly RuleSummary[]): string[] {
  const labels = rules.map((rule) => {
    const type = rule.fault?.type ?? 'fault';
    return rule.fault?.code === undefined ? type : `${type}:${rule.fault.code}`;
  });
  return [...new Set(labels)];
}

export function watchActiveFaults(admin: string): { current(): readonly string[]; stop(): void } {
  let labels: readonly string[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    try {
      const answer = (await sendControl(
        admin,
        { method: 'GET', path: '/rules', query: { enabled: 'true' } },
        AbortSignal.timeout(POLL_MS - 100),
      )) as { rules?: RuleSummary[] };
      labels = faultLabels(answer.rules ?? []);
    } catch {
      labels = [];
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  void poll();
  return {
    current: () => labels,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
