import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { checkSchema, resolveRef, type Schema } from './json-schema.js';
import {
  type ContractSuite,
  checkAnswer,
  checkInjectionPoints,
  documentedOperations,
  documentedStatuses,
  loadOpenApi,
  normalisePath,
  routeKeys,
  templateMatches,
} from './openapi.js';

/**
 * The contract test of one OpenAPI document against its implementation, both ways: every served
 * route is documented and every documented operation is served; one request per documented status
 * of every operation, its status and body checked against the document; every operation names its
 * injection points; and the checker demonstrably fails on a body that breaks the schema.
 */
export function describeContract<C>(title: string, suite: ContractSuite<C>): void {
  describe(title, () => {
    const doc = loadOpenApi(suite.document);
    const operations = documentedOperations(doc);
    let context: C;

    beforeAll(async () => {
      context = await suite.open();
    });

    afterAll(async () => {
      await suite.close(context);
    });

    beforeEach(async () => {
      await suite.reset?.(context);
    });

    it('documents every declared route, and declares every documented operation', async () => {
      // Act
      const declared = await suite.declared(context);
      // Act: an `ANY` route (the config service's) declares every operation documented on its path.
      const expanded = declared.flatMap((route) =>
        route.method === 'ANY' ? operations.filter((o) => o.path === normalisePath(route.path)) : [route],
      );
      const paths = (routes: readonly { path: string }[]) =>
        [...new Set(routes.map((route) => normalisePath(route.path)))].sort();
      // Assess
      expect(paths(operations)).toEqual(paths(declared));
      expect(routeKeys(operations.map(({ method, path }) => ({ method, path })))).toEqual(
        routeKeys(expanded.map(({ method, path }) => ({ method, path }))),
      );
    });

    it('has the handler serve each documented operation under its operation id', () => {
      // Act
      const handled = suite.handled ?? operations;
      // Assess
      expect(routeKeys(handled)).toEqual(routeKeys(operations));
    });

    it('has a request for every documented status of every operation', () => {
      // Act
      const covered = [...new Set(suite.cases.map((c) => `${c.operationId} ${c.status}`))].sort();
      // Assess
      expect(covered).toEqual(documentedStatuses(operations));
    });

    it('names the injection points of every operation, all known to the engine', () => {
      // Assess
      expect(checkInjectionPoints(operations)).toEqual([]);
    });

    it.each(suite.cases.map((c) => [`${c.operationId} ${c.status} (${c.method} ${c.path})`, c] as const))(
      '%s: status and body follow the contract',
      async (_label, c) => {
        // Prepare
        await c.setup?.(context);
        const documentedOp = operations.find((o) => o.operationId === c.operationId);
        expect(documentedOp).toBeDefined();
        const { operation, method, path } = documentedOp!;
        expect(method).toBe(c.method);
        expect(templateMatches(path, c.path)).toBe(true);
        const requestSchema = (operation.requestBody as Schema | undefined)?.content as
          | Record<string, { schema: Schema }>
          | undefined;
        if (c.status < 300 && c.body !== undefined && !Buffer.isBuffer(c.body)) {
          expect(checkSchema(doc, requestSchema!['application/json']!.schema, c.body)).toEqual([]);
        }
        // Act
        const answer = await suite.call(context, c);
        // Assess
        expect({ status: answer.status, body: answer.body }).toMatchObject({ status: c.status });
        expect(checkAnswer(doc, operation, answer)).toEqual([]);
      },
    );

    it('would catch a body that breaks the contract', () => {
      // Act
      const problems = checkSchema(doc, resolveRef(doc, suite.broken.schema), suite.broken.value);
      // Assess
      expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(suite.broken.problem)]));
    });
  });
}
