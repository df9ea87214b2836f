// Free functions of the JS API: machine (cpuInfo, ISA, threads, memory), types, quantization,
// and matmul kernel selection.
#include <algorithm>

#include "core/isa.h"
#include "core/isa_probe.h"
#include "core/matmul_op.h"
#include "core/memory.h"
#include "core/profile.h"
#include "core/plan.h"
#include "core/prefetch.h"
#include "core/tensor_make.h"
#include "core/thread_pool.h"
#include "core/weights.h"
#include "js.h"
#include "tensor_js.h"

namespace ryzen::js {

namespace {

bool has_all(unsigned bits, unsigned want) { return (bits & want) == want; }

Napi::Value CpuInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CpuFeatures& f = cpu_features();
  Napi::Object o = Napi::Object::New(env);
  o.Set("vendor", f.vendor);
  o.Set("brand", f.brand);
  Napi::Object feat = Napi::Object::New(env);
  const std::pair<const char*, bool> flags[] = {
      {"sse42", f.sse42},       {"avx", f.avx},               {"avx2", f.avx2},
      {"fma", f.fma},           {"f16c", f.f16c},             {"avx512f", f.avx512f},
      {"avx512bw", f.avx512bw}, {"avx512vl", f.avx512vl},     {"avx512dq", f.avx512dq},
      {"avx512vnni", f.avx512vnni}, {"avx512bf16", f.avx512bf16}, {"avx512vbmi", f.avx512vbmi},
      {"avxvnni", f.avxvnni}, {"amxInt8", f.amx_int8}};
  for (const auto& kv : flags) feat.Set(kv.first, kv.second);
  o.Set("features", feat);
  o.Set("isa", isa_name(active_isa()));
  o.Set("best", isa_name(best_isa()));
  Napi::Array avail = Napi::Array::New(env);
  for (int k = 0; k <= (int)best_isa(); k++) avail.Set((uint32_t)k, isa_name((Isa)k));
  o.Set("available", avail);
  o.Set("physicalCores", f.physical_cores);
  o.Set("logicalCores", f.logical_cores);
  o.Set("threads", pool_threads());
  o.Set("prefetch", prefetch_to_l2 ? "l2" : "l1");
  o.Set("amx", amx_ready());
  // Proof that the SIMD libraries are linked and compiled with the flags their paths assume.
  Napi::Object libs = Napi::Object::New(env);
  libs.Set("avx2", has_all(avx2::isa_probe(), kProbeAvx2 | kProbeFma | kProbeF16c));
  libs.Set("avx512", has_all(avx512::isa_probe(), kProbeAvx2 | kProbeFma | kProbeF16c | kProbeAvx512f |
                                                      kProbeAvx512bw | kProbeAvx512vl | kProbeAvx512dq |
                                                      kProbeAvx512vnni | kProbeAvx512bf16 | kProbeAvx512vbmi));
  o.Set("libraries", libs);
  return o;
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const std::string name = string_arg(info[0], "isa");
    Isa isa;
    if (!parse_isa(name, &isa)) fail(ErrorCode::InvalidArgument, "unknown ISA '" + name + "' (expected scalar, avx2 or avx512)");
    set_active_isa(isa);
    return Napi::String::New(info.Env(), isa_name(active_isa()));
  });
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const int64_t n = int_arg(info[0], "threads");
    if (n < 1 || n > kMaxThreads)
      fail(ErrorCode::InvalidArgument, "threads must be between 1 and " + std::to_string(kMaxThreads));
    pool_set_threads((int)n);
    return info.Env().Undefined();
  });
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), pool_threads()); }

Napi::Value MemoryStatsJs(const Napi::CallbackInfo& info) {
  const MemoryStats s = memory_stats();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("reserved", (double)s.reserved);
  o.Set("used", (double)s.used);
  o.Set("peak", (double)s.peak);
  o.Set("mapped", (double)s.mapped);
  o.Set("prepared", (double)s.prepared);
  return o;
}

Napi::Value SetProfiling(const Napi::CallbackInfo& info) {
  set_profiling(info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

Napi::Value ProfileStats(const Napi::CallbackInfo& info) {
  const std::vector<ProfileEntry> stats = profile_stats();
  Napi::Array a = Napi::Array::New(info.Env(), stats.size());
  for (size_t k = 0; k < stats.size(); k++) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("label", stats[k].label);
    o.Set("op", stats[k].op);
    o.Set("calls", (double)stats[k].calls);
    o.Set("ns", (double)stats[k].ns);
    o.Set("bytes", (double)stats[k].bytes);
    a.Set((uint32_t)k, o);
  }
  return a;
}

Napi::Value ProfileReset(const Napi::CallbackInfo& info) {
  profile_reset();
  return info.Env().Undefined();
}

Napi::Value MemoryResetPeak(const Napi::CallbackInfo& info) {
  memory_reset_peak();
  return info.Env().Undefined();
}

Napi::Value TypeName(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const int64_t t = int_arg(info[0], "type");
    const DTypeTraits tr = dtype_traits((int32_t)t);
    return Napi::String::New(info.Env(), tr.known && t == (int32_t)t ? tr.name : "unknown(" + std::to_string(t) + ")");
  });
}

Napi::Value TypeInfo(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const int64_t t = int_arg(info[0], "type");
    const DTypeTraits tr = dtype_traits(t == (int32_t)t ? (int32_t)t : -1);
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("name", tr.known ? std::string(tr.name) : "unknown(" + std::to_string(t) + ")");
    o.Set("blockSize", (double)tr.block_size);
    o.Set("typeSize", (double)tr.type_size);
    o.Set("known", tr.known);
    return o;
  });
}

Napi::Value TensorBytes(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const DType type = checked_dtype(int_arg(info[0], "type"));
    return Napi::Number::New(info.Env(), (double)shape_bytes(type, shape_arg(info[1], "shape")));
  });
}

// rows x cols as a checked [cols, rows] tensor size.
int64_t matrix_bytes(DType type, const Napi::Value& rows, const Napi::Value& cols, int64_t* r, int64_t* c) {
  *r = int_arg(rows, "rows");
  *c = int_arg(cols, "cols");
  if (*r <= 0 || *c <= 0) fail(ErrorCode::InvalidArgument, "rows and cols must be positive");
  return shape_bytes(type, {*c, *r});
}

// Quantizes rows in chunks claimed by the pool's threads (rows are independent in every format
// but I2_S, whose one scale covers the whole tensor): the output is the same bytes as one call.
struct QuantizeJob {
  const WeightFormat* f;
  const float* src;
  uint8_t* dst;
  int64_t rows, cols, row_bytes, chunk, chunks;
  ProgressCounter progress;  // next: chunk tickets, value: chunks done
};

void quantize_job(void* ctx, int ith, int) {
  QuantizeJob& j = *static_cast<QuantizeJob*>(ctx);
  for (;;) {
    const int64_t c = (int64_t)j.progress.next.fetch_add(1, std::memory_order_relaxed);
    if (c >= j.chunks) break;
    const int64_t r0 = c * j.chunk, n = std::min(j.chunk, j.rows - r0);
    j.f->quantize(j.src + r0 * j.cols, n, j.cols, j.dst + r0 * j.row_bytes);
    j.progress.add(1);
  }
  if (ith == 0) j.progress.wait_at_least((uint64_t)j.chunks);  // late workers find no chunk left
}

void quantize_rows(const WeightFormat& f, DType type, const float* src, int64_t rows, int64_t cols, uint8_t* dst) {
  const int64_t chunk = 64;
  const int nth = pool_threads();
  if (type == DType::I2_S || nth == 1 || rows < 2 * chunk) {
    f.quantize(src, rows, cols, dst);
    return;
  }
  QuantizeJob j;
  j.f = &f;
  j.src = src;
  j.dst = dst;
  j.rows = rows;
  j.cols = cols;
  j.row_bytes = dtype_tensor_bytes((int32_t)type, 1, cols);
  j.chunk = chunk;
  j.chunks = (rows + chunk - 1) / chunk;
  pool_run(quantize_job, &j, nth);
}

Napi::Value Quantize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    const DType type = checked_dtype(int_arg(info[0], "type"));
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      fail(ErrorCode::InvalidArgument, "src must be a Float32Array");
    const Bytes src = bytes_arg(info[1], "src");
    int64_t rows, cols;
    const int64_t bytes = matrix_bytes(type, info[2], info[3], &rows, &cols);
    if ((int64_t)src.length != rows * cols * 4)
      fail(ErrorCode::InvalidArgument, "src has " + std::to_string(src.length / 4) + " floats, rows x cols = " +
                                           std::to_string(rows * cols));
    const WeightFormat& f = require_weight_format(type);
    if (!f.quantize) fail(ErrorCode::UnknownType, std::string("cannot quantize to ") + dtype_traits((int32_t)type).name);
    Napi::Uint8Array out = Napi::Uint8Array::New(env, (size_t)bytes);
    quantize_rows(f, type, (const float*)src.data, rows, cols, out.Data());
    return out;
  });
}

Napi::Value Dequantize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    const DType type = checked_dtype(int_arg(info[0], "type"));
    const Bytes src = bytes_arg(info[1], "bytes");
    int64_t rows, cols;
    const int64_t bytes = matrix_bytes(type, info[2], info[3], &rows, &cols);
    if ((int64_t)src.length != bytes)
      fail(ErrorCode::InvalidArgument, "bytes has " + std::to_string(src.length) + " bytes, " +
                                           dtype_traits((int32_t)type).name + " " + std::to_string(rows) + "x" +
                                           std::to_string(cols) + " needs " + std::to_string(bytes));
    if (!can_dequantize(type))
      fail(ErrorCode::UnknownType, std::string("cannot dequantize ") + dtype_traits((int32_t)type).name);
    Napi::Float32Array out = Napi::Float32Array::New(env, (size_t)(rows * cols));
    dequantize_elements(type, src.data, src.length, 0, rows * cols, out.Data());
    return out;
  });
}

Napi::Value MatmulKernels(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const DType type = checked_dtype(int_arg(info[0], "type"));
    // with a weight tensor: only the kernels that run on its prepared layout (prepares it)
    std::shared_ptr<MatmulWeights> w;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      TensorPtr t = TensorWrap::unwrap(info.Env(), info[1], "w");
      if (t->type != type) fail(ErrorCode::InvalidArgument, "matmulKernels: w is not of the given type");
      w = prepared_weights(*t);
    }
    std::vector<const MatmulKernel*> ks = matmul_kernels(type, active_isa(), w.get());
    Napi::Array a = Napi::Array::New(info.Env(), ks.size());
    for (size_t k = 0; k < ks.size(); k++) a.Set((uint32_t)k, ks[k]->name);
    return a;
  });
}

Napi::Value MatmulWith(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    const std::string name = string_arg(info[0], "kernel");
    OpNode node;
    node.t = {TensorWrap::unwrap(env, info[1], "y"), TensorWrap::unwrap(env, info[2], "w"),
              TensorWrap::unwrap(env, info[3], "x")};
    const MatmulKernel* k = find_matmul_kernel(node.t[1]->type, name);
    if (!k)
      fail(ErrorCode::InvalidArgument, "no matmul kernel '" + name + "' for " +
                                           dtype_traits((int32_t)node.t[1]->type).name + " on this CPU");
    build_matmul_with(node, k);
    run_node(node);
    return env.Undefined();
  });
}

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "setErrorClass expects a constructor");
  addon_data(info.Env()).kernel_error = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

}  // namespace

void init_api(Napi::Env env, Napi::Object exports) {
  const std::pair<const char*, Napi::Value (*)(const Napi::CallbackInfo&)> fns[] = {
      {"cpuInfo", CpuInfo},           {"setIsa", SetIsa},
      {"setThreads", SetThreads},     {"getThreads", GetThreads},
      {"memoryStats", MemoryStatsJs}, {"memoryResetPeak", MemoryResetPeak},
      {"typeName", TypeName},         {"typeInfo", TypeInfo},
      {"tensorBytes", TensorBytes},   {"quantize", Quantize},
      {"dequantize", Dequantize},     {"matmulKernels", MatmulKernels},
      {"matmulWith", MatmulWith},     {"setErrorClass", SetErrorClass},
      {"setProfiling", SetProfiling}, {"profileStats", ProfileStats},
      {"profileReset", ProfileReset},
  };
  for (const auto& kv : fns) exports.Set(kv.first, Napi::Function::New(env, kv.second, kv.first));
}

}  // namespace ryzen::js
