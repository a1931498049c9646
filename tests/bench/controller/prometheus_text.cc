#include "prometheus_text.h"

#include <sstream>

namespace ps::bench {
namespace {

// The value of label `name` in a `{a="x",b="y"}` block; "" when absent.
std::string labelValue(const std::string& labels, const std::string& name) {
  const std::string key = name + "=\"";
  for (std::size_t at = labels.find(key); at != std::string::npos; at = labels.find(key, at + 1)) {
    if (at != 0 && labels[at - 1] != '{' && labels[at - 1] != ',') continue;
    const std::size_t start = at + key.size();
    const std::size_t end = labels.find('"', start);
    return end == std::string::npos ? "" : labels.substr(start, end - start);
  }
  return "";
}

// Calls `sample(labels, value)` for each line of `metric` (exact name, with or without labels).
template <typename Sample>
void forEachSample(const std::string& text, const std::string& metric, Sample sample) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(metric, 0) != 0) continue;
    const char next = line.size() > metric.size() ? line[metric.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    const std::size_t close = next == '{' ? line.find('}') : metric.size();
    if (close == std::string::npos) continue;
    const std::string labels = line.substr(metric.size(), close - metric.size() + 1);
    try {
      sample(labels, std::stod(line.substr(close + 1)));
    } catch (const std::exception&) {
      // not a sample line (a value we cannot read): skip it
    }
  }
}

}  // namespace

std::map<std::string, double> samplesBy(const std::string& text, const std::string& metric,
                                        const std::vector<std::string>& labels) {
  std::map<std::string, double> sums;
  forEachSample(text, metric, [&](const std::string& block, double value) {
    std::string key;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      key += (i ? " " : "") + labelValue(block, labels[i]);
    }
    sums[key] += value;
  });
  return sums;
}

double metricSum(const std::string& text, const std::string& metric) {
  double sum = 0;
  forEachSample(text, metric, [&](const std::string&, double value) { sum += value; });
  return sum;
}

std::map<std::string, double> delta(const std::map<std::string, double>& before,
                                    const std::map<std::string, double>& after) {
  std::map<std::string, double> result;
  for (const auto& [key, value] : after) {
    const auto old = before.find(key);
    result[key] = value - (old == before.end() ? 0.0 : old->second);
  }
  return result;
}

}  // namespace ps::bench
