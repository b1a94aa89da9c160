/*
 * acls.ts — the cluster's ACL bindings, in ClusterMetadataDO's SQLite: one row per
 * binding, Kafka's codes as they are. The rules (what may be stored, what a filter
 * matches, what a binding allows) are the core's (acl.c); this is storage only.
 */
import type { AclBinding } from "../../wasm/kafdo";

export class AclStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS acl_bindings (
      resource_type INTEGER NOT NULL,
      resource_name TEXT NOT NULL,
      pattern_type INTEGER NOT NULL,
      principal TEXT NOT NULL,
      host TEXT NOT NULL,
      operation INTEGER NOT NULL,
      permission_type INTEGER NOT NULL,
      PRIMARY KEY (resource_type, resource_name, pattern_type, principal, host, operation, permission_type)
    ) WITHOUT ROWID`);
  }

  /* Adds bindings; one already stored stays as it is (Kafka's CreateAcls is idempotent). */
  add(bindings: AclBinding[]): void {
    for (const b of bindings) {
      this.sql.exec(
        "INSERT OR IGNORE INTO acl_bindings VALUES (?, ?, ?, ?, ?, ?, ?)",
        b.resourceType,
        b.resourceName,
        b.patternType,
        b.principal,
        b.host,
        b.operation,
        b.permissionType,
      );
    }
  }

  list(): AclBinding[] {
    return this.sql
      .exec<Record<string, SqlStorageValue>>(
        "SELECT * FROM acl_bindings ORDER BY resource_type, resource_name, pattern_type, principal",
      )
      .toArray()
      .map((r) => ({
        resourceType: r.resource_type as number,
        resourceName: r.resource_name as string,
        patternType: r.pattern_type as number,
        principal: r.principal as string,
        host: r.host as string,
        operation: r.operation as number,
        permissionType: r.permission_type as number,
      }));
  }

  remove(bindings: AclBinding[]): void {
    for (const b of bindings) {
      this.sql.exec(
        "DELETE FROM acl_bindings WHERE resource_type = ? AND resource_name = ? AND pattern_type = ? AND principal = ? AND host = ? AND operation = ? AND permission_type = ?",
        b.resourceType,
        b.resourceName,
        b.patternType,
        b.principal,
        b.host,
        b.operation,
        b.permissionType,
      );
    }
  }
}
