/**
 * Validates requests and responses against the real OpenAPI documents in
 * ../shared/specs, so the stand-ins are held to the published contracts.
 * OpenAPI 3.0 schemas (Qdrant) are converted to JSON Schema first (`nullable`
 * and friends); 3.1 schemas (Cohere) are JSON Schema 2020-12 already.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openapiSchemaToJsonSchema } from '@openapi-contrib/openapi-schema-to-json-schema';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

export const specsDir = path.resolve(import.meta.dirname, '../../../shared/specs');

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

export interface ValidationResult {
  operationId: string;
  /** Empty when the body matches the schema. */
  errors: string[];
}

const documentId = 'openapi';

export class OpenApiContract {
  readonly file: string;
  private readonly document: Json;
  private readonly ajv: Ajv;
  private readonly legacy: boolean;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(file: string) {
    this.file = file;
    const text = readFileSync(path.resolve(specsDir, file), 'utf8');
    this.document = explicitDiscriminators(
      (file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text)) as Json,
    ) as Json;
    this.legacy = String(this.document.openapi).startsWith('3.0');
    this.ajv = this.legacy
      ? new Ajv({ strict: false, allErrors: true })
      : (new Ajv2020({ strict: false, allErrors: true }) as unknown as Ajv);
    addFormats.default(this.ajv);
    // Qdrant's numeric formats: check what they promise instead of ignoring them.
    for (const format of ['uint', 'uint8', 'uint16', 'uint32', 'uint64', 'usize']) {
      this.ajv.addFormat(format, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    }
    for (const format of ['int8', 'int16', 'int32', 'int64']) {
      this.ajv.addFormat(format, { type: 'number', validate: (n: number) => Number.isInteger(n) });
    }
    this.ajv.addFormat('partial-date-time', true);
    for (const format of ['float', 'double']) this.ajv.addFormat(format, { type: 'number', validate: () => true });
    const components = (this.document.components ?? {}) as Json;
    const schemas = (components.schemas ?? {}) as Record<string, Json>;
    this.ajv.addSchema(
      { $id: documentId, components: { schemas: mapValues(schemas, (schema) => this.toJsonSchema(schema)) } },
      documentId,
    );
  }

  /** The operation at `method path` (a concrete path such as /collections/docs/points/search). */
  operation(method: string, concretePath: string): { template: string; operation: Operation } {
    const paths = this.document.paths as Record<string, Record<string, Operation>>;
    for (const [template, item] of Object.entries(paths)) {
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
      const operation = item[method.toLowerCase()];
      if (operation && pattern.test(concretePath)) return { template, operation };
    }
    throw new Error(`${this.file} has no operation ${method.toUpperCase()} ${concretePath}`);
  }

  validateResponse(method: string, concretePath: string, status: number, body: unknown): ValidationResult {
    const { template, operation } = this.operation(method, concretePath);
    const declared =
      operation.responses?.[String(status)] ??
      operation.responses?.[`${String(status)[0]}XX`] ??
      operation.responses?.default;
    const response = this.dereference(declared);
    const schema = response?.content?.['application/json']?.schema;
    if (!schema) {
      return {
        operationId: operation.operationId ?? template,
        errors: [`no JSON schema for status ${status} of ${method.toUpperCase()} ${template}`],
      };
    }
    return this.run(`${method} ${template} ${status}`, schema, body, operation.operationId ?? template);
  }

  validateRequest(method: string, concretePath: string, body: unknown): ValidationResult {
    const { template, operation } = this.operation(method, concretePath);
    const schema = this.dereference(operation.requestBody)?.content?.['application/json']?.schema;
    if (!schema)
      return { operationId: operation.operationId ?? template, errors: [`no JSON request schema for ${template}`] };
    return this.run(`${method} ${template} request`, schema, body, operation.operationId ?? template);
  }

  /** Follows a `$ref` to a shared response or request body (`#/components/responses/Unauthorized`). */
  private dereference<T>(node: T | undefined): T | undefined {
    const ref = (node as { $ref?: string } | undefined)?.$ref;
    if (!ref?.startsWith('#/')) return node;
    let target: unknown = this.document;
    for (const key of ref.slice(2).split('/')) target = (target as Json | undefined)?.[key.replaceAll('~1', '/')];
    return target as T;
  }

  /** Validates against a named component, e.g. `#/components/schemas/ChatContentDeltaEvent` (stream events). */
  validateComponent(ref: string, body: unknown): string[] {
    const result = this.run(`component ${ref}`, { $ref: ref }, body, ref);
    return result.errors;
  }

  private run(key: string, schema: Json, body: unknown, operationId: string): ValidationResult {
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebaseRefs(this.toJsonSchema(schema)));
      this.cache.set(key, validate);
    }
    const valid = validate(body);
    const errors = valid
      ? []
      : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`.trim());
    return { operationId, errors };
  }

  private toJsonSchema(schema: Json): Json {
    if (!this.legacy) return schema;
    // The converter stamps draft-04 on its output; Qdrant's schemas use nothing draft-07 reads differently.
    const { $schema: _draft, ...converted } = openapiSchemaToJsonSchema(schema as never, { cloneSchema: true }) as Json;
    return converted;
  }
}

/**
 * Spells out each `oneOf` + `discriminator.mapping` as if/then on the
 * discriminator, which is what it means. Ajv does not read OpenAPI's mapping,
 * and some of Cohere's oneOf members cannot be told apart without it (every
 * citation source matches both ChatDocumentSource and ChatToolSource), so even
 * Cohere's own answers would fail plain oneOf.
 */
export function explicitDiscriminators(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(explicitDiscriminators);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node as Json).map(([key, value]) => [key, explicitDiscriminators(value)] as const);
  const schema = Object.fromEntries(entries) as Json;
  const discriminator = schema.discriminator as { propertyName?: string; mapping?: Record<string, string> } | undefined;
  if (!Array.isArray(schema.oneOf) || !discriminator?.propertyName || !discriminator.mapping) return schema;
  const { oneOf: _oneOf, discriminator: _discriminator, ...rest } = schema;
  const property = discriminator.propertyName;
  const mapping = discriminator.mapping;
  const values = Object.keys(mapping);
  return {
    ...rest,
    allOf: [
      ...((rest.allOf as unknown[] | undefined) ?? []),
      { type: 'object', required: [property], properties: { [property]: { enum: values } } },
      ...values.map((value) => ({
        if: { properties: { [property]: { const: value } }, required: [property] },
        then: { $ref: mapping[value] },
      })),
    ],
  };
}

/** `#/components/...` inside an operation resolves against the document schema registered above. */
function rebaseRefs(node: unknown): Json {
  return JSON.parse(JSON.stringify(node), (key, value: unknown) =>
    key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${documentId}${value}` : value,
  ) as Json;
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}
