/*
 * users.ts — /admin/users: the SASL users of the Kafka port (api/users.ts).
 *
 *   PUT    /admin/users/:name  {"mechanism": "SCRAM-SHA-256" | "SCRAM-SHA-512", "password": "...",
 *                               "iterations"?: 4096..16384}  sets the user's credential
 *   GET    /admin/users                                      every user, with mechanisms and iterations
 *   DELETE /admin/users/:name[?mechanism=SCRAM-SHA-256]      removes one credential, or all
 *
 * The password is turned into salted keys at once and never stored or echoed.
 */
import { DEFAULT_ITERATIONS, deleteUser, listUsers, mechanismCode, setUserPassword } from "../../api/users";
import { Query, has, integer, object, readJson, string } from "../input";
import type { Context } from "../router";

export async function listUsersHandler(c: Context): Promise<Response> {
  Query.none(c.url);
  return Response.json({ users: await listUsers(c.env) });
}

export async function putUser(c: Context): Promise<Response> {
  Query.none(c.url);
  const body = object(await readJson(c.request), "body", ["mechanism", "password", "iterations"]);
  const mechanism = string(body.mechanism, "body.mechanism");
  const password = string(body.password, "body.password");
  const iterations = has(body, "iterations") ? integer(body.iterations, "body.iterations", 1, 2147483647) : DEFAULT_ITERATIONS;
  return Response.json(await setUserPassword(c.env, c.param("name"), mechanism, password, iterations));
}

export async function deleteUserHandler(c: Context): Promise<Response> {
  const mechanism = new Query(c.url, ["mechanism"]).oneOf("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512", "all"], "all");
  await deleteUser(c.env, c.param("name"), mechanism === "all" ? undefined : mechanismCode(mechanism));
  return new Response(null, { status: 204 });
}
