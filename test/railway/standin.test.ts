/**
 * The Railway stand-in holds to Railway's published schema: the operations
 * shipshape sends validate against it, and a query the real API would reject
 * is rejected by the stand-in too.
 */
import { readFileSync } from 'node:fs';
import { buildClientSchema, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RailwayStandin, type StartedRailwayStandin } from '../../fixtures/standins/railway/src/server.ts';
import { railwaySchemaFile } from '../../fixtures/standins/railway/src/schema.ts';
import { operations } from '../../src/railway/operations.ts';
import { selectToken } from '../../src/railway/tokens.ts';

const schema = buildClientSchema(
  (JSON.parse(readFileSync(railwaySchemaFile(), 'utf8')) as { data: Parameters<typeof buildClientSchema>[0] }).data,
);

let standin: StartedRailwayStandin;
beforeAll(async () => {
  standin = await new RailwayStandin().withProjectToken('t0ken').start();
});
afterAll(async () => {
  await standin.close();
});

async function post(body: unknown, headers: Record<string, string> = { 'Project-Access-Token': 't0ken' }) {
  const response = await fetch(standin.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { message: string }[] },
  };
}

describe("shipshape's Railway operations", () => {
  it.each(Object.entries(operations))('%s validates against the published schema', (_name, text) => {
    expect(validate(schema, parse(text)).map((error) => error.message)).toEqual([]);
  });
});

describe('the Railway stand-in', () => {
  it('says it is a stand-in, not Railway', async () => {
    const response = await fetch(standin.url.replace('/graphql/v2', '/'));
    expect(await response.json()).toMatchObject({ standin: true, message: expect.stringContaining('not Railway') });
  });

  it('rejects a field the schema does not have, as the real API would', async () => {
    const { status, body } = await post({ query: '{ deployment(id: "x") { id status logsUrl } }' });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toContain('Cannot query field "logsUrl" on type "Deployment"');
  });

  it('rejects a missing required argument and a wrong variable type', async () => {
    const missing = await post({ query: 'mutation { serviceInstanceDeployV2(serviceId: "s") }' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors?.[0]?.message).toContain('argument "environmentId" of type "String!" is required');
    const wrongType = await post({
      query: 'query Q($id: Int!) { deployment(id: $id) { id } }',
      variables: { id: 1 },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.errors?.[0]?.message).toContain(
      'Variable "$id" of type "Int!" used in position expecting type "String!"',
    );
  });

  it('answers an unknown or missing token with "Not Authorized", as Railway does', async () => {
    const query = { query: operations.deploymentStatus, variables: { id: 'x' } };
    expect((await post(query, { 'Project-Access-Token': 'wrong' })).body.errors?.[0]?.message).toBe('Not Authorized');
    expect((await post(query, { Authorization: 'Bearer t0ken' })).body.errors?.[0]?.message).toBe('Not Authorized');
    expect((await post(query, {})).body.errors?.[0]?.message).toBe('Not Authorized');
  });
});

describe('token selection', () => {
  it('sends a project token as Project-Access-Token and an account token as Bearer', () => {
    expect(selectToken({ RAILWAY_TOKEN: 'p' })?.headers).toEqual({ 'Project-Access-Token': 'p' });
    expect(selectToken({ RAILWAY_API_TOKEN: 'a' })?.headers).toEqual({ Authorization: 'Bearer a' });
    expect(selectToken({})).toBeUndefined();
  });

  it('refuses both, saying which to unset and never a value', () => {
    expect(() => selectToken({ RAILWAY_TOKEN: 'p-secret', RAILWAY_API_TOKEN: 'a-secret' })).toThrow(
      /unset RAILWAY_API_TOKEN.*or unset RAILWAY_TOKEN/,
    );
    try {
      selectToken({ RAILWAY_TOKEN: 'p-secret', RAILWAY_API_TOKEN: 'a-secret' });
    } catch (error) {
      expect((error as Error).message).not.toMatch(/p-secret|a-secret/);
    }
  });
});
