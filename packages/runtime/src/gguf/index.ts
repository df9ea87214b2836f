export { readGGUF, readGGUFFromBytes, GGUF_DEFAULT_ALIGNMENT, type ReadGGUFOptions } from "./reader.js";
export type { GGUFFile, GGUFTensorInfo } from "./file.js";
export { GGUFWriter, type GGUFTensorData } from "./writer.js";
export { GGUFFormatError, GGUFTensorError, type GGUFErrorCode } from "./errors.js";
export { mapTensors, type TensorMapping } from "./map.js";
export { f32ToF16, f16ToF32, f32ToBF16, bf16ToF32 } from "./float.js";
export { GGUFValueType, type GGUFValue } from "@ryzen/tokenizer";
