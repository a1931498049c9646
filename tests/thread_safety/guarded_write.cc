// The sibling of unguarded_write.cc that holds the lock: check.sh asserts clang accepts it.
#include "core/annotated_mutex.h"

namespace {

class Counter {
 public:
  void increment() {
    ps::MutexLock lock(mutex_);
    incrementLocked();
  }

 private:
  void incrementLocked() REQUIRES(mutex_) { ++count_; }

  ps::Mutex mutex_;
  int count_ GUARDED_BY(mutex_) = 0;
};

}  // namespace

int main() {
  Counter counter;
  counter.increment();
}
