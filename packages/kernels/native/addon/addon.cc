// Module entry: per-env data, the classes and functions of the JS API, and pool shutdown when
// the environment goes away (so worker threads never outlive it).
#include <napi.h>

#include "core/thread_pool.h"
#include "js.h"
#include "tensor_js.h"

namespace ryzen::js {

void init_api(Napi::Env env, Napi::Object exports);
void init_plan(Napi::Env env, Napi::Object exports);
void init_mapped_file(Napi::Env env, Napi::Object exports);

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  Napi::Function tensor = TensorWrap::define(env);
  addon_data(env).tensor_ctor = Napi::Persistent(tensor);
  exports.Set("Tensor", tensor);
  init_api(env, exports);
  init_plan(env, exports);
  init_mapped_file(env, exports);
  env.AddCleanupHook([] { pool_shutdown(); });
  return exports;
}

}  // namespace ryzen::js

static Napi::Object InitRyzenKernels(Napi::Env env, Napi::Object exports) { return ryzen::js::Init(env, exports); }

NODE_API_MODULE(ryzen_kernels, InitRyzenKernels)
