// Typed failures raised by native code. The N-API layer turns every KernelException into a JS
// KernelError with the same code; nothing else may cross into JS.
#pragma once
#include <stdexcept>
#include <string>

namespace ryzen {

enum class ErrorCode { InvalidArgument, ShapeMismatch, UnknownType, Disposed, OutOfMemory, Io };

// The JS-visible code string ("INVALID_ARGUMENT", ...).
const char* error_code_name(ErrorCode code);

struct KernelException : std::runtime_error {
  ErrorCode code;
  KernelException(ErrorCode c, const std::string& msg) : std::runtime_error(msg), code(c) {}
};

[[noreturn]] void fail(ErrorCode code, const std::string& msg);

}  // namespace ryzen
