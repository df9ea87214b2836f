// ggml tensor types (ids, block sizes, tensor byte sizes) come from @ryzen/kernels, whose
// native dtype table is the one source of truth for what the engine can read.
export { GGMLType, typeInfo, typeName, tensorBytes, type TypeInfo } from "@ryzen/kernels";
