// The broker's API as docs/openapi.json describes it. The document is the one source: the routes
// validate requests with the schemas it holds, so what is published cannot drift from what is enforced.
import document from '../../docs/openapi.json' with { type: 'json' };

export const apiDocument: unknown = document;

type Method = 'get' | 'post';

interface Operation {
  parameters?: { name: string; in: 'path' | 'query'; required?: boolean; schema: object }[];
  requestBody?: { content: Record<string, { schema: object }> };
}

/** Fastify's path for an OpenAPI path: `/v1/grants/{id}` is `/v1/grants/:id`. */
export const routePath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

/** The request schemas of one operation, in the shape fastify validates (body, params, querystring). */
export function requestSchemas(path: keyof typeof document.paths, method: Method): { body?: object; params?: object; querystring?: object } {
  const operation = (document.paths[path] as Partial<Record<Method, Operation>>)[method];
  if (!operation) throw new Error(`docs/openapi.json has no ${method.toUpperCase()} ${path}`);
  const schemas: { body?: object; params?: object; querystring?: object } = {};
  const body = operation.requestBody && Object.values(operation.requestBody.content)[0]?.schema;
  if (body) schemas.body = body;
  for (const [where, key] of [['path', 'params'], ['query', 'querystring']] as const) {
    const parameters = (operation.parameters ?? []).filter((parameter) => parameter.in === where);
    if (parameters.length === 0) continue;
    schemas[key] = {
      type: 'object',
      // SECURITY: a query parameter the document does not name is refused, not ignored.
      ...(where === 'query' ? { additionalProperties: false } : {}),
      required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
      properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.schema])),
    };
  }
  return schemas;
}
