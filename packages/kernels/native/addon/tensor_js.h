// The JS Tensor class: a handle on a native TensorPtr (see API.md).
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "core/tensor.h"

namespace ryzen::js {

class TensorWrap : public Napi::ObjectWrap<TensorWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  static Napi::Object wrap(Napi::Env env, TensorPtr t);
  // wrap() for a tensor whose pool memory this handle allocated (reported to V8's GC heuristics).
  static Napi::Object wrap_owned(Napi::Env env, TensorPtr t);
  // The live tensor behind a JS value; throws INVALID_ARGUMENT / DISPOSED naming `what`.
  static TensorPtr unwrap(Napi::Env env, const Napi::Value& v, const std::string& what);
  static std::vector<TensorPtr> unwrap_array(Napi::Env env, const Napi::Value& v, const std::string& what);

  explicit TensorWrap(const Napi::CallbackInfo& info);
  ~TensorWrap() override;

 private:
  static Napi::Value Empty(const Napi::CallbackInfo& info);
  static Napi::Value From(const Napi::CallbackInfo& info);
  static Napi::Value FromFloat32(const Napi::CallbackInfo& info);
  Napi::Value Type(const Napi::CallbackInfo& info);
  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value ByteLength(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);
  Napi::Value Bytes(const Napi::CallbackInfo& info);
  Napi::Value F32(const Napi::CallbackInfo& info);
  Napi::Value I32(const Napi::CallbackInfo& info);
  Napi::Value Rows(const Napi::CallbackInfo& info);
  Napi::Value Reshape(const Napi::CallbackInfo& info);
  Napi::Value ToFloat32(const Napi::CallbackInfo& info);
  Napi::Value Prepare(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  const TensorPtr& live() const;  // throws DISPOSED
  Napi::ArrayBuffer buffer_view(Napi::Env env, size_t* offset);  // zero-copy ArrayBuffer + offset of data
  void set_tensor(TensorPtr t);

  TensorPtr t_;
  DType type_ = DType::F32;
  std::vector<int64_t> shape_;
  size_t byte_length_ = 0;
  int64_t owned_bytes_ = 0;  // pool bytes this handle allocated (reported to V8 as external memory)
};

}  // namespace ryzen::js
