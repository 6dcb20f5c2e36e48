/**
 * Keeps one instance's fault engine in step with the rule store and with the other instances
 * (FAULTS.md, "Propagation"): local changes are stored, the version is bumped and a notice carrying
 * the change is published; an instance exactly one version behind applies that change at once, any
 * other (a gap: a lost or reordered notice) reloads the store, as does the periodic version check.
 */
import { randomUUID } from 'node:crypto';
import type { FaultChange, FaultEngine } from '../faults/engine.js';
import type { Rule } from '../faults/rule.js';
import type { Clock } from '../runtime/clock.js';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import type { RuleBus, RuleChangeNotice } from './rule-bus.js';
import {
  applyMutation,
  type FaultStateMutation,
  type FaultStateSnapshot,
  type VersionedRuleStore,
} from './versioned-rule-store.js';

export interface RuleSyncOptions {
  engine: FaultEngine;
  store: VersionedRuleStore;
  /** Absent in embedded mode (one instance): only persistence applies. */
  bus?: RuleBus;
  clock: Clock;
  /** Names this instance in notices, so it ignores its own (default: a random id). */
  instanceId?: string;
  /** The heal path: how often the store's version is compared with ours (default 1000 ms; 0: never). */
  healIntervalMs?: number;
  logger?: Logger;
}

export interface RuleSync {
  readonly instanceId: string;
  /** The store version this instance's rules are known to include. */
  readonly version: number;
  /** Resolves once every change seen so far is stored, published and applied. */
  settled(): Promise<void>;
  /** Reloads the store now if it is ahead of us (what a notice or the heal check does). */
  refresh(): Promise<void>;
  /** Stops listening; changes already queued are still stored. */
  close(): Promise<void>;
}

/** Changes of the engine's own switches that are not shared through the store. */
const LOCAL_ONLY: ReadonlySet<FaultChange['kind']> = new Set(['config_switch']);
/**
 * Notices carry the change only up to this many rules; a larger one (a big scenario) makes the
 * receivers reload, which keeps a pub/sub message small.
 */
const MAX_RULES_IN_NOTICE = 200;
/**
 * Changes after which a rule's per-instance counters start again (FAULTS.md: a fresh activation;
 * a scenario file applied again).
 */
const FRESH_KINDS: ReadonlySet<FaultChange['kind']> = new Set([
  'scenario_applied',
  'scenario_activated',
  'preset_activated',
]);

/**
 * Loads the store into `engine` (expired rules are dropped, and purged from the store: they can
 * never fire), then keeps both in step until `close()`.
 *
 * Echo loops: applying the store's state calls `engine.replaceAll`, which emits a change; changes
 * emitted while we apply are ignored, and notices of our own origin too.
 * Counters: `replaceAll` keeps the counters of rules whose id survives, so a reload elsewhere does
 * not reset `after`/`times`/`every` here; rules another instance (re)activated arrive as `fresh`
 * and are put anew, as the activation did on the instance that served it.
 * Ordering: stores, reloads, applied notices and version checks run one at a time in arrival
 * order, and a reload that raced a local change is discarded and retried after that change is
 * stored, so a reload never undoes a change this instance made. A notice's change is applied only
 * on top of the exact state it was committed after (our mirror of the store at `version - 1`, with
 * no local change of ours waiting or missing from it); otherwise the store is read.
 */
export async function startRuleSync(options: RuleSyncOptions): Promise<RuleSync> {
  const { engine, store, bus, clock } = options;
  const logger = (options.logger ?? silentLogger).child({ component: 'rule-sync' });
  const instanceId = options.instanceId ?? `instance-${randomUUID()}`;
  const healIntervalMs = options.healIntervalMs ?? 1000;
  let knownVersion = -1;
  let applying = false;
  let closed = false;
  /** Bumped by every local change: a reload started before the bump is out of date. */
  let localChanges = 0;
  let refreshQueued = false;
  const pendingFresh = new Set<string>();
  /** Ids the engine held after the last store or apply: rules that vanish silently are removed. */
  let knownIds = new Set<string>();
  /** The store's state at `knownVersion`, expired rules included: what a notice's change applies to. */
  let mirror: { rules: ReadonlyMap<string, Rule>; killSwitch: boolean } = {
    rules: new Map(),
    killSwitch: false,
  };
  /** Local changes not stored yet: the engine is ahead of the mirror. */
  let uncommitted = 0;
  /** A heal check's version query is out. */
  let checking = false;
  /** A change of ours was stored after someone else's we have not seen: the mirror lacks it. */
  let mirrorBehind = false;
  let tail: Promise<void> = Promise.resolve();

  function enqueue(task: () => Promise<void>, what: string): Promise<void> {
    const run = tail
      .then(task)
      .catch((error: unknown) => logger.error(`rule sync: ${what} failed`, { error }));
    tail = run;
    return run;
  }

  function apply(snapshot: FaultStateSnapshot): void {
    const now = clock.now().getTime();
    const live = snapshot.rules.filter((rule) => Date.parse(rule.expiresAt) > now);
    applying = true;
    try {
      for (const id of pendingFresh) engine.removeRule(id);
      engine.replaceAll(live, { killSwitch: snapshot.killSwitch });
    } finally {
      applying = false;
    }
    pendingFresh.clear();
    knownIds = new Set(live.map((rule) => rule.id));
    knownVersion = snapshot.version;
    mirror = {
      rules: new Map(snapshot.rules.map((rule) => [rule.id, rule])),
      killSwitch: snapshot.killSwitch,
    };
    mirrorBehind = false;
  }

  function scheduleRefresh(): Promise<void> {
    if (refreshQueued || closed) return tail;
    refreshQueued = true;
    return enqueue(async () => {
      refreshQueued = false;
      const before = localChanges;
      const snapshot = await store.snapshot();
      if (localChanges !== before) {
        // A local change came in while we read: it is queued behind us; read again after it.
        void scheduleRefresh();
        return;
      }
      if (snapshot.version <= knownVersion && pendingFresh.size === 0) return;
      apply(snapshot);
      logger.debug('rules reloaded', { version: snapshot.version, rules: snapshot.rules.length });
    }, 'reload');
  }

  function mutationOf(change: FaultChange): FaultStateMutation {
    switch (change.kind) {
      case 'kill_switch':
        return { clear: true, killSwitch: true };
      case 'enabled':
        return { killSwitch: false };
      case 'rules_replaced':
        return { clear: true, save: engine.listRules(), killSwitch: engine.status().killSwitch };
      default: {
        const current = new Map(engine.listRules().map((rule) => [rule.id, rule]));
        const save: Rule[] = [];
        const remove = new Set([...knownIds].filter((id) => !current.has(id)));
        for (const id of change.ruleIds) {
          const rule = current.get(id);
          if (rule === undefined) remove.add(id);
          else save.push(rule);
        }
        return { remove: [...remove], save };
      }
    }
  }

  function onLocalChange(change: FaultChange): void {
    if (applying || closed || LOCAL_ONLY.has(change.kind)) return;
    localChanges += 1;
    uncommitted += 1;
    // Read the engine now: by the time the store is written it may have changed again.
    const mutation = mutationOf(change);
    knownIds = new Set(engine.listRules().map((rule) => rule.id));
    const fresh = FRESH_KINDS.has(change.kind) ? [...change.ruleIds] : undefined;
    void enqueue(async () => {
      let version: number;
      try {
        version = await store.commit(mutation);
      } finally {
        uncommitted -= 1;
      }
      // Only when nobody committed in between do we know the store holds nothing we lack.
      if (version === knownVersion + 1 && !mirrorBehind) {
        knownVersion = version;
        mirror = applyMutation(mirror, mutation);
      } else {
        mirrorBehind = true;
      }
      if (bus === undefined) return;
      const small = (mutation.save?.length ?? 0) <= MAX_RULES_IN_NOTICE;
      const notice: RuleChangeNotice = {
        version,
        origin: instanceId,
        ...(fresh === undefined ? {} : { fresh }),
        ...(small ? { change: mutation } : {}),
      };
      await bus.publish(notice);
    }, `storing ${change.kind}`);
  }

  function onNotice(notice: RuleChangeNotice): void {
    if (notice.origin === instanceId || closed) return;
    void enqueue(async () => {
      const { change } = notice;
      const next = notice.version === knownVersion + 1;
      if (change !== undefined && next && uncommitted === 0 && !mirrorBehind && !refreshQueued) {
        for (const id of notice.fresh ?? []) pendingFresh.add(id);
        const state = applyMutation(mirror, change);
        apply({ rules: [...state.rules.values()], killSwitch: state.killSwitch, version: notice.version });
        logger.debug('rule change applied', { version: notice.version });
        return;
      }
      // Fresh ids of an old notice still restart their counters: the reload below puts them anew.
      for (const id of notice.fresh ?? []) pendingFresh.add(id);
      if (notice.version > knownVersion || pendingFresh.size > 0) void scheduleRefresh();
    }, 'applying a notice');
  }

  // Start: the store's rules, without the ones that expired while nobody ran.
  let initial = await store.snapshot();
  const now = clock.now().getTime();
  const expired = initial.rules.filter((rule) => Date.parse(rule.expiresAt) <= now).map((rule) => rule.id);
  if (expired.length > 0) {
    await store.commit({ remove: expired });
    logger.info('purged expired fault rules', { rules: expired.length });
    initial = await store.snapshot();
  }
  apply(initial);
  const unsubscribe = engine.onChange(onLocalChange);
  if (bus !== undefined) await bus.subscribe(onNotice);

  const heal =
    healIntervalMs > 0 && bus !== undefined
      ? setInterval(() => {
          if (refreshQueued || checking || closed) return;
          // Read outside the queue: a notice or a local change must not wait behind this query.
          // Comparing afterwards is safe: a version we reached meanwhile only makes it a no-op.
          checking = true;
          store
            .version()
            .then((version) => {
              if (version > knownVersion) void scheduleRefresh();
            })
            .catch((error: unknown) => logger.error('rule sync: version check failed', { error }))
            .finally(() => {
              checking = false;
            });
        }, healIntervalMs)
      : undefined;
  heal?.unref();
  logger.info('fault rules loaded', { rules: engine.listRules().length, version: knownVersion, instanceId });

  return {
    instanceId,
    get version() {
      return knownVersion;
    },
    async settled() {
      let seen: Promise<void>;
      do {
        seen = tail;
        await seen;
      } while (seen !== tail);
    },
    async refresh() {
      await scheduleRefresh();
    },
    async close() {
      closed = true;
      if (heal !== undefined) clearInterval(heal);
      unsubscribe();
      await tail;
      await bus?.close();
    },
  };
}
