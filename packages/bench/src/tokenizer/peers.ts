// The other JavaScript tokenizers the benchmark runs side by side, set up on the same vocabs.

// Peers are imported when the bench runs: they are optional peer dependencies of @ryzen/bench.
import { PATTERNS, llama3SpecialTokens } from "@ryzen/tokenizer";
import { importPeer } from "../deps.js";

const tiktoken = () => importPeer("js-tiktoken", () => import("js-tiktoken/lite"));

export interface PeerTokenizer {
  name: string;
  encode(text: string): number[];
  decode(ids: number[]): string;
}

/** js-tiktoken on a tiktoken rank file (`base64 rank` lines). The Llama 3 pattern is given in
 *  JavaScript syntax: the file's Python form uses (?i:…), which Node 20's RegExp rejects. */
export async function jsTiktokenFromRankFile(rankFile: string): Promise<PeerTokenizer> {
  const { Tiktoken } = await tiktoken();
  const lines = rankFile.split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]);
  lines.sort((a, b) => Number(a[1]) - Number(b[1]));
  lines.forEach(([, r], i) => {
    if (Number(r) !== i) throw new Error("rank file is not contiguous from 0");
  });
  const enc = new Tiktoken({
    pat_str: PATTERNS.llama3,
    special_tokens: llama3SpecialTokens(),
    bpe_ranks: "! 0 " + lines.map(([b64]) => b64).join(" "),
  });
  return { name: "js-tiktoken", encode: (t) => enc.encode(t, [], []), decode: (ids) => enc.decode(ids) };
}

export async function jsTiktokenGpt2(): Promise<PeerTokenizer> {
  const { Tiktoken } = await tiktoken();
  const gpt2Ranks = (await importPeer("js-tiktoken", () => import("js-tiktoken/ranks/gpt2"))).default;
  const enc = new Tiktoken(gpt2Ranks);
  return { name: "js-tiktoken", encode: (t) => enc.encode(t, [], []), decode: (ids) => enc.decode(ids) };
}

/** @huggingface/tokenizers on a tokenizer.json object. */
export async function hfTokenizers(json: object): Promise<PeerTokenizer> {
  const { Tokenizer: HFTokenizer } = await importPeer("@huggingface/tokenizers", () => import("@huggingface/tokenizers"));
  const tok = new HFTokenizer(json, {});
  return {
    name: "@huggingface/tokenizers",
    encode: (t) => tok.encode(t, { add_special_tokens: false }).ids,
    decode: (ids) => tok.decode(ids, { skip_special_tokens: false }),
  };
}
