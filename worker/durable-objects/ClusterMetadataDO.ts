/*
 * ClusterMetadataDO — the single object that knows the cluster: topics (name,
 * topic id, partition count, config) and the groups known to exist. The class
 * exists now so that wrangler.toml's migration can name it; its RPC methods come
 * with topic administration.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export class ClusterMetadataDO extends DurableObject<Env> {}
