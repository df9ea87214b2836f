#include "tensor_js.h"

#include "core/errors.h"
#include "core/tensor_make.h"
#include "core/weights.h"
#include "js.h"

namespace ryzen::js {

namespace {
thread_local TensorPtr* pending = nullptr;  // tensor handed to the constructor by wrap()
}

Napi::Function TensorWrap::define(Napi::Env env) {
  return DefineClass(env, "Tensor",
                     {
                         StaticMethod<&TensorWrap::Empty>("empty"),
                         StaticMethod<&TensorWrap::From>("from"),
                         StaticMethod<&TensorWrap::FromFloat32>("fromFloat32"),
                         InstanceAccessor<&TensorWrap::Type>("type"),
                         InstanceAccessor<&TensorWrap::Shape>("shape"),
                         InstanceAccessor<&TensorWrap::ByteLength>("byteLength"),
                         InstanceAccessor<&TensorWrap::Disposed>("disposed"),
                         InstanceMethod<&TensorWrap::Bytes>("bytes"),
                         InstanceMethod<&TensorWrap::F32>("f32"),
                         InstanceMethod<&TensorWrap::I32>("i32"),
                         InstanceMethod<&TensorWrap::Rows>("rows"),
                         InstanceMethod<&TensorWrap::Reshape>("reshape"),
                         InstanceMethod<&TensorWrap::ToFloat32>("toFloat32"),
                         InstanceMethod<&TensorWrap::Prepare>("prepare"),
                         InstanceMethod<&TensorWrap::Dispose>("dispose"),
                     });
}

TensorWrap::TensorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TensorWrap>(info) {
  guard(info.Env(), [&] {
    if (!pending) fail(ErrorCode::InvalidArgument, "use Tensor.empty, Tensor.from or Tensor.fromFloat32 to create tensors");
    set_tensor(std::move(*pending));
    pending = nullptr;
  });
}

TensorWrap::~TensorWrap() {
  // Runs in a GC finalizer (or env teardown): the C call, because a destructor must not throw.
  // The storage itself may live on in views, plans or ArrayBuffers.
  int64_t total;
  if (owned_bytes_) napi_adjust_external_memory(Env(), -owned_bytes_, &total);
}

void TensorWrap::set_tensor(TensorPtr t) {
  type_ = t->type;
  shape_ = tensor_shape(*t);
  byte_length_ = tensor_bytes(*t);
  t_ = std::move(t);
}

Napi::Object TensorWrap::wrap(Napi::Env env, TensorPtr t) {
  pending = &t;
  Napi::Object obj = addon_data(env).tensor_ctor.New({});
  pending = nullptr;
  return obj;
}

Napi::Object TensorWrap::wrap_owned(Napi::Env env, TensorPtr t) {
  const int64_t bytes = (int64_t)t->storage->bytes;
  Napi::Object obj = wrap(env, std::move(t));
  TensorWrap* w = Unwrap(obj);
  w->owned_bytes_ = bytes;
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  return obj;
}

TensorPtr TensorWrap::unwrap(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(addon_data(env).tensor_ctor.Value()))
    fail(ErrorCode::InvalidArgument, what + " must be a Tensor");
  TensorWrap* w = Unwrap(v.As<Napi::Object>());
  if (!w->t_) fail(ErrorCode::Disposed, what + " is a disposed Tensor");
  return w->t_;
}

std::vector<TensorPtr> TensorWrap::unwrap_array(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) fail(ErrorCode::InvalidArgument, what + " must be an array of Tensors");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<TensorPtr> out;
  for (uint32_t k = 0; k < a.Length(); k++) out.push_back(unwrap(env, a.Get(k), what + "[" + std::to_string(k) + "]"));
  return out;
}

const TensorPtr& TensorWrap::live() const {
  if (!t_) fail(ErrorCode::Disposed, "the Tensor was disposed");
  return t_;
}

Napi::Value TensorWrap::Empty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    const DType type = checked_dtype(int_arg(info[0], "type"));
    return wrap_owned(env, make_pool_tensor(type, shape_arg(info[1], "shape")));
  });
}

Napi::Value TensorWrap::From(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    const DType type = checked_dtype(int_arg(info[0], "type"));
    const std::vector<int64_t> shape = shape_arg(info[1], "shape");
    const js::Bytes b = bytes_arg(info[2], "data");
    const int64_t need = shape_bytes(type, shape);
    if ((int64_t)b.length != need)
      fail(ErrorCode::InvalidArgument, "data has " + std::to_string(b.length) + " bytes; a " +
                                           dtype_traits((int32_t)type).name + " tensor of this shape needs " +
                                           std::to_string(need));
    return wrap(env, make_tensor(type, shape, js_buffer_storage(b), b.data));
  });
}

Napi::Value TensorWrap::FromFloat32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    const std::vector<int64_t> shape = shape_arg(info[0], "shape");
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      fail(ErrorCode::InvalidArgument, "data must be a Float32Array");
    const js::Bytes b = bytes_arg(info[1], "data");
    const int64_t need = shape_bytes(DType::F32, shape);
    if ((int64_t)b.length != need)
      fail(ErrorCode::InvalidArgument, "data has " + std::to_string(b.length / 4) + " floats; shape needs " +
                                           std::to_string(need / 4));
    TensorPtr t = make_pool_tensor(DType::F32, shape);
    std::memcpy(t->data, b.data, b.length);
    return wrap_owned(env, std::move(t));
  });
}

Napi::Value TensorWrap::Type(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (int)type_); }

Napi::Value TensorWrap::Shape(const Napi::CallbackInfo& info) {
  Napi::Array a = Napi::Array::New(info.Env(), shape_.size());
  for (size_t k = 0; k < shape_.size(); k++) a.Set((uint32_t)k, Napi::Number::New(info.Env(), (double)shape_[k]));
  return a;
}

Napi::Value TensorWrap::ByteLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), (double)byte_length_);
}

Napi::Value TensorWrap::Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !t_); }

Napi::ArrayBuffer TensorWrap::buffer_view(Napi::Env env, size_t* offset) {
  const TensorPtr& t = live();
  size_t base = 0;
  Napi::ArrayBuffer js = js_buffer_of(*t->storage, &base);
  if (!js.IsEmpty()) {  // memory that already belongs to a JS ArrayBuffer: view that buffer
    if (js.IsDetached()) fail(ErrorCode::Disposed, "the Tensor's ArrayBuffer was detached");
    *offset = base + (size_t)(t->data - t->storage->data);
    return js;
  }
  *offset = 0;
  return external_buffer(env, t->data, byte_length_, t->storage);
}

Napi::Value TensorWrap::Bytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    size_t off;
    Napi::ArrayBuffer ab = buffer_view(env, &off);
    return Napi::Uint8Array::New(env, byte_length_, ab, off);
  });
}

Napi::Value TensorWrap::F32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    if (type_ != DType::F32) fail(ErrorCode::InvalidArgument, "f32() needs an f32 tensor, this one is " + std::string(dtype_traits((int32_t)type_).name));
    size_t off;
    Napi::ArrayBuffer ab = buffer_view(env, &off);
    return Napi::Float32Array::New(env, byte_length_ / 4, ab, off);
  });
}

Napi::Value TensorWrap::I32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    if (type_ != DType::I32) fail(ErrorCode::InvalidArgument, "i32() needs an i32 tensor, this one is " + std::string(dtype_traits((int32_t)type_).name));
    size_t off;
    Napi::ArrayBuffer ab = buffer_view(env, &off);
    return Napi::Int32Array::New(env, byte_length_ / 4, ab, off);
  });
}

Napi::Value TensorWrap::Rows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    return wrap(env, view_rows(*live(), int_arg(info[0], "first"), int_arg(info[1], "count")));
  });
}

Napi::Value TensorWrap::Reshape(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value { return wrap(env, view_reshape(*live(), shape_arg(info[0], "shape"))); });
}

Napi::Value TensorWrap::ToFloat32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    const TensorPtr& t = live();
    if (!can_dequantize(t->type))
      fail(ErrorCode::UnknownType, std::string("cannot convert ") + dtype_traits((int32_t)t->type).name + " to f32 (no format registered)");
    if (t->storage->detached()) fail(ErrorCode::Disposed, "the Tensor's ArrayBuffer was detached");
    Napi::Float32Array out = Napi::Float32Array::New(env, (size_t)t->elements());
    dequantize_elements(t->type, t->data, byte_length_, 0, t->elements(), out.Data());
    return out;
  });
}

Napi::Value TensorWrap::Prepare(const Napi::CallbackInfo& info) {
  return guard(info.Env(), [&]() -> Napi::Value {
    const TensorPtr& t = live();
    if (t->storage->detached()) fail(ErrorCode::Disposed, "the Tensor's ArrayBuffer was detached");
    prepared_weights(*t);
    return info.This();
  });
}

Napi::Value TensorWrap::Dispose(const Napi::CallbackInfo& info) {
  if (owned_bytes_) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), -owned_bytes_);
  owned_bytes_ = 0;
  t_.reset();
  return info.Env().Undefined();
}

}  // namespace ryzen::js
