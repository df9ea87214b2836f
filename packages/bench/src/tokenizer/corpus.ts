// Deterministic benchmark text: generated English-like prose and source code (no third-party
// text), plus the pathological inputs that would expose super-linear merge loops.

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "the of and to in is was that for it with as his on be at by had are but from or have an they which one you were her " +
  "all she there would their we him been has when who will more no if out so said what up its about into than them can " +
  "only other new some could time these two may then do first any my now such like our over man me even most made after " +
  "also did many before must through back years where much your way well down should because each just those people how " +
  "too little state good very make world still own see men work long get here between both life being under never day " +
  "same another know while last might us great old year off come since against go came right used take three small " +
  "engine memory kernel thread model token matrix vector cache buffer compile runtime latency throughput benchmark river " +
  "garden window morning winter summer library question answer history language mountain village careful quickly"
).split(" ");
const CONTRACTIONS = ["don't", "it's", "we'll", "they're", "I've", "can't", "she'd", "I'm", "HE'S", "WON'T"];
const PUNCT = [".", ".", ".", ",", ",", ";", ":", "!", "?", " —", "…"];
const IDENTS = ["value", "index", "count", "buffer", "tokens", "result", "offset", "length", "config", "stream", "weights", "scale"];
const TYPES = ["number", "string", "Uint8Array", "Float32Array", "boolean", "Map<string, number>"];

function pick<T>(next: () => number, xs: readonly T[]): T {
  return xs[Math.floor(next() * xs.length)]!;
}

function sentence(next: () => number): string {
  const n = 6 + Math.floor(next() * 16);
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.05) words.push(pick(next, CONTRACTIONS));
    else if (r < 0.08) words.push(String(Math.floor(next() * (r < 0.065 ? 100 : 1_000_000))));
    else if (r < 0.1) words.push(`"${pick(next, WORDS)}"`);
    else words.push(pick(next, WORDS));
    if (i < n - 1 && next() < 0.08) words[words.length - 1] += ",";
  }
  const s = words.join(" ");
  return s[0]!.toUpperCase() + s.slice(1) + pick(next, PUNCT);
}

function paragraph(next: () => number): string {
  const n = 3 + Math.floor(next() * 6);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(sentence(next));
  return out.join(" ") + "\n\n";
}

function codeBlock(next: () => number): string {
  const fn = pick(next, IDENTS) + pick(next, ["At", "For", "Of", "Into", "From"]) + pick(next, ["Row", "Block", "Slot", "Layer"]);
  const a = pick(next, IDENTS), b = pick(next, IDENTS);
  const lines = [
    `export function ${fn}(${a}: ${pick(next, TYPES)}, ${b}: ${pick(next, TYPES)}): number {`,
    `  // ${sentence(next)}`,
    `  let total = ${Math.floor(next() * 1000)};`,
    `  for (let i = 0; i < ${a}.length; i += ${1 + Math.floor(next() * 8)}) {`,
    `    if (${a}[i] !== ${b}[i] && (i & 0x${Math.floor(next() * 255).toString(16)}) === 0) total += ${a}[i] * ${(next() * 10).toFixed(3)};`,
    `    else total -= Math.max(0, ${b}[i] >> ${1 + Math.floor(next() * 7)});`,
    "  }",
    `  return total / ${b}.length;`,
    "}",
    "",
    `def ${fn.toLowerCase()}_${a}(${a}, ${b}=None):`,
    `    """${sentence(next)}"""`,
    `    if ${b} is None:`,
    `        ${b} = {"${a}": ${Math.floor(next() * 100)}, "${b}": [1, 2, 3]}`,
    `    return [x ** 2 for x in ${a} if x % ${2 + Math.floor(next() * 5)} == 0]`,
    "",
  ];
  return lines.join("\n") + "\n";
}

/** About `bytes` of mixed prose (~70%) and code (~30%), always the same for the same size. */
export function mixedText(bytes: number, seed = 42): string {
  const next = rng(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const p = next() < 0.7 ? paragraph(next) : codeBlock(next);
    parts.push(p);
    n += p.length;
  }
  return parts.join("");
}

/** `bytes` random bytes, decoded as UTF-8 (invalid sequences become U+FFFD). */
export function randomBytesText(bytes: number, seed: number): string {
  const next = rng(seed);
  const raw = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) raw[i] = Math.floor(next() * 256);
  return new TextDecoder().decode(raw);
}

export interface BenchInput {
  name: string;
  /** The text for timed run `run` (-1 = warm-up). Random bytes differ per run, so a word cache
   *  cannot serve a later run from an earlier one. */
  text(run: number): string;
}

export function pathological(bytes: number): BenchInput[] {
  const repeated = "a".repeat(bytes);
  const noSpaces = mixedText(Math.ceil(bytes * 1.3), 9).replace(/\s+/g, "").slice(0, bytes);
  return [
    { name: "one repeated char", text: () => repeated },
    { name: "random bytes", text: (run) => randomBytesText(bytes, 1000 + run) },
    { name: "no spaces", text: () => noSpaces },
  ];
}
