// Results passed between collector components. No exception crosses a component boundary.
#pragma once

#include <chrono>
#include <string>
#include <utility>

namespace adot::collector {

// kRetryable: the sender should try again (HTTP 503 / gRPC UNAVAILABLE).
// kResourceExhausted: back-pressure (HTTP 429 / gRPC RESOURCE_EXHAUSTED).
// kInvalidArgument: the data itself is bad (HTTP 400 / gRPC INVALID_ARGUMENT); never retried.
// kPermanent: any other error that retrying cannot fix (HTTP 500 / gRPC INTERNAL).
enum class StatusCode { kOk, kRetryable, kResourceExhausted, kInvalidArgument, kPermanent };

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::chrono::milliseconds retry_after = {})
      : code_(code), message_(std::move(message)), retry_after_(retry_after) {}
  static Status Ok() { return {}; }
  static Status Retryable(std::string m, std::chrono::milliseconds after = {}) {
    return {StatusCode::kRetryable, std::move(m), after};
  }
  static Status Exhausted(std::string m, std::chrono::milliseconds after = {}) {
    return {StatusCode::kResourceExhausted, std::move(m), after};
  }
  static Status Permanent(std::string m) { return {StatusCode::kPermanent, std::move(m)}; }
  static Status Invalid(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  bool retryable() const {
    return code_ == StatusCode::kRetryable || code_ == StatusCode::kResourceExhausted;
  }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // A server-requested delay before the next attempt (Retry-After); zero when none.
  std::chrono::milliseconds retry_after() const { return retry_after_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::chrono::milliseconds retry_after_{0};
};

// Combines results of several branches (fan-out): the first error wins, retryable errors rank
// above permanent ones so the sender retries.
inline Status CombineStatus(Status a, const Status& b) {
  if (a.ok()) return b;
  if (b.ok()) return a;
  if (!a.retryable() && b.retryable()) return b;
  return a;
}

}  // namespace adot::collector
