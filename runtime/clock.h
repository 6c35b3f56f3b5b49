// Time source of the runtime. Token TTLs and KV timestamps read it, so tests
// drive expiry with FakeClock instead of sleeping.
//
//   auto clock = std::make_shared<runtime::FakeClock>(1700000000);
//   clock->Advance(std::chrono::seconds(61));
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace polcheck::runtime {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch.
  virtual std::int64_t NowNanos() const = 0;
  std::int64_t NowSeconds() const { return NowNanos() / 1'000'000'000; }
};

class SystemClock final : public Clock {
 public:
  std::int64_t NowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t unix_seconds) : now_(unix_seconds * 1'000'000'000) {}
  std::int64_t NowNanos() const override { return now_.load(); }
  void Advance(std::chrono::nanoseconds by) { now_ += by.count(); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace polcheck::runtime
