// Expected<T>: a value or an Error, for failures outside the user's input
// (unreadable file, storage, network). Problems *in* the input are Diagnostics.
//
// Debian 12 packages no tl-expected and GCC 12 has std::expected only in C++23,
// so this is a small stand-in with the same shape (operator bool, *, ->, error()).
//
//   [[nodiscard]] Expected<std::string> ReadFile(const std::filesystem::path& path);
//   Expected<std::string> text = ReadFile(path);
//   if (!text) return Unexpected(text.error());
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace polcheck {

struct Error {
  enum class Code { kNotFound, kIo, kInvalidArgument, kUnsupported, kInternal };
  Code code = Code::kInternal;
  std::string message;
};

struct UnexpectedError {
  Error error;
};

inline UnexpectedError Unexpected(Error error) { return UnexpectedError{std::move(error)}; }
inline UnexpectedError Unexpected(Error::Code code, std::string message) {
  return UnexpectedError{Error{code, std::move(message)}};
}

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Expected(UnexpectedError e) : state_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(state_); }
  const T& value() const& { assert(has_value()); return std::get<0>(state_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!has_value()); return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Expected<void> {
 public:
  Expected() = default;
  Expected(UnexpectedError e) : error_(std::move(e.error)), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace polcheck
