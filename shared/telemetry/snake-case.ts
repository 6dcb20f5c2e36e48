/** Converted names, by name: log field names come from code, so they are few and repeat. */
const converted = new Map<string, string>();

/** Beyond this many names (a caller logging data as keys) convert without remembering. */
const MAX_REMEMBERED = 2_000;

/**
 * `requestId` -> `request_id`, `HTTPStatus` -> `http_status`, `blob-id` -> `blob_id`; a name
 * already in snake_case (or with dots, `fault.rule_id`) is left as it is. Remembered per name.
 */
export function snakeCase(name: string): string {
  const known = converted.get(name);
  if (known !== undefined) return known;
  const snake = /[A-Z-]/.test(name)
    ? name
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
        .replace(/-/g, '_')
        .toLowerCase()
    : name;
  if (converted.size < MAX_REMEMBERED) converted.set(name, snake);
  return snake;
}
