// check.sh compiles this twice: as is clang must accept it, with -DPS_WRITE_WITHOUT_LOCK it must
// reject it with a thread-safety error (a write to count_ without holding mutex_).
#include "core/annotated_mutex.h"

namespace {

class Counter {
 public:
#ifdef PS_WRITE_WITHOUT_LOCK
  void increment() {
    ++count_;
  }
#else
  void increment() {
    ps::MutexLock lock(mutex_);
    incrementLocked();
  }
#endif

 private:
  void incrementLocked() REQUIRES(mutex_) {
    ++count_;
  }

  ps::Mutex mutex_;
  int count_ GUARDED_BY(mutex_) = 0;
};

}  // namespace

int main() {
  Counter counter;
  counter.increment();
}
