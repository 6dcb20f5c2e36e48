/** Parses `--flag value` / `--flag=value` pairs of positive numbers over `defaults`; unknown flags throw. */
export function parseNumberFlags<T extends Record<string, number>>(argv: readonly string[], defaults: T): T {
  const options: Record<string, number> = { ...defaults };
  for (let index = 0; index < argv.length; index++) {
    const [flag, inline] = argv[index]!.split('=', 2) as [string, string | undefined];
    const value = inline ?? argv[++index];
    const name = flag.replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
    if (!flag.startsWith('--') || !(name in defaults)) {
      throw new Error(`unknown flag ${flag}; known: ${Object.keys(defaults).join(', ')}`);
    }
    const number = Number(value);
    if (value === undefined || !Number.isFinite(number) || number <= 0) {
      throw new Error(`${flag} needs a positive number, got "${value ?? ''}"`);
    }
    options[name] = number;
  }
  return options as T;
}
