// BitNet architectures on tiny GGUFs with known ternary weights, in every ternary storage type,
// against the float64 TypeScript reference forward pass (test/reference/forward.ts).
//
// Tolerance. The reference emulates what the engine does on purpose (f16 KV cache, int8
// per-token absmax activations for ternary matmuls, as bitnet.cpp). What remains is float32
// vs float64 arithmetic (measured: ~3e-7 of the logits' range on every ISA) and, should a value
// sit on an int8 or f16 rounding boundary, one code landing on the other side. 1e-3 of the range
// leaves room for that; a wrong RoPE style, a missing sub-norm, the wrong activation or a scale
// applied the wrong way changes logits by tens of percent (checked below by running the
// reference with the wrong setting).
import { describe, expect, it } from "vitest";
import { GGMLType, cpuInfo, setIsa, typeName } from "@ryzen/kernels";
import { loadModel } from "../src/index.js";
import { RefModel, argmax64 } from "./reference/forward.js";
import { buildTinyBitnet, TINY, type TinySpec } from "./tiny-bitnet.js";
import { relMaxDiff } from "./helpers.js";

const TOLERANCE = 1e-3;
const PROMPT = [1, 300, 17, 259, 311, 42, 280, 5, 260, 299];

const cases: TinySpec[] = [
  { arch: "bitnet-b1.58", type: GGMLType.I2_S },
  { arch: "bitnet-b1.58", type: GGMLType.TQ1_0 },
  { arch: "bitnet-b1.58", type: GGMLType.TQ2_0 },
  { arch: "bitnet-25", type: GGMLType.I2_S, seed: 5 },
  { arch: "bitnet", type: GGMLType.TQ2_0, scaleTensors: true, seed: 7 },
  { arch: "bitnet", type: GGMLType.TQ1_0, scaleTensors: true, hiddenAct: "relu2", seed: 9 },
];

describe("BitNet tiny models vs the reference forward pass", () => {
  for (const spec of cases) {
    const label = `${spec.arch} ${typeName(spec.type)}${spec.scaleTensors ? " + .scale tensors" : ""}${spec.hiddenAct ? ` (${spec.hiddenAct})` : ""}`;
    it(label, async () => {
      const { path, cfg, ref } = await buildTinyBitnet(spec);
      const model = await loadModel(path);
      try {
        expect(model.info.architecture).toBe(spec.arch);
        expect(model.info.ropeMode).toBe("neox");
        expect(model.info.tiedOutput).toBe(true);
        const V = TINY.vocab;
        const refModel = new RefModel(cfg, ref, { kvF16: true, ternaryActs: "int8-row" });
        const want = PROMPT.map((t) => refModel.step(t));
        let worst = 0;
        for (const isa of cpuInfo().available) {
          setIsa(isa);
          const all = await model.evaluate(PROMPT, { allLogits: true });
          PROMPT.forEach((_, p) => {
            const got = all.subarray(p * V, (p + 1) * V);
            worst = Math.max(worst, relMaxDiff(got, want[p]));
            expect(relMaxDiff(got, want[p]), `${isa} position ${p}`).toBeLessThan(TOLERANCE);
            expect(argmax64(got), `${isa} top-1 at position ${p}`).toBe(argmax64(want[p]));
          });
        }
        console.log(`${label}: worst logits difference ${worst.toExponential(1)} of range over ${cpuInfo().available.join("/")}`);
        setIsa(cpuInfo().best);
        // Greedy generation follows the reference's argmax chain.
        const gen = await model.generate(PROMPT, { temperature: 0, maxTokens: 12 }).result;
        const chain: number[] = [];
        let logits = want[want.length - 1];
        for (let i = 0; i < gen.tokens.length; i++) {
          const t = argmax64(logits);
          chain.push(t);
          if (t === 2) break;
          logits = refModel.step(t);
        }
        expect(gen.tokens).toEqual(chain);
      } finally {
        model.dispose();
      }
    });
  }

  it("ternary weights in the T2 layout (AVX2-only CPUs) give the same logits, bit for bit, as T3", async () => {
    for (const spec of cases.slice(0, 3)) {
      const { path } = await buildTinyBitnet(spec);
      const logits: Float32Array[] = [];
      for (const layout of ["t3", "t2"]) {
        process.env.RYZEN_TERNARY_LAYOUT = layout;
        const model = await loadModel(path);
        try {
          logits.push(Float32Array.from(await model.evaluate(PROMPT, { allLogits: true })));
        } finally {
          model.dispose();
          delete process.env.RYZEN_TERNARY_LAYOUT;
        }
      }
      expect(logits[0].length).toBe(PROMPT.length * TINY.vocab);
      expect(Buffer.from(logits[1].buffer).equals(Buffer.from(logits[0].buffer)), typeName(spec.type)).toBe(true);
    }
  });

  it("batched decode of ternary models gives each sequence what it gets alone", async () => {
    for (const type of [GGMLType.I2_S, GGMLType.TQ2_0, GGMLType.TQ1_0]) {
      const { path } = await buildTinyBitnet({ arch: "bitnet-b1.58", type, seed: 21 });
      const model = await loadModel(path, { threads: 1, maxSequences: 4 });
      try {
        const prompts = [PROMPT, PROMPT.slice(0, 4), [1, 77, 78, 79, 80, 81], [1, 310]];
        const alone = [];
        for (const p of prompts) alone.push((await model.generate(p, { temperature: 0, maxTokens: 10 }).result).tokens);
        const together = await Promise.all(prompts.map((p) => model.generate(p, { temperature: 0, maxTokens: 10 }).result));
        expect(together.map((r) => r.tokens), typeName(type)).toEqual(alone);
        expect(model.schedulerStats.maxDecodeBatch).toBeGreaterThan(1);
      } finally {
        model.dispose();
      }
    }
  });

  it("q8_0 KV cache matches a reference that rounds K/V through q8_0", async () => {
    const { path, cfg, ref } = await buildTinyBitnet({ arch: "bitnet-b1.58", type: GGMLType.TQ2_0, seed: 3 });
    const model = await loadModel(path, { kvType: "q8_0", threads: 1 });
    try {
      expect(model.info.kvType).toBe("q8_0");
      expect(model.info.kvBytesPerSequence).toBe(2 * TINY.layers * TINY.ctx * (TINY.nHeadKv * TINY.headDim / 32) * 34);
      const r = new RefModel(cfg, ref, { kvQ8: true });
      const all = await model.evaluate(PROMPT, { allLogits: true });
      const V = TINY.vocab;
      let worst = 0;
      PROMPT.forEach((t, p) => {
        const want = r.step(t);
        const got = all.subarray(p * V, (p + 1) * V);
        worst = Math.max(worst, relMaxDiff(got, want));
        expect(argmax64(got)).toBe(argmax64(want));
      });
      console.log(`tiny bitnet-b1.58 tq2_0, q8_0 KV: worst logits difference ${(100 * worst).toFixed(2)} % of range`);
      // Where the engine's f32 K/V and the reference's f64 K/V straddle a q8_0 rounding boundary they
      // land one step (max|block|/127) apart; a few such flips per layer stay within 2 %.
      expect(worst).toBeLessThan(2e-2);
    } finally {
      model.dispose();
    }
  });

  it("outputType requantizes the tied f16 head (q8_0, q6_k) and keeps the reference's choices", async () => {
    const { path, cfg, ref } = await buildTinyBitnet({ arch: "bitnet-b1.58", type: GGMLType.I2_S, seed: 13 });
    const r = new RefModel(cfg, ref, { kvF16: true });
    const want = PROMPT.map((t) => r.step(t));
    for (const outputType of ["q8_0", "q6_k"] as const) {
      const model = await loadModel(path, { outputType, threads: 1 });
      try {
        expect(model.info.outputType).toBe(outputType === "q6_k" ? "q6_K" : "q8_0");
        const all = await model.evaluate(PROMPT, { allLogits: true });
        const V = TINY.vocab;
        let agree = 0;
        let worst = 0;
        PROMPT.forEach((_, p) => {
          const got = all.subarray(p * V, (p + 1) * V);
          worst = Math.max(worst, relMaxDiff(got, want[p]));
          if (argmax64(got) === argmax64(want[p])) agree++;
        });
        console.log(`tiny head ${outputType}: worst logits difference ${(100 * worst).toFixed(2)} % of range, top-1 ${agree}/${PROMPT.length}`);
        // The head's weights are rounded to 8 (6) bits and its input to 8 bits by the quantized
        // matmul: measured ~0.9 % (q8_0) and ~2.2 % (q6_K) of the range here; a head that is not
        // requantized correctly (wrong rows, wrong scale) is off by far more and loses top-1.
        expect(worst).toBeLessThan(outputType === "q8_0" ? 2e-2 : 4e-2);
        expect(agree).toBeGreaterThanOrEqual(PROMPT.length - 1);
      } finally {
        model.dispose();
      }
    }
    await expect(loadModel(path, { outputType: "q5_1" as never })).rejects.toMatchObject({ code: "BAD_OPTION" });
  });

  it("context shift works on f16, q8_0 and f32 caches with NeoX RoPE", async () => {
    const { path, cfg, ref } = await buildTinyBitnet({ arch: "bitnet-b1.58", type: GGMLType.TQ2_0, seed: 17 });
    for (const kvType of ["f16", "q8_0", "f32"] as const) {
      const model = await loadModel(path, { kvType, contextLength: 24, threads: 1 });
      try {
        const r = await model.generate(PROMPT, { temperature: 0, maxTokens: 40, onContextFull: "shift" }).result;
        expect(r.finishReason).toBe("length");
        expect(r.tokens.length).toBe(40);
        if (kvType !== "q8_0") {
          // token for token against the reference doing the same shifts (keep BOS, drop half, re-rotate)
          const m = new RefModel(cfg, ref, { kvF16: kvType === "f16" });
          let logits!: Float64Array;
          for (const t of PROMPT) logits = m.step(t);
          const want: number[] = [];
          while (want.length < 40) {
            const t = argmax64(logits);
            want.push(t);
            if (m.length === 24) m.shift(1, Math.floor((24 - 1) / 2));
            logits = m.step(t);
          }
          expect(r.tokens).toEqual(want);
        }
      } finally {
        model.dispose();
      }
    }
  });

  it("the tolerance separates right from wrong: a NORMAL-RoPE or SiLU reference is far off", async () => {
    const { cfg, ref } = await buildTinyBitnet(cases[0]);
    const right = new RefModel(cfg, ref, { kvF16: true });
    const wrongRope = new RefModel({ ...cfg, ropeMode: "normal" }, ref, { kvF16: true });
    const wrongAct = new RefModel({ ...cfg, activation: "silu" }, ref, { kvF16: true });
    let dRope = 0;
    let dAct = 0;
    for (const t of PROMPT) {
      const a = right.step(t);
      dRope = Math.max(dRope, relMaxDiff(wrongRope.step(t), a));
      dAct = Math.max(dAct, relMaxDiff(wrongAct.step(t), a));
    }
    expect(dRope).toBeGreaterThan(0.1);
    expect(dAct).toBeGreaterThan(0.1);
  });
});
