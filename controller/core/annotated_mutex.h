#pragma once

// A mutex that clang's -Wthread-safety can check (libstdc++'s std::mutex carries no annotations).
// Under g++ the macros expand to nothing.

#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define PS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define PS_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) PS_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY PS_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) PS_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) PS_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) PS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) PS_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) PS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) PS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) PS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) PS_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) PS_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))

namespace ps {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mutex_;
};

// Holds a Mutex for its scope, or until unlock(); the wait functions release it while blocked.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mutex_.unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void unlock() RELEASE() {
    mutex_.unlock();
    held_ = false;
  }
  void lock() ACQUIRE() {
    mutex_.lock();
    held_ = true;
  }

  void wait(std::condition_variable_any& cv) { cv.wait(mutex_); }
  template <typename TimePoint>
  std::cv_status waitUntil(std::condition_variable_any& cv, const TimePoint& deadline) {
    return cv.wait_until(mutex_, deadline);
  }
  // Returns wait(std::unique_lock<std::mutex>&) on the held mutex, for a std::condition_variable or
  // an interface that takes one (kube::Clock::waitUntil). `wait` must hold the lock again when it
  // returns or throws, as condition_variable's waits do.
  template <typename Wait>
  decltype(auto) withStdLock(Wait&& wait) {
    std::unique_lock<std::mutex> lock(mutex_.mutex_, std::adopt_lock);
    struct Disown {
      std::unique_lock<std::mutex>& lock;
      ~Disown() { lock.release(); }
    } disown{lock};
    return wait(lock);
  }

 private:
  Mutex& mutex_;
  bool held_ = true;
};

// A readers-writer mutex: WriterMutexLock for writes, ReaderMutexLock for reads.
class CAPABILITY("mutex") SharedMutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  void lock_shared() ACQUIRE_SHARED() { mutex_.lock_shared(); }
  void unlock_shared() RELEASE_SHARED() { mutex_.unlock_shared(); }

 private:
  std::shared_mutex mutex_;
};

class SCOPED_CAPABILITY WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~WriterMutexLock() RELEASE() { mutex_.unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex& mutex_;
};

class SCOPED_CAPABILITY ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex& mutex) ACQUIRE_SHARED(mutex) : mutex_(mutex) {
    mutex_.lock_shared();
  }
  ~ReaderMutexLock() RELEASE() { mutex_.unlock_shared(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex& mutex_;
};

}  // namespace ps
