/*
 * credentials.ts — the SASL users' SCRAM credentials, in ClusterMetadataDO's SQLite.
 *
 * A row is Kafka's ScramCredential for one user and one mechanism: salt, iterations,
 * StoredKey and ServerKey (kd_scram_credential computes them). Neither the password
 * nor the SaltedPassword is ever stored, or ever reaches this object: the Worker
 * derives the keys and sends only them. A user may hold a credential for each
 * mechanism, as in Kafka; PLAIN checks a password against either.
 */
import type { CredentialInfo, StoredCredential } from "../common/security";

export type { CredentialInfo, StoredCredential };

export class CredentialStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS sasl_scram_credentials (
      user TEXT NOT NULL,
      mechanism INTEGER NOT NULL,
      iterations INTEGER NOT NULL,
      salt BLOB NOT NULL,
      stored_key BLOB NOT NULL,
      server_key BLOB NOT NULL,
      PRIMARY KEY (user, mechanism)
    ) WITHOUT ROWID`);
  }

  put(c: StoredCredential): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO sasl_scram_credentials VALUES (?, ?, ?, ?, ?, ?)",
      c.user,
      c.mechanism,
      c.iterations,
      c.salt,
      c.storedKey,
      c.serverKey,
    );
  }

  /* The user's credentials, by mechanism (none for an unknown user). */
  get(user: string): StoredCredential[] {
    return this.sql
      .exec<Record<string, SqlStorageValue>>(
        "SELECT user, mechanism, iterations, salt, stored_key, server_key FROM sasl_scram_credentials WHERE user = ? ORDER BY mechanism",
        user,
      )
      .toArray()
      .map((r) => ({
        user: r.user as string,
        mechanism: r.mechanism as number,
        iterations: r.iterations as number,
        salt: new Uint8Array(r.salt as ArrayBuffer),
        storedKey: new Uint8Array(r.stored_key as ArrayBuffer),
        serverKey: new Uint8Array(r.server_key as ArrayBuffer),
      }));
  }

  list(): CredentialInfo[] {
    return this.sql
      .exec<{ user: string; mechanism: number; iterations: number }>(
        "SELECT user, mechanism, iterations FROM sasl_scram_credentials ORDER BY user, mechanism",
      )
      .toArray();
  }

  /* Removes the user's credential for one mechanism, or all of them; answers how many went. */
  delete(user: string, mechanism?: number): number {
    const cursor =
      mechanism === undefined
        ? this.sql.exec("DELETE FROM sasl_scram_credentials WHERE user = ?", user)
        : this.sql.exec("DELETE FROM sasl_scram_credentials WHERE user = ? AND mechanism = ?", user, mechanism);
    return cursor.rowsWritten;
  }
}
