/**
 * The shape of `responses.gen.ts`: a JSON-schema subset (OpenAPI 3.0's,
 * with `nullable`) holding only the keywords that shape data. Kept
 * hand-written so the generated file only holds data.
 *
 * @module
 */

/** One node of a response schema. */
export interface SchemaNode {
  /** A component schema, `"#/components/schemas/<name>"`. */
  readonly $ref?: string;
  /** The JSON type. */
  readonly type?: "integer" | "number" | "string" | "boolean" | "array" | "object";
  /** `int32`, `int64`, `float`, `double`, `date-time`, `date`, `uuid`… */
  readonly format?: string;
  /** The values allowed. */
  readonly enum?: readonly (string | number | boolean)[];
  /** For arrays: each item. */
  readonly items?: SchemaNode;
  /** For objects: each property. */
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  /** For objects: the properties always present. */
  readonly required?: readonly string[];
  /** For maps: each value. */
  readonly additionalProperties?: SchemaNode | boolean;
  /** Alternatives (in ESI's spec: single-property wrappers, a tagged union). */
  readonly oneOf?: readonly SchemaNode[];
  /** Whether `null` is allowed (OpenAPI 3.0). */
  readonly nullable?: boolean;
  /** The smallest number allowed. */
  readonly minimum?: number;
  /** The largest number allowed. */
  readonly maximum?: number;
  /** The fewest items. */
  readonly minItems?: number;
  /** The most items. */
  readonly maxItems?: number;
  /** Whether items are all different. */
  readonly uniqueItems?: boolean;
  /** The shortest string. */
  readonly minLength?: number;
  /** The longest string. */
  readonly maxLength?: number;
}

/** An operation's successful answer, as the spec declares it. */
export interface ResponseMeta {
  /** The success status: 200, 201 or 204. */
  readonly status: number;
  /** The body's schema; absent when the answer has no body. */
  readonly schema?: SchemaNode;
}
