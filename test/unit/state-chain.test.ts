import { describe, expect, it } from "vitest";
import { ChainError, type ChainStep, materialize, sha256, StateChain } from "../../src/server/checkpoint/state-chain";

/** A 200 KB state whose epoch `e` differs from epoch e − 1 in a few hundred bytes. */
function state(e: number, n = 200_000): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131) >>> 3;
  for (let k = 1; k <= e; k++) for (let j = 0; j < 40; j++) out[(k * 7919 + j * 4999) % n] = (k * 13 + j) & 0xff;
  return out;
}

async function commit(chain: StateChain, e: number, s: Uint8Array): Promise<ChainStep> {
  const step = await chain.step(e, s);
  chain.adopt(step);
  return step;
}

describe("StateChain", () => {
  it("stores a base, then deltas that cost what changed, and rebuilds every epoch's state", async () => {
    const chain = new StateChain();
    const steps: ChainStep[] = [];
    for (let e = 1; e <= 6; e++) steps.push(await commit(chain, e, state(e)));
    expect(steps.map((s) => s.link.kind)).toEqual(["base", "delta", "delta", "delta", "delta", "delta"]);
    for (const s of steps.slice(1)) expect(s.payload.length).toBeLessThan(2_000);
    const last = steps[5];
    expect(last.chain.map((l) => l.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    const payloads = last.chain.map((l) => steps[l.epoch - 1].payload);
    const back = await materialize(last.chain, payloads, { stateBytes: last.stateBytes, sha256: last.sha256 });
    expect(Buffer.from(back).equals(Buffer.from(state(6)))).toBe(true);
  });

  it("rebases when the deltas add up to the state, or at maxDeltas, and on a rewrite", async () => {
    const byCount = new StateChain({ maxDeltas: 3 });
    const kinds: string[] = [];
    for (let e = 1; e <= 9; e++) kinds.push((await commit(byCount, e, state(e))).link.kind);
    expect(kinds).toEqual(["base", "delta", "delta", "delta", "base", "delta", "delta", "delta", "base"]);

    const ratio = 0.002; // 400 bytes of deltas on 200 KB
    const byBytes = new StateChain({ rebaseRatio: ratio });
    let before = 0; // delta bytes of the chain before each commit
    const kindsByBytes: string[] = [];
    for (let e = 1; e <= 12; e++) {
      const s = await commit(byBytes, e, state(e));
      if (e > 1) expect(s.link.kind, `epoch ${e}`).toBe(before >= ratio * 200_000 ? "base" : "delta");
      kindsByBytes.push(s.link.kind);
      before = s.chain.filter((l) => l.kind === "delta").reduce((n, l) => n + l.bytes, 0);
    }
    expect(kindsByBytes.filter((k) => k === "base").length).toBeGreaterThan(1);
    expect(kindsByBytes.filter((k) => k === "delta").length).toBeGreaterThan(2);

    const rewrite = new StateChain();
    await commit(rewrite, 1, state(1));
    let x = 7;
    const other = new Uint8Array(200_000).map(() => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    });
    expect((await commit(rewrite, 2, other)).link.kind).toBe("base");
  });

  it("always stores a small state whole", async () => {
    const chain = new StateChain();
    for (let e = 1; e <= 3; e++) expect((await commit(chain, e, state(e, 1000))).chain).toEqual([{ epoch: e, kind: "base", bytes: 1000 }]);
  });

  it("makes the next delta against the committed state when a commit failed", async () => {
    const chain = new StateChain();
    const s1 = await commit(chain, 1, state(1));
    await chain.step(2, state(2)); // never adopted: the commit failed
    const s3 = await commit(chain, 3, state(3));
    expect(s3.chain.map((l) => l.epoch)).toEqual([1, 3]);
    const back = await materialize(s3.chain, [s1.payload, s3.payload], { stateBytes: s3.stateBytes, sha256: s3.sha256 });
    expect(Buffer.from(back).equals(Buffer.from(state(3)))).toBe(true);
  });

  it("refuses a chain that does not rebuild the committed state", async () => {
    const chain = new StateChain();
    const s1 = await commit(chain, 1, state(1));
    const s2 = await commit(chain, 2, state(2));
    const expected = { stateBytes: s2.stateBytes, sha256: s2.sha256 };
    await expect(materialize(s2.chain, [s1.payload, s2.payload], { ...expected, sha256: sha256(state(1)) })).rejects.toThrow(ChainError);
    await expect(materialize(s2.chain, [s1.payload, s2.payload.subarray(1)], expected)).rejects.toThrow(/delta of epoch 2 has \d+ bytes, the checkpoint says/);
    const damaged = s2.payload.slice();
    damaged[damaged.length >> 1] ^= 0xff;
    await expect(materialize(s2.chain, [s1.payload, damaged], expected)).rejects.toThrow(ChainError);
    await expect(materialize([s2.chain[1]], [s2.payload], expected)).rejects.toThrow(/one base and then deltas/);
  });
});
