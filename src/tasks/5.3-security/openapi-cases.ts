/**
 * Negative cases derived from the target's own OpenAPI document: for each
 * operation with a JSON body, the body without each required field, each
 * field of the wrong type, an unknown field where the schema forbids one, a
 * string one longer than its maxLength; for each path parameter with a format,
 * a value that breaks it. Written here rather than taken from a library: the
 * negative-data generators on npm either need a network service or generate
 * valid data only; these type violations follow the schema directly.
 */
import type { HttpCase } from './corpus.ts';

interface SchemaObject {
  type?: string | string[];
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject;
  maxLength?: number;
  minLength?: number;
  minItems?: number;
  format?: string;
  items?: SchemaObject;
  $ref?: string;
}

interface Operation {
  parameters?: { name: string; in: string; schema?: SchemaObject; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: SchemaObject }> };
  security?: unknown[];
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
}

const kind = 'openapi-derived';
const methods = ['get', 'post', 'put', 'patch', 'delete'];

/** A value of another type than the schema's. */
function wrongTypeFor(schema: SchemaObject): unknown {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'not a number';
    case 'boolean':
      return 'not a boolean';
    case 'array':
      return { not: 'an array' };
    case 'object':
      return ['not', 'an', 'object'];
    default:
      return undefined;
  }
}

/** The smallest valid value we can make for a schema (to keep the other fields valid). */
function validFor(schema: SchemaObject | undefined): unknown {
  const type = Array.isArray(schema?.type) ? schema.type[0] : schema?.type;
  if (type === 'string') return schema?.format === 'uuid' ? undefined : 'What does a ROS 2 node do?';
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'boolean') return false;
  if (type === 'array') {
    const item = validFor(schema?.items);
    return item === undefined ? [] : Array.from({ length: Math.max(1, schema?.minItems ?? 1) }, () => item);
  }
  if (type === 'object') {
    const object: Record<string, unknown> = {};
    for (const name of schema?.required ?? []) {
      const value = validFor(schema?.properties?.[name]);
      if (value !== undefined) object[name] = value;
    }
    return object;
  }
  return undefined;
}

function fillPath(template: string, parameters: Operation['parameters'], broken?: string): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name === broken) return 'not-a-valid-value';
    const schema = parameters?.find((parameter) => parameter.name === name)?.schema;
    return schema?.format === 'uuid' ? '6f1c2a7e-0c7e-4f5b-9d8f-3a1b2c3d4e5f' : 'x';
  });
}

function jsonCase(method: string, path: string, name: string, body: unknown, auth: boolean): HttpCase {
  const text = JSON.stringify(body);
  return {
    kind,
    name,
    method,
    path,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(text),
    auth,
    expect: '4xx',
    sent: [text, ...Object.keys((body ?? {}) as object)],
  };
}

/** Every case the document's schemas imply; `skipPaths` are routes not to touch (the WebSocket). */
export function casesFromOpenApi(document: OpenApiDocument, skipPaths: readonly string[] = []): HttpCase[] {
  const cases: HttpCase[] = [];
  for (const [template, operations] of Object.entries(document.paths ?? {})) {
    const openApiPath = template;
    if (skipPaths.includes(openApiPath)) continue;
    for (const method of methods) {
      const operation = operations[method];
      if (!operation) continue;
      const upper = method.toUpperCase();
      const auth = (operation.security?.length ?? 0) > 0;
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== 'path' || !parameter.schema?.format) continue;
        cases.push({
          kind,
          name: `${upper} ${template}: ${parameter.name} breaks format ${parameter.schema.format}`,
          method: upper,
          path: fillPath(template, operation.parameters, parameter.name),
          headers: {},
          body: undefined,
          auth,
          expect: '4xx',
          sent: ['not-a-valid-value'],
        });
      }
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      if (!schema || schema.type !== 'object' || !schema.properties) continue;
      const path = fillPath(template, operation.parameters);
      const valid = (validFor(schema) ?? {}) as Record<string, unknown>;
      const label = `${upper} ${template}`;
      for (const name of schema.required ?? []) {
        const body = Object.fromEntries(Object.entries(valid).filter(([key]) => key !== name));
        cases.push(jsonCase(upper, path, `${label}: without required ${name}`, body, auth));
      }
      for (const [name, property] of Object.entries(schema.properties)) {
        const wrong = wrongTypeFor(property);
        if (wrong !== undefined) {
          cases.push(jsonCase(upper, path, `${label}: ${name} of the wrong type`, { ...valid, [name]: wrong }, auth));
        }
        if (property.type === 'string' && property.maxLength !== undefined && property.maxLength < 50_000) {
          const long = 'x'.repeat(property.maxLength + 1);
          cases.push(jsonCase(upper, path, `${label}: ${name} over maxLength`, { ...valid, [name]: long }, auth));
        }
        if (property.type === 'string' && property.format) {
          cases.push(
            jsonCase(
              upper,
              path,
              `${label}: ${name} breaks format ${property.format}`,
              { ...valid, [name]: '%%' },
              auth,
            ),
          );
        }
      }
      if (schema.additionalProperties === false) {
        cases.push(
          jsonCase(upper, path, `${label}: an unknown field`, { ...valid, shipshape_unknown_field: true }, auth),
        );
      }
    }
  }
  return cases;
}
