#pragma once

#include <string>

#include "api/pod_template.h"
#include "core/result.h"

namespace ps::reconcile {

// The value of --default-pod-template: inline JSON or YAML when it starts with '{' (the chart
// renders it so), else the path of a JSON or YAML file. Checked as a run's spec.podTemplate is,
// with the same bounds; rejections name the flag ("--default-pod-template.tolerations[0]...").
core::Result<PodTemplate> loadDefaultPodTemplate(const std::string& value);

}  // namespace ps::reconcile
