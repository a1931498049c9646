#include "manager/default_pod_template.h"

#include <fstream>
#include <sstream>

#include "core/yaml_to_json.h"

namespace ps::reconcile {
namespace {

constexpr const char* kFlag = "--default-pod-template";
constexpr std::streamsize kMaxFileBytes = 256 * 1024;

core::Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::reject("spec", std::string(kFlag) + ": cannot read file " + path);
  std::string text(static_cast<size_t>(kMaxFileBytes) + 1, '\0');
  in.read(text.data(), kMaxFileBytes + 1);
  if (in.gcount() > kMaxFileBytes) {
    return core::reject("spec", std::string(kFlag) + ": " + path + " is larger than 256 KiB");
  }
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

}  // namespace

core::Result<PodTemplate> loadDefaultPodTemplate(const std::string& value) {
  const auto first = value.find_first_not_of(" \t\r\n");
  const bool inline_ = first != std::string::npos && value[first] == '{';
  std::string text = value;
  if (!inline_) {
    auto file = readFile(value);
    if (!file) return file.rejection();
    text = std::move(file.value());
  }
  auto object = core::yamlToJson(text, kFlag);
  if (!object) return object.rejection();
  return parsePodTemplate(*object, kFlag);
}

}  // namespace ps::reconcile
