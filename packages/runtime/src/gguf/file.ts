import type { GGUFValue, GGUFValueType } from "@ryzen/tokenizer";

export interface GGUFTensorInfo {
  name: string;
  /** ggml type id */
  type: number;
  typeName: string;
  /** GGUF order: shape[0] is the contiguous (row) dimension */
  shape: number[];
  /** absolute byte offset of the tensor's data in the file */
  offset: number;
  /** byte length of the tensor's data */
  bytes: number;
}

/** A parsed, validated GGUF file: header, metadata and tensor table (no tensor data). */
export interface GGUFFile {
  version: number;
  metadata: Map<string, GGUFValue>;
  /** key -> value type (ARRAY for arrays; the element type is in arrayTypes) */
  types: Map<string, GGUFValueType>;
  arrayTypes: Map<string, GGUFValueType>;
  tensors: GGUFTensorInfo[];
  /** absolute offset of the tensor data section */
  dataOffset: number;
  alignment: number;
  fileSize: number;
  get(key: string): GGUFValue | undefined;
  tensor(name: string): GGUFTensorInfo | undefined;
}
