/*
 * schema.ts — the words the REST API's schemas are written in: TypeBox types (which
 * are JSON Schema objects as they stand) plus the few this API adds.
 *
 * Why TypeBox (@sinclair/typebox): a TypeBox type is the JSON Schema itself, so the
 * schema a request is checked against is, key for key, the one /openapi.json
 * publishes, with no converter between them to drift; it gives TypeScript the type
 * of what it accepts (Static<>), checks values without generating code (workerd
 * allows no eval), and needs nothing else at run time.
 *
 * The document keeps to the small subset of JSON Schema that rest-openapi.test.ts
 * checks answers with (type, properties, required, additionalProperties, items,
 * enum, minimum, maximum, minItems, maxItems, description, $ref). So two shapes
 * TypeBox would write with anyOf are kinds of their own here, registered with
 * TypeBox's checker: Nullable (`type: ["string", "null"]`) and StringEnum
 * (`type: "string", enum: [...]`).
 *
 * named() makes a schema a component: the document shows it once under
 * components/schemas and refers to it by $ref wherever it is used.
 */
import {
  Kind,
  Type,
  TypeRegistry,
  type SchemaOptions,
  type Static,
  type TObject,
  type TProperties,
  type TSchema,
  type TUnsafe,
} from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

export { Type, type Static, type TObject, type TProperties, type TSchema };

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/* ---- kinds of our own ------------------------------------------------------------ */

/* Where a Nullable keeps the schema it allows null beside; a symbol, so the
 * document (JSON) never shows it. */
const NULLABLE_OF = Symbol("kafdo.nullable.of");

TypeRegistry.Set(
  "Nullable",
  (schema: Record<symbol, TSchema>, value) => value === null || Value.Check(schema[NULLABLE_OF]!, value),
);
TypeRegistry.Set(
  "StringEnum",
  (schema: { enum: string[] }, value) => typeof value === "string" && schema.enum.includes(value),
);

/* `of` or null; `of` is a one-type schema (string, integer, ...). */
export function Nullable<T extends TSchema>(of: T, options: SchemaOptions = {}): TUnsafe<Static<T> | null> {
  const { type } = of as { type?: unknown };
  if (typeof type !== "string") throw new Error("Nullable takes a schema of one type");
  return Type.Unsafe<Static<T> | null>({
    ...of,
    ...options,
    [Kind]: "Nullable",
    [NULLABLE_OF]: of,
    type: [type, "null"],
  });
}

/* One of a few strings. */
export function StringEnum<T extends string>(values: readonly T[], options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ ...options, [Kind]: "StringEnum", type: "string", enum: [...values] });
}

/* The schema Nullable allows null beside, for the checker's messages. */
export function nullableOf(schema: TSchema): TSchema | undefined {
  return (schema as unknown as Record<symbol, TSchema | undefined>)[NULLABLE_OF];
}

/* ---- components ----------------------------------------------------------------- */

const COMPONENT = Symbol("kafdo.component");

/* `schema`, shown in the document as components/schemas/`name`. */
export function named<T extends TSchema>(name: string, schema: T): T {
  (schema as Record<symbol, unknown>)[COMPONENT] = name;
  return schema;
}

export function componentName(schema: TSchema): string | undefined {
  return (schema as unknown as Record<symbol, string | undefined>)[COMPONENT];
}

/* ---- shapes used throughout ------------------------------------------------------ */

/* An object with exactly these fields (those wrapped in Type.Optional may be left out). */
export function Struct<T extends TProperties>(properties: T, options: SchemaOptions = {}): TObject<T> {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

/* A map from any name to `values`. */
export function StringMap<T extends TSchema>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<Record<string, Static<T>>>(Type.Object({}, { ...options, additionalProperties: values }));
}

export const Int32 = (options: SchemaOptions = {}) =>
  Type.Integer({ minimum: INT32_MIN, maximum: INT32_MAX, ...options });
/* A Kafka partition number: int32 >= 0. */
export const PartitionNumber = (options: SchemaOptions = {}) =>
  Type.Integer({ minimum: 0, maximum: INT32_MAX, ...options });
/* A non-negative integer JavaScript holds exactly (offsets, timestamps). */
export const Natural = (options: SchemaOptions = {}) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...options });
/* An integer in an answer: only its lower bound is documented. */
export const AtLeast = (minimum: number, description?: string) =>
  Type.Integer({ minimum, ...(description ? { description } : {}) });
