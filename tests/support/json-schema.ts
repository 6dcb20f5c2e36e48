/**
 * A checker for the subset of JSON Schema the OpenAPI contracts (docs/openapi/) use: $ref (local), type (one or a
 * list), required, properties, additionalProperties, enum, items, minItems, minimum, maximum,
 * pattern, oneOf, anyOf, allOf. Enough to hold responses to the contract without a dependency.
 */
export type Schema = Record<string, unknown>;

/** Checks a value; returns the problems found, each with its JSON path (empty: valid). */
export function checkSchema(root: Schema, schema: Schema, value: unknown, path = '$'): string[] {
  if (typeof schema.$ref === 'string') return checkSchema(root, resolveRef(root, schema.$ref), value, path);
  const problems: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((type) => hasType(value, type))) {
      return [`${path}: expected ${types.join('|')}, got ${JSON.stringify(value)}`];
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${path}: below minimum`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${path}: above maximum`);
  }
  if (
    typeof value === 'string' &&
    typeof schema.pattern === 'string' &&
    !new RegExp(schema.pattern).test(value)
  ) {
    problems.push(`${path}: does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      problems.push(`${path}: fewer than ${schema.minItems} items`);
    }
    if (schema.items !== undefined) {
      value.forEach((item, i) => {
        problems.push(...checkSchema(root, schema.items as Schema, item, `${path}[${i}]`));
      });
    }
  }
  if (isObject(value)) problems.push(...checkObject(root, schema, value, path));
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf as Schema[]) problems.push(...checkSchema(root, part, value, path));
  }
  if (Array.isArray(schema.anyOf)) {
    const results = (schema.anyOf as Schema[]).map((part) => checkSchema(root, part, value, path));
    if (!results.some((r) => r.length === 0)) {
      problems.push(`${path}: matches none of anyOf (${results.map((r) => r[0]).join('; ')})`);
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const results = (schema.oneOf as Schema[]).map((part) => checkSchema(root, part, value, path));
    const passing = results.filter((r) => r.length === 0).length;
    if (passing !== 1) {
      problems.push(
        `${path}: matches ${passing} of oneOf, expected exactly 1 (${results.map((r) => r[0]).join('; ')})`,
      );
    }
  }
  return problems;
}

function checkObject(root: Schema, schema: Schema, value: Record<string, unknown>, path: string): string[] {
  const problems: string[] = [];
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const name of (schema.required ?? []) as string[]) {
    if (!(name in value)) problems.push(`${path}: missing required ${name}`);
  }
  for (const [name, item] of Object.entries(value)) {
    const property = properties[name];
    if (property !== undefined) {
      problems.push(...checkSchema(root, property, item, `${path}.${name}`));
    } else if (schema.additionalProperties === false) {
      problems.push(`${path}: unexpected property ${name}`);
    } else if (isObject(schema.additionalProperties)) {
      problems.push(...checkSchema(root, schema.additionalProperties, item, `${path}.${name}`));
    }
  }
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves a local reference such as `#/components/schemas/Rule`. */
export function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  if (!isObject(node)) throw new Error(`unresolved reference ${ref}`);
  return node;
}
