export { quantizeModel, type QuantizeModelOptions, type QuantizeModelResult, type QuantizedTensor } from "./model.js";
export { quantizeTensor, dequantizeTensor } from "./tensor.js";
export { planQuantization, allowsQuantization, type TensorPlan, type PlanOptions } from "./policy.js";
export { QuantizeError, type QuantizeErrorCode } from "./errors.js";
export { QUANT_TYPES, OUTPUT_TYPES, type QuantType, type OutputType } from "./types.js";
