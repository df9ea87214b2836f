// Shared N-API helpers: per-env data, argument parsing with typed errors, and guard(), which
// turns every C++ failure into a JS KernelError so no C++ exception crosses N-API unchecked.
#pragma once
#include <napi.h>

#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/tensor.h"

namespace ryzen::js {

struct AddonData {
  Napi::FunctionReference tensor_ctor;
  Napi::FunctionReference mapped_file_ctor;
  Napi::FunctionReference kernel_error;  // set from JS by setErrorClass(); Error until then
};

AddonData& addon_data(Napi::Env env);

// A JS KernelError (or Error with .code before setErrorClass) ready to throw.
Napi::Error kernel_error(Napi::Env env, const char* code, const std::string& msg);

// A JS exception raised while we called into JS or N-API (a throwing getter, a failed
// conversion) becomes a KernelError(INVALID_ARGUMENT) with the original error as its cause;
// KernelErrors pass through unchanged.
Napi::Error rewrap_js_error(Napi::Env env, const Napi::Error& e);

template <typename F>
auto guard(Napi::Env env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error& e) {
    throw rewrap_js_error(env, e);
  } catch (const KernelException& e) {
    throw kernel_error(env, error_code_name(e.code), e.what());
  } catch (const std::bad_alloc&) {
    throw kernel_error(env, "OUT_OF_MEMORY", "out of memory");
  } catch (const std::exception& e) {
    throw kernel_error(env, "INVALID_ARGUMENT", std::string("internal error: ") + e.what());
  }
}

// Argument readers; each throws KernelException(InvalidArgument) naming `what`.
int64_t int_arg(const Napi::Value& v, const std::string& what);
double number_arg(const Napi::Value& v, const std::string& what);
std::string string_arg(const Napi::Value& v, const std::string& what);
std::vector<int64_t> shape_arg(const Napi::Value& v, const std::string& what);
std::vector<int64_t> int_array_arg(const Napi::Value& v, const std::string& what);  // undefined -> []
std::vector<double> number_array_arg(const Napi::Value& v, const std::string& what);

// Bytes of an ArrayBuffer or any ArrayBufferView.
struct Bytes {
  uint8_t* data = nullptr;
  size_t length = 0;
  Napi::ArrayBuffer buffer;  // the underlying ArrayBuffer
  size_t offset = 0;         // of data within buffer
};
Bytes bytes_arg(const Napi::Value& v, const std::string& what);

// Storage over a JS ArrayBuffer; keeps it referenced and notices if it gets detached.
std::shared_ptr<Storage> js_buffer_storage(const Bytes& b);
// The ArrayBuffer behind a storage made by js_buffer_storage, or an empty value.
Napi::ArrayBuffer js_buffer_of(const Storage& s, size_t* base_offset);

// An external ArrayBuffer over [data, data+bytes) that keeps `owner` alive until collected.
Napi::ArrayBuffer external_buffer(Napi::Env env, uint8_t* data, size_t bytes, std::shared_ptr<Storage> owner);

}  // namespace ryzen::js
