// MappedFile: a read-only file mapping with zero-copy ArrayBuffer and tensor views. The mapping
// is a Storage: views and external ArrayBuffers hold references, so it is unmapped only when
// the file handle is disposed (or collected) AND the last view is gone.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/memory.h"
#include "core/tensor_make.h"
#include "js.h"
#include "tensor_js.h"

namespace ryzen::js {

namespace {

struct MappedStorage : Storage {
  bool file_backed() const override { return true; }
  ~MappedStorage() override {
    if (data) {
      munmap(data, bytes);
      memory_add_mapped(-(int64_t)bytes);
    }
  }
};

// Private copy-on-write mapping of a file opened read-only: the file can never be modified,
// and a stray write from JS changes only this process's copy instead of crashing it.
std::shared_ptr<Storage> map_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(ErrorCode::Io, "cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const int e = errno;
    ::close(fd);
    fail(ErrorCode::Io, "cannot map " + path + ": " + (e ? std::strerror(e) : "not a regular file"));
  }
  auto s = std::make_shared<MappedStorage>();
  if (st.st_size > 0) {
    void* p = mmap(nullptr, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    const int e = errno;
    ::close(fd);
    if (p == MAP_FAILED) fail(ErrorCode::Io, "cannot map " + path + ": " + std::strerror(e));
    s->data = (uint8_t*)p;
    s->bytes = (size_t)st.st_size;
    memory_add_mapped((int64_t)s->bytes);
  } else {
    ::close(fd);
  }
  return s;
}

class MappedFileWrap : public Napi::ObjectWrap<MappedFileWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "MappedFile",
                       {StaticMethod<&MappedFileWrap::Open>("open"), InstanceAccessor<&MappedFileWrap::Size>("size"),
                        InstanceAccessor<&MappedFileWrap::Path>("path"),
                        InstanceAccessor<&MappedFileWrap::Disposed>("disposed"),
                        InstanceMethod<&MappedFileWrap::Buffer>("buffer"),
                        InstanceMethod<&MappedFileWrap::TensorAt>("tensor"),
                        InstanceMethod<&MappedFileWrap::Dispose>("dispose")});
  }

  explicit MappedFileWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MappedFileWrap>(info) {
    guard(info.Env(), [&] {
      path_ = string_arg(info[0], "path");
      map_ = map_file(path_);
      size_ = map_->bytes;
    });
  }

 private:
  static Napi::Value Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guard(env, [&]() -> Napi::Value {
      string_arg(info[0], "path");
      return addon_data(env).mapped_file_ctor.New({info[0]});
    });
  }

  const std::shared_ptr<Storage>& live() const {
    if (!map_) fail(ErrorCode::Disposed, "the MappedFile " + path_ + " was disposed");
    return map_;
  }

  Napi::Value Size(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)size_); }
  Napi::Value Path(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), path_); }
  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !map_); }

  Napi::Value Buffer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guard(env, [&]() -> Napi::Value { return external_buffer(env, live()->data, size_, live()); });
  }

  Napi::Value TensorAt(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guard(env, [&]() -> Napi::Value {
      const DType type = checked_dtype(int_arg(info[0], "type"));
      const std::vector<int64_t> shape = shape_arg(info[1], "shape");
      const int64_t offset = int_arg(info[2], "byteOffset");
      const int64_t bytes = shape_bytes(type, shape);
      if (offset < 0 || (uint64_t)offset > size_ || (uint64_t)bytes > size_ - (uint64_t)offset)
        fail(ErrorCode::InvalidArgument, "tensor bytes [" + std::to_string(offset) + ", " + std::to_string(offset + bytes) +
                                             ") are outside " + path_ + " (" + std::to_string(size_) + " bytes)");
      return TensorWrap::wrap(env, make_tensor(type, shape, live(), live()->data + offset));
    });
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    map_.reset();
    return info.Env().Undefined();
  }

  std::shared_ptr<Storage> map_;
  std::string path_;
  size_t size_ = 0;
};


}  // namespace

void init_mapped_file(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = MappedFileWrap::define(env);
  addon_data(env).mapped_file_ctor = Napi::Persistent(ctor);
  exports.Set("MappedFile", ctor);
}

}  // namespace ryzen::js
