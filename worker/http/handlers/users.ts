/*
 * users.ts — /admin/users: the SASL users of the Kafka port (api/users.ts): set a
 * user's password for a mechanism, list the users, delete a credential or all.
 *
 * The password is turned into salted keys at once (api/users.ts) and never stored or
 * echoed. Which mechanisms and iteration counts are acceptable is Kafka's rule, the
 * core's and api/'s: another mechanism is 400 UNSUPPORTED_SASL_MECHANISM, an empty
 * password or iterations outside 4096..16384 400 UNACCEPTABLE_CREDENTIAL.
 */
import { DEFAULT_ITERATIONS, deleteUser, listUsers, mechanismCode, setUserPassword } from "../../api/users";
import { endpoint } from "../endpoint";
import { NoCredential, noContent, ok } from "../responses";
import { INT32_MAX, StringEnum, Struct, Type, named } from "../schema";

const MECHANISMS = ["SCRAM-SHA-256", "SCRAM-SHA-512"] as const;

const UserParam = Type.String({ description: "A SASL user's name, percent-encoded." });

const User = named(
  "User",
  Struct({
    name: Type.String(),
    credentials: Type.Array(Struct({ mechanism: StringEnum(MECHANISMS), iterations: Type.Integer() })),
  }),
);

const UserList = named("UserList", Struct({ users: Type.Array(User) }));

const SetUser = named(
  "SetUser",
  Struct({
    mechanism: Type.String({
      description: "SCRAM-SHA-256 or SCRAM-SHA-512 (another is 400 UNSUPPORTED_SASL_MECHANISM).",
    }),
    password: Type.String(),
    iterations: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: INT32_MAX,
        description: `PBKDF2 iterations, ${DEFAULT_ITERATIONS} (the default) to 16384.`,
      }),
    ),
  }),
);

export const listUsersEndpoint = endpoint({
  summary: "List SASL users",
  description:
    "Every user of the Kafka port's SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), with the mechanisms it has a " +
    "credential for. Never a password or key.",
  tags: ["admin"],
  responses: { 200: ok("The users.", UserList) },
  async handle(c) {
    return Response.json({ users: await listUsers(c.env) });
  },
});

export const putUser = endpoint({
  summary: "Set a SASL user's password",
  description:
    "Creates or replaces the user's SCRAM credential for the mechanism: the password is salted and hashed " +
    `(PBKDF2, ${DEFAULT_ITERATIONS} iterations unless given, at most 16384) and never stored. PLAIN checks ` +
    "passwords against it. 400 UNSUPPORTED_SASL_MECHANISM for another mechanism, 400 UNACCEPTABLE_CREDENTIAL " +
    "for an empty password or iterations out of range.",
  tags: ["admin"],
  params: { name: UserParam },
  body: SetUser,
  responses: { 200: ok("The user.", User) },
  async handle(c, { params: { name }, body }) {
    return Response.json(
      await setUserPassword(c.env, name, body.mechanism, body.password, body.iterations ?? DEFAULT_ITERATIONS),
    );
  },
});

export const deleteUserEndpoint = endpoint({
  summary: "Delete a SASL user",
  description: "Removes the user's credential for ?mechanism=, or all of them (the default).",
  tags: ["admin"],
  params: { name: UserParam },
  query: { mechanism: StringEnum([...MECHANISMS, "all"], { description: "Which credential; default all." }) },
  responses: { 204: noContent("Deleted.") },
  errors: [NoCredential],
  async handle(c, { params: { name }, query }) {
    const mechanism = query.mechanism ?? "all";
    await deleteUser(c.env, name, mechanism === "all" ? undefined : mechanismCode(mechanism));
    return new Response(null, { status: 204 });
  },
});
