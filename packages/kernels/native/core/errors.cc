#include "errors.h"

namespace ryzen {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::ShapeMismatch: return "SHAPE_MISMATCH";
    case ErrorCode::UnknownType: return "UNKNOWN_TYPE";
    case ErrorCode::Disposed: return "DISPOSED";
    case ErrorCode::OutOfMemory: return "OUT_OF_MEMORY";
    case ErrorCode::Io: return "IO";
  }
  return "INVALID_ARGUMENT";
}

void fail(ErrorCode code, const std::string& msg) { throw KernelException(code, msg); }

}  // namespace ryzen
