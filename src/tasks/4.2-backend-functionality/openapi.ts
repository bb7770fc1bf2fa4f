/**
 * The target's own OpenAPI document as a validator of what its routes
 * answered: each observed response is looked up by method, path and status,
 * and its body validated with ajv. OpenAPI 3.0 schemas (`nullable` and
 * friends) are converted to JSON Schema first; 3.1 schemas already are.
 */
import { openapiSchemaToJsonSchema } from '@openapi-contrib/openapi-schema-to-json-schema';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;
interface Operation {
  responses?: Record<string, { $ref?: string; content?: Record<string, { schema?: Json }> }>;
}

/** What one route answered, as the harness saw it. */
export interface RouteObservation {
  method: string;
  /** The concrete path asked, e.g. /api/v1/conversations/1b9d... */
  path: string;
  status: number;
  body: unknown;
  text: string;
}

const documentId = 'target-openapi';

export class OpenApiDocument {
  private readonly document: Json;
  private readonly ajv: Ajv;
  private readonly legacy: boolean;

  private constructor(document: Json) {
    this.document = document;
    this.legacy = String(document.openapi ?? document.swagger ?? '').startsWith('3.0');
    this.ajv = this.legacy
      ? new Ajv({ strict: false, allErrors: true, validateFormats: true })
      : (new Ajv2020({ strict: false, allErrors: true }) as unknown as Ajv);
    addFormats.default(this.ajv);
    // Formats OpenAPI names for numbers: what they promise, not a refusal to compile.
    for (const format of ['int32', 'int64']) {
      this.ajv.addFormat(format, { type: 'number', validate: (n: number) => Number.isInteger(n) });
    }
    for (const format of ['float', 'double']) this.ajv.addFormat(format, { type: 'number', validate: () => true });
    const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
    const converted = Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, this.convert(schema)]));
    this.ajv.addSchema({ $id: documentId, components: { schemas: converted } }, documentId);
  }

  /** Reads a served document; a body that is not an OpenAPI 3 document is a clear error, not a crash later. */
  static parse(body: unknown): OpenApiDocument {
    const document = body as Json | undefined;
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new Error('the body is not a JSON object');
    }
    if (!String(document.openapi ?? '').startsWith('3.')) {
      throw new Error(`not an OpenAPI 3 document (openapi: ${JSON.stringify(document.openapi ?? null)})`);
    }
    if (typeof document.paths !== 'object' || document.paths === null) throw new Error('the document has no paths');
    return new OpenApiDocument(document);
  }

  /** The operation at `method path`, matching `{param}` templates; undefined when the document has none. */
  operation(method: string, concretePath: string): { template: string; operation: Operation } | undefined {
    const paths = this.document.paths as Record<string, Record<string, Operation>>;
    const candidates = Object.entries(paths).filter(([template, item]) => {
      const pattern = new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
      );
      return item[method.toLowerCase()] !== undefined && pattern.test(concretePath);
    });
    // A literal path wins over a template that also matches (/health/ready over /health/{name}).
    candidates.sort(([a], [b]) => a.split('{').length - b.split('{').length);
    const found = candidates[0];
    return found ? { template: found[0], operation: found[1][method.toLowerCase()]! } : undefined;
  }

  /**
   * What is wrong with an observed response by the document: an undocumented
   * route or status, or a body its schema refuses. Empty when it agrees.
   */
  disagreements(observation: RouteObservation): string[] {
    const { method, path, status, body } = observation;
    const where = `${method} ${path} ${status}`;
    const found = this.operation(method, path);
    if (!found) return [`${where}: the document describes no ${method} operation at this path`];
    const responses = found.operation.responses ?? {};
    const key =
      Object.keys(responses).find((name) => name === String(status)) ??
      Object.keys(responses).find((name) => name.toUpperCase() === `${String(status)[0]}XX`) ??
      (responses.default ? 'default' : undefined);
    if (!key) {
      return [`${where}: the document declares only ${Object.keys(responses).join(', ') || 'no'} response(s)`];
    }
    const response = this.dereference(responses[key]);
    const content = response?.content;
    const schema = content?.['application/json']?.schema;
    if (!schema) {
      // A response declared without a JSON body (204, text) is judged by its status alone.
      return [];
    }
    const validate = this.compile(schema);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((error) =>
      `${where} (${found.template}, response ${key}): ${error.instancePath || '/'} ${error.message ?? ''}`.trim(),
    );
  }

  private compile(schema: Json): ValidateFunction {
    return this.ajv.compile(rebaseRefs(this.convert(schema)));
  }

  private dereference<T>(node: T | undefined): T | undefined {
    const ref = (node as { $ref?: string } | undefined)?.$ref;
    if (!ref?.startsWith('#/')) return node;
    let target: unknown = this.document;
    for (const key of ref.slice(2).split('/')) target = (target as Json | undefined)?.[key.replaceAll('~1', '/')];
    return target as T;
  }

  private convert(schema: Json): Json {
    if (!this.legacy) return schema;
    const { $schema: _draft, ...converted } = openapiSchemaToJsonSchema(keepRequired(schema) as never, {
      cloneSchema: true,
    }) as Json;
    return converted;
  }
}

/**
 * The converter drops a `required` name that `properties` does not define; a
 * document that requires a field it never describes still requires it, so
 * each such name gets an empty (any value) property first.
 */
export function keepRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(keepRequired);
  if (typeof node !== 'object' || node === null) return node;
  const schema = Object.fromEntries(Object.entries(node as Json).map(([key, value]) => [key, keepRequired(value)]));
  const required = schema.required;
  const properties = schema.properties as Json | undefined;
  if (Array.isArray(required) && typeof properties === 'object' && properties !== null) {
    const missing = required.filter((name): name is string => typeof name === 'string' && !(name in properties));
    if (missing.length > 0)
      schema.properties = { ...properties, ...Object.fromEntries(missing.map((name) => [name, {}])) };
  }
  return schema;
}

/** `#/components/...` refers to the document registered under documentId. */
function rebaseRefs(node: unknown): Json {
  return JSON.parse(JSON.stringify(node), (key, value: unknown) =>
    key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${documentId}${value}` : value,
  ) as Json;
}
