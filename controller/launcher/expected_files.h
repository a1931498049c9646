#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace ps::launcher {

// The files the controller verified, as the Pod spec pins them: file name -> "sha256:<64 hex>".
// Empty means nothing is pinned (the container level mounts a private verified copy itself).
using ExpectedFiles = std::map<std::string, std::string>;

// Parses the values of `--expect NAME=sha256:HEX`. NAME must be a flat file name the trust core
// accepts (a ConfigMap key; no '/', no leading '.'), HEX 64 lowercase hex digits, and each NAME
// given once. Rule "expect" names the first bad value.
core::Result<ExpectedFiles> parseExpectedFiles(const std::vector<std::string>& values);

}  // namespace ps::launcher
