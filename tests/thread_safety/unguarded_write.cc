// Must NOT compile under -Werror=thread-safety: check.sh asserts clang rejects it.
#include "core/annotated_mutex.h"

namespace {

class Counter {
 public:
  void increment() { ++count_; }  // writes count_ without holding mutex_

 private:
  ps::Mutex mutex_;
  int count_ GUARDED_BY(mutex_) = 0;
};

}  // namespace

int main() {
  Counter counter;
  counter.increment();
}
