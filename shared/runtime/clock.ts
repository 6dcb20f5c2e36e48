/** Time and randomness are injected, never read globally, so tests and fault replays are exact. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
