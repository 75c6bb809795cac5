/**
 * Rewrites what the schema generator emits for a nullable reference, `allOf: [{ $ref }, { type:
 * ["object", "null"] }]`, which no value validates as null (allOf needs the $ref too), into
 * `anyOf: [{ $ref }, { type: "null" }]`. Walks the whole document in place; returns it.
 */
export function fixNullableRefs<T>(node: T): T {
  if (Array.isArray(node)) {
    for (const item of node) fixNullableRefs(item);
  } else if (typeof node === "object" && node !== null) {
    const schema = node as Record<string, unknown>;
    const all = schema.allOf;
    if (Array.isArray(all) && all.length === 2 && isRef(all[0]) && isNullOnly(all[1])) {
      delete schema.allOf;
      schema.anyOf = [all[0], { type: "null" }];
    }
    for (const value of Object.values(schema)) fixNullableRefs(value);
  }
  return node;
}

function isRef(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 1 && "$ref" in value;
}

// `{ type: [<any one type>, "null"] }` and nothing else: the generator's "and null" half.
function isNullOnly(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Object.keys(value).length !== 1) return false;
  const type = (value as { type?: unknown }).type;
  return Array.isArray(type) && type.length === 2 && type[1] === "null";
}

type Schema = Record<string, unknown>;

/**
 * Request schemas describe what a client may send: a field with a default is optional. Generators
 * such as openapi-typescript read `default` as "always present" (right for responses, wrong for
 * requests), so in every schema a request body reaches, an optional property's `default` moves
 * into its description. Mutates and returns the document.
 */
export function requestDefaultsAsText<T extends { paths?: unknown; components?: { schemas?: unknown } }>(doc: T): T {
  const components = (doc.components?.schemas ?? {}) as Record<string, Schema>;
  const seen = new Set<Schema>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== "object" || node === null || seen.has(node as Schema)) return;
    const schema = node as Schema;
    seen.add(schema);
    const ref = schema.$ref;
    if (typeof ref === "string" && ref.startsWith("#/components/schemas/")) {
      visit(components[ref.slice("#/components/schemas/".length)]);
    }
    const properties = schema.properties as Record<string, Schema> | undefined;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries(properties ?? {})) {
      if (!required.has(name) && property && "default" in property) {
        const text = `Default: \`${JSON.stringify(property.default)}\`.`;
        property.description = property.description ? `${String(property.description)} ${text}` : text;
        delete property.default;
      }
    }
    for (const property of Object.values(properties ?? {})) visit(property);
    for (const key of ["items", "anyOf", "oneOf", "allOf", "additionalProperties"]) visit(schema[key]);
  };
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Record<string, Schema>>)) {
    for (const operation of Object.values(item ?? {})) {
      const body = (operation as { requestBody?: { content?: Record<string, { schema?: unknown }> } }).requestBody;
      for (const media of Object.values(body?.content ?? {})) visit(media.schema);
    }
  }
  return doc;
}
