#include "kube/clock.h"

namespace ps::kube {

const Clock& SteadyClock::instance() {
  static const SteadyClock clock;
  return clock;
}

}  // namespace ps::kube
