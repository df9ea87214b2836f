#include "js.h"

#include <cmath>

namespace ryzen::js {

AddonData& addon_data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

Napi::Error kernel_error(Napi::Env env, const char* code, const std::string& msg) {
  AddonData& d = addon_data(env);
  Napi::Object err;
  if (!d.kernel_error.IsEmpty()) {
    err = d.kernel_error.New({Napi::String::New(env, code), Napi::String::New(env, msg)});
  } else {
    err = Napi::Error::New(env, msg).Value();
    err.Set("code", Napi::String::New(env, code));
  }
  return Napi::Error(env, err);
}

Napi::Error rewrap_js_error(Napi::Env env, const Napi::Error& e) {
  AddonData& d = addon_data(env);
  Napi::Value v = e.Value();
  if (!d.kernel_error.IsEmpty() && v.IsObject() && v.As<Napi::Object>().InstanceOf(d.kernel_error.Value())) return e;
  Napi::Error k = kernel_error(env, "INVALID_ARGUMENT", e.Message());
  k.Value().Set("cause", v);
  return k;
}

namespace {
[[noreturn]] void bad(const std::string& what, const std::string& expected) {
  fail(ErrorCode::InvalidArgument, what + " must be " + expected);
}
}  // namespace

int64_t int_arg(const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) bad(what, "an integer");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9007199254740991.0) bad(what, "an integer");
  return (int64_t)d;
}

double number_arg(const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) bad(what, "a number");
  return v.As<Napi::Number>().DoubleValue();
}

std::string string_arg(const Napi::Value& v, const std::string& what) {
  if (!v.IsString()) bad(what, "a string");
  return v.As<Napi::String>().Utf8Value();
}

std::vector<int64_t> int_array_arg(const Napi::Value& v, const std::string& what) {
  std::vector<int64_t> out;
  if (v.IsUndefined() || v.IsNull()) return out;
  if (!v.IsArray()) bad(what, "an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t k = 0; k < a.Length(); k++) out.push_back(int_arg(a.Get(k), what + "[" + std::to_string(k) + "]"));
  return out;
}

std::vector<double> number_array_arg(const Napi::Value& v, const std::string& what) {
  std::vector<double> out;
  if (v.IsUndefined() || v.IsNull()) return out;
  if (!v.IsArray()) bad(what, "an array of numbers");
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t k = 0; k < a.Length(); k++)
    out.push_back(number_arg(a.Get(k), what + "[" + std::to_string(k) + "]"));
  return out;
}

std::vector<int64_t> shape_arg(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) bad(what, "an array of 1 to 4 positive integers");
  std::vector<int64_t> s = int_array_arg(v, what);
  if (s.empty() || s.size() > 4) bad(what, "an array of 1 to 4 positive integers");
  for (int64_t d : s)
    if (d <= 0) bad(what, "an array of 1 to 4 positive integers");
  return s;
}

Bytes bytes_arg(const Napi::Value& v, const std::string& what) {
  Bytes b;
  if (v.IsArrayBuffer()) {
    b.buffer = v.As<Napi::ArrayBuffer>();
  } else if (v.IsTypedArray()) {
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    b.buffer = t.ArrayBuffer();
    b.offset = t.ByteOffset();
    b.length = t.ByteLength();
  } else if (v.IsDataView()) {
    Napi::DataView d = v.As<Napi::DataView>();
    b.buffer = d.ArrayBuffer();
    b.offset = d.ByteOffset();
    b.length = d.ByteLength();
  } else {
    bad(what, "an ArrayBuffer or ArrayBufferView");
  }
  if (!b.buffer.IsArrayBuffer()) fail(ErrorCode::InvalidArgument, what + ": SharedArrayBuffer memory is not supported");
  if (b.buffer.IsDetached()) fail(ErrorCode::Disposed, what + " is a detached ArrayBuffer");
  if (v.IsArrayBuffer()) b.length = b.buffer.ByteLength();
  b.data = (uint8_t*)b.buffer.Data() + b.offset;
  return b;
}

namespace {

const char kJsBufferTag = 0;

struct JsBufferStorage : Storage {
  Napi::Reference<Napi::ArrayBuffer> ref;
  bool detached() const override {
    Napi::ArrayBuffer ab = ref.Value();
    return ab.IsDetached();
  }
  const void* foreign_tag() const override { return &kJsBufferTag; }
};

}  // namespace

std::shared_ptr<Storage> js_buffer_storage(const Bytes& b) {
  Napi::ArrayBuffer ab = b.buffer;
  auto s = std::make_shared<JsBufferStorage>();
  s->ref = Napi::Persistent(ab);
  s->data = (uint8_t*)ab.Data();
  s->bytes = ab.ByteLength();
  return s;
}

Napi::ArrayBuffer js_buffer_of(const Storage& s, size_t* base_offset) {
  if (s.foreign_tag() != &kJsBufferTag) return Napi::ArrayBuffer();
  const auto* js = static_cast<const JsBufferStorage*>(&s);
  *base_offset = 0;
  return js->ref.Value();
}

Napi::ArrayBuffer external_buffer(Napi::Env env, uint8_t* data, size_t bytes, std::shared_ptr<Storage> owner) {
  auto* hold = new std::shared_ptr<Storage>(std::move(owner));
  return Napi::ArrayBuffer::New(env, data, bytes, [](Napi::Env, void*, std::shared_ptr<Storage>* h) { delete h; },
                                hold);
}

}  // namespace ryzen::js
