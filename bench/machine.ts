import { cpus, loadavg } from 'node:os';

/** What a result depends on besides the code: printed with every suite's report. */
export interface MachineFacts {
  readonly nodeVersion: string;
  readonly cpuCount: number;
  readonly cpuModel: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  readonly loadAverage: readonly [number, number, number];
}

/** Reads the machine facts now (call it before the load starts, so the load average is the machine's). */
export function machineFacts(): MachineFacts {
  const cpuList = cpus();
  const [one, five, fifteen] = loadavg() as [number, number, number];
  return {
    nodeVersion: process.version,
    cpuCount: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    loadAverage: [one, five, fifteen],
  };
}

/** One Markdown line: `node v20…, 2 CPU (model), load average 1.0 / 0.8 / 0.5`. */
export function describeMachine(facts: MachineFacts): string {
  const load = facts.loadAverage.map((value) => value.toFixed(2)).join(' / ');
  return `node ${facts.nodeVersion}, ${facts.cpuCount} CPU (${facts.cpuModel}), load average ${load} (1/5/15 min) at start`;
}
