/** Builds DOM with text nodes only: a key, a rule id or an error message is never parsed as markup. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** The element with `id`; the page's skeleton has every one the script uses. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the dashboard page has no #${id}`);
  return element as T;
}

/** Sets a pill's text and its state class (`ok`, `bad`, `warn`, or none). */
export function setPill(element: HTMLElement, text: string, state: 'ok' | 'bad' | 'warn' | '' = ''): void {
  element.textContent = text;
  element.className = state === '' ? 'pill' : `pill ${state}`;
}

/** 1536 -> `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** An ISO time as the local `HH:MM:SS`. */
export function clockTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString([], { hour12: false });
}
