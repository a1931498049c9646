#pragma once

#include <nlohmann/json.hpp>

#include "reconcile/run_state.h"

namespace ps::reconcile {

// Reduces a Pod object (as the API returns it) to what decides the run: phase, status reason,
// deletion, and the plugin container's termination state. Missing or mistyped fields read as
// "not known yet" (phase Pending / Unknown), never as an exception.
PodObservation observePod(const nlohmann::json& pod);

}  // namespace ps::reconcile
