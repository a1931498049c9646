#pragma once

#include <map>
#include <string>
#include <vector>

namespace ps::bench {

// Samples of one metric family in Prometheus text format, keyed by the values of the labels
// asked for (joined with ' '), summed over every other label. E.g. samplesBy(text,
// "apiserver_request_total", {"verb", "resource", "subresource"}) -> {"POST pods ": 1000, ...}.
std::map<std::string, double> samplesBy(const std::string& text, const std::string& metric,
                                        const std::vector<std::string>& labels);

// The sum of every sample of `metric` (all label sets).
double metricSum(const std::string& text, const std::string& metric);

// after - before for every key of `after` (a counter that appeared counts from zero).
std::map<std::string, double> delta(const std::map<std::string, double>& before,
                                    const std::map<std::string, double>& after);

}  // namespace ps::bench
