// Op and weight-format registries. Function-local statics, so registration from other
// translation units' static initializers is safe regardless of initialization order.
#include <map>
#include <string>
#include <vector>

#include "matmul.h"
#include "op.h"

namespace ryzen {

namespace {

std::map<std::string, OpDef>& ops() {
  static std::map<std::string, OpDef> m;
  return m;
}

std::map<int32_t, WeightFormat>& formats() {
  static std::map<int32_t, WeightFormat> m;
  return m;
}

}  // namespace

void register_op(const OpDef& def) { ops()[def.name] = def; }

const OpDef* find_op(const std::string& name) {
  auto it = ops().find(name);
  return it == ops().end() ? nullptr : &it->second;
}

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (const auto& kv : ops()) names.push_back(kv.first);
  return names;
}

void register_weight_format(const WeightFormat& f) { formats()[(int32_t)f.type] = f; }

const WeightFormat* find_weight_format(DType type) {
  auto it = formats().find((int32_t)type);
  return it == formats().end() ? nullptr : &it->second;
}

}  // namespace ryzen
