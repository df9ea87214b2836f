// Optional requantization of a float output head at load time. A BitNet model's tied f16
// embedding is the largest tensor it reads per token (656 MB for the 2B-4T): decode is
// memory-bound, so a Q6_K / Q8_0 copy of the head reads 2-3x fewer bytes per token. The
// embedding lookup keeps using the original table (only the rows it touches are paged in).
import { GGMLType, Tensor, quantize, typeInfo, typeName } from "@ryzen/kernels";
import { ModelLoadError } from "../errors.js";

export type HeadType = "q6_k" | "q8_0" | "q4_0";
const HEAD_TYPES: Record<HeadType, number> = { q6_k: GGMLType.Q6_K, q8_0: GGMLType.Q8_0, q4_0: GGMLType.Q4_0 };
const FLOAT_TYPES: readonly number[] = [GGMLType.F32, GGMLType.F16, GGMLType.BF16];
/** Rows converted per native call: bounds the f32 staging buffer (about 40 MB at 2560 wide). */
const ROWS_PER_CHUNK = 4096;
/** "auto" converts float heads from this size: small models keep their exact head. */
export const AUTO_HEAD_MIN_BYTES = 64 * 2 ** 20;

/** The head to use: `head` itself, or a requantized copy when `want` asks for one and `head` is float. */
export function requantizeHead(head: Tensor, want: HeadType | "auto" | "as-stored" | undefined): { head: Tensor; converted: boolean } {
  if (want === undefined || want === "auto") want = head.byteLength >= AUTO_HEAD_MIN_BYTES ? "q6_k" : "as-stored";
  if (want !== "as-stored" && HEAD_TYPES[want] === undefined) {
    throw new ModelLoadError("BAD_OPTION", `outputType must be one of auto, as-stored, ${Object.keys(HEAD_TYPES).join(", ")}, got ${String(want)}`);
  }
  if (want === "as-stored" || !FLOAT_TYPES.includes(head.type)) return { head, converted: false };
  const type = HEAD_TYPES[want];
  const [E, V] = head.shape;
  const info = typeInfo(type);
  if (E % info.blockSize !== 0) {
    throw new ModelLoadError("BAD_OPTION", `outputType ${typeName(type)} needs rows that are a multiple of ${info.blockSize} (this head has ${E})`);
  }
  const rowBytes = (E / info.blockSize) * info.typeSize;
  const bytes = new Uint8Array(rowBytes * V);
  for (let r0 = 0; r0 < V; r0 += ROWS_PER_CHUNK) {
    const n = Math.min(ROWS_PER_CHUNK, V - r0);
    const view = head.rows(r0, n);
    const f32 = view.toFloat32();
    view.dispose();
    bytes.set(quantize(type, f32, n, E), r0 * rowBytes);
  }
  return { head: Tensor.from(type, [E, V], bytes), converted: true };
}
