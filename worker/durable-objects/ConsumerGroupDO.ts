/*
 * ConsumerGroupDO — one consumer group: members, generation, assignment and
 * committed offsets, kept by the core's group state machine (src-c/group.c) in
 * this object's SQLite. The class exists now so that wrangler.toml's migration can
 * name it; its RPC methods come with the core's group module.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export class ConsumerGroupDO extends DurableObject<Env> {}
