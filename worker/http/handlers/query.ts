/*
 * query.ts — POST /topics/:topic/query: SQL over a topic (api/query.ts runs it;
 * api/query-plan.ts tells the dialect).
 */
import { DEFAULT_QUERY_BYTES, DEFAULT_QUERY_ROWS, MAX_QUERY_BYTES, MAX_QUERY_ROWS, queryTopic } from "../../api/query";
import { endpoint } from "../endpoint";
import { TopicParam } from "../parameters";
import { NotFound, OverBudget, ok } from "../responses";
import { AtLeast, StringMap, Struct, Type, named } from "../schema";

const Query = named(
  "Query",
  Struct({
    sql: Type.String({
      description:
        "One SELECT over the table named as the topic: columns partition, offset, timestamp (ms), key, " +
        "headers (JSON text), value, and any top-level field of a JSON value by its name. SQLite's SQL, " +
        "with NOW() (ms) and INTERVAL '<n> <unit>' (ms).",
    }),
    maxRows: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_QUERY_ROWS,
        description: `At most this many records read, and rows answered. Default ${DEFAULT_QUERY_ROWS}.`,
      }),
    ),
    maxBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_QUERY_BYTES,
        description: `At most this many bytes of keys, values and headers read. Default ${DEFAULT_QUERY_BYTES}.`,
      }),
    ),
  }),
);

const QueryAnswer = named(
  "QueryAnswer",
  Struct({
    rows: Type.Array(StringMap(Type.Unknown({ description: "A number, text or null." })), {
      description: "The statement's rows: column name to value (a blob as base64 text).",
    }),
    stats: Struct({
      partitions: AtLeast(0, "The partitions the filters left."),
      recordsRead: AtLeast(0),
      bytesRead: AtLeast(0, "Bytes of keys, values and headers read."),
    }),
  }),
);

export const queryEndpoint = endpoint({
  summary: "Query a topic with SQL",
  description:
    "Runs one read-only SELECT over the topic's records. Filters on timestamp (lower bounds), offset " +
    "and partition in the top-level WHERE narrow what is read (a query over the last hour reads only " +
    "the last hour's records). SQL that does not parse, writes, names another table, or names a " +
    "column that is neither a record column nor a field of any JSON value read is 400 INVALID_REQUEST; " +
    "a query that would read more than maxRows records or maxBytes bytes is 422 POLICY_VIOLATION.",
  tags: ["consume"],
  params: { topic: TopicParam },
  body: Query,
  responses: { 200: ok("The rows.", QueryAnswer) },
  errors: [NotFound, OverBudget],
  async handle(c, { params: { topic }, body }) {
    const options = { maxRows: body.maxRows, maxBytes: body.maxBytes };
    return Response.json(await queryTopic(c.env, topic, body.sql, options));
  },
});
