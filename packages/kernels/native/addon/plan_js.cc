// runOp (one op now) and the Plan class (many ops, one native call per run).
#include <memory>

#include "core/plan.h"
#include "js.h"
#include "tensor_js.h"

namespace ryzen::js {

namespace {

// Reads {op, t, i?, f?} (or runOp's positional arguments) into a built OpNode.
OpNode node_from(Napi::Env env, const Napi::Value& op, const Napi::Value& t, const Napi::Value& i,
                 const Napi::Value& f, const std::string& where) {
  const std::string name = string_arg(op, where + "op");
  OpNode node;
  node.t = TensorWrap::unwrap_array(env, t, where + name + " t");
  node.i = int_array_arg(i, where + name + " i");
  node.f = number_array_arg(f, where + name + " f");
  try {
    build_node(node, name);
  } catch (const KernelException& e) {
    fail(e.code, where + e.what());
  }
  return node;
}

class PlanWrap : public Napi::ObjectWrap<PlanWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "Plan",
                       {InstanceMethod<&PlanWrap::Run>("run"), InstanceMethod<&PlanWrap::Dispose>("dispose"),
                        InstanceAccessor<&PlanWrap::Length>("length"),
                        InstanceAccessor<&PlanWrap::Disposed>("disposed")});
  }

  explicit PlanWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PlanWrap>(info) {
    Napi::Env env = info.Env();
    guard(env, [&] {
      if (!info[0].IsArray()) fail(ErrorCode::InvalidArgument, "Plan expects an array of nodes");
      Napi::Array a = info[0].As<Napi::Array>();
      std::vector<OpNode> nodes;
      for (uint32_t k = 0; k < a.Length(); k++) {
        const std::string where = "node " + std::to_string(k) + ": ";
        Napi::Value v = a.Get(k);
        if (!v.IsObject()) fail(ErrorCode::InvalidArgument, where + "must be an object {op, t, i?, f?}");
        Napi::Object o = v.As<Napi::Object>();
        nodes.push_back(node_from(env, o.Get("op"), o.Get("t"), o.Get("i"), o.Get("f"), where));
      }
      length_ = nodes.size();
      plan_ = std::make_unique<Plan>(std::move(nodes));
    });
  }

 private:
  Napi::Value Run(const Napi::CallbackInfo& info) {
    return guard(info.Env(), [&]() -> Napi::Value {
      if (!plan_) fail(ErrorCode::Disposed, "the Plan was disposed");
      plan_->run();
      return info.Env().Undefined();
    });
  }
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    plan_.reset();
    return info.Env().Undefined();
  }
  Napi::Value Length(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)length_); }
  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !plan_); }

  std::unique_ptr<Plan> plan_;
  size_t length_ = 0;
};

Napi::Value RunOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, [&]() -> Napi::Value {
    OpNode node = node_from(env, info[0], info[1], info[2], info[3], "");
    run_node(node);
    return env.Undefined();
  });
}

Napi::Value OpNames(const Napi::CallbackInfo& info) {
  std::vector<std::string> names = op_names();
  Napi::Array a = Napi::Array::New(info.Env(), names.size());
  for (size_t k = 0; k < names.size(); k++) a.Set((uint32_t)k, names[k]);
  return a;
}

}  // namespace

void init_plan(Napi::Env env, Napi::Object exports) {
  exports.Set("Plan", PlanWrap::define(env));
  exports.Set("runOp", Napi::Function::New<RunOp>(env, "runOp"));
  exports.Set("opNames", Napi::Function::New<OpNames>(env, "opNames"));
}

}  // namespace ryzen::js
