/*
 * The package's public entry points resolve by name, as a user's Worker imports
 * them, and carry what the README says they do.
 */
import { describe, expect, it } from "vitest";
import * as kafdo from "kafdo";
import * as client from "kafdo/client";
import * as integrations from "kafdo/integrations";

describe("package entry points", () => {
  it("kafdo exports the in-Worker API and the Durable Object classes", () => {
    expect(typeof kafdo.createProducer).toBe("function");
    expect(typeof kafdo.createAdmin).toBe("function");
    expect(typeof kafdo.TopicPartitionDO).toBe("function");
    expect(typeof kafdo.ConsumerGroupDO).toBe("function");
    expect(typeof kafdo.ClusterMetadataDO).toBe("function");
    expect(new kafdo.KafdoError(3).name).toBe("UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("kafdo/client and kafdo/integrations load", () => {
    expect(client.errorName(36)).toBe("TOPIC_ALREADY_EXISTS");
    for (const name of [
      "KafdoPipeline",
      "createKafdoPipeline",
      "R2EventBridge",
      "createR2EventBridge",
      "processCDCMessage",
      "processR2Event",
    ]) {
      expect(typeof (integrations as Record<string, unknown>)[name], name).toBe("function");
    }
  });
});
