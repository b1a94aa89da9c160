/*
 * security.ts — the Kafka port's SASL users and the cluster's ACLs, as REST,
 * kafdo/client and the cluster metadata object's RPC carry them.
 *
 * Part of worker/common: imports nothing outside it.
 */

/* ---- SASL users (the Kafka port's PLAIN / SCRAM logins) ------------------------ */

export type ScramMechanismName = "SCRAM-SHA-256" | "SCRAM-SHA-512";

/* A user as GET /admin/users lists it: the mechanisms it has a credential for; never a
 * password or key. */
export interface SaslUser {
  name: string;
  credentials: { mechanism: ScramMechanismName; iterations: number }[];
}

/* PUT /admin/users/:name: PLAIN logins check a password against the SCRAM credential. */
export interface SaslUserCredential {
  mechanism: ScramMechanismName;
  password: string;
  /* PBKDF2 iterations, 4096 (the default) to 16384. */
  iterations?: number;
}

/* A user's SCRAM credential as the cluster metadata object keeps it: Kafka's
 * ScramCredential for one user and one mechanism. Neither the password nor the
 * SaltedPassword is ever stored: the Worker derives the keys (kd_scram_credential)
 * and sends only them. */
export interface StoredCredential {
  user: string;
  /* Kafka's ScramMechanism: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512. */
  mechanism: number;
  iterations: number;
  salt: Uint8Array;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

/* What may be shown of a credential (DescribeUserScramCredentials, GET /admin/users). */
export type CredentialInfo = Pick<StoredCredential, "user" | "mechanism" | "iterations">;

/* ---- ACLs ---------------------------------------------------------------------- */

/* An ACL binding as /admin/acls writes it (Kafka's names). DENY wins over ALLOW. */
export interface AclEntry {
  resourceType: "TOPIC" | "GROUP" | "CLUSTER" | "TRANSACTIONAL_ID";
  resourceName: string;
  /* LITERAL (the default; "*" is every name) or PREFIXED. */
  patternType?: "LITERAL" | "PREFIXED";
  principal: string;
  host?: string;
  operation: string;
  permission?: "ALLOW" | "DENY";
}

/* A filter: what is omitted matches any (patternType MATCH by name, as kafka-acls). */
export type AclEntryFilter = Partial<Omit<AclEntry, "patternType">> & {
  patternType?: "ANY" | "MATCH" | "LITERAL" | "PREFIXED";
};
