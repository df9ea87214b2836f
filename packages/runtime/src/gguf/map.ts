import type { GGUFFile } from "./file.js";

/** What mapTensors needs from a mapping: @ryzen/kernels' MappedFile has this shape. */
export interface TensorMapping<T> {
  readonly size: number;
  tensor(type: number, shape: number[], byteOffset: number): T;
}

/** Zero-copy views of every tensor of `file` over its memory mapping
 *  (`mapTensors(file, MappedFile.open(path))`), by tensor name. */
export function mapTensors<T>(file: GGUFFile, mapped: TensorMapping<T>): Map<string, T> {
  if (mapped.size !== file.fileSize) {
    throw new RangeError(`the mapping has ${mapped.size} bytes but the GGUF file was read with ${file.fileSize}: not the same file`);
  }
  const out = new Map<string, T>();
  for (const t of file.tensors) out.set(t.name, mapped.tensor(t.type, [...t.shape], t.offset));
  return out;
}
