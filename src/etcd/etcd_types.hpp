// The values the etcd client hands out: keys and values as plain bytes (the
// JSON gateway's base64 is undone), 64-bit ids and revisions as integers,
// and errors as values rather than exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ffleet::etcd {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;  // 0 = none
};

struct Event {
  enum class Type { put, del };
  Type type = Type::put;
  KeyValue kv;  // for a delete: only key and mod_revision
};

// What went wrong with a call. `unreachable` says the server was not
// reached or did not answer in time (worth retrying, maybe elsewhere), as
// opposed to an answer that refused the request.
struct Error {
  std::string message;
  bool unreachable = false;
};

// A value or an error, never both.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  const Error& error() const { return error_; }

 private:
  std::optional<T> value_;
  Error error_;
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  int64_t revision = 0;  // the store's revision when it answered
};

// One comparison of a transaction; etcd evaluates all of them and runs
// `success` if every one holds, else `failure`.
struct Compare {
  enum class Target { create_revision, mod_revision, version, value, lease };
  enum class Op { equal, not_equal, greater, less };
  std::string key;
  Target target = Target::create_revision;
  Op op = Op::equal;
  int64_t number = 0;  // for the revision, version and lease targets
  std::string value;   // for the value target

  // The key does not exist (the election's and the claim's test).
  static Compare absent(std::string key) { return Compare{std::move(key), Target::create_revision, Op::equal, 0, {}}; }
  static Compare value_is(std::string key, std::string value) {
    return Compare{std::move(key), Target::value, Op::equal, 0, std::move(value)};
  }
  static Compare mod_revision_is(std::string key, int64_t revision) {
    return Compare{std::move(key), Target::mod_revision, Op::equal, revision, {}};
  }
};

// One operation of a transaction branch.
struct Op {
  enum class Kind { put, del, range };
  Kind kind = Kind::put;
  std::string key;
  std::string value;      // put
  int64_t lease = 0;      // put
  std::string range_end;  // del, range: "" = the key alone

  static Op put(std::string key, std::string value, int64_t lease = 0) {
    return Op{Kind::put, std::move(key), std::move(value), lease, {}};
  }
  static Op del(std::string key) { return Op{Kind::del, std::move(key), {}, 0, {}}; }
  static Op get(std::string key) { return Op{Kind::range, std::move(key), {}, 0, {}}; }
};

struct Txn {
  std::vector<Compare> compare;
  std::vector<Op> success;
  std::vector<Op> failure;
};

struct TxnResult {
  bool succeeded = false;
  int64_t revision = 0;
  std::vector<KeyValue> kvs;  // what the branch's range operations found
};

struct Lease {
  int64_t id = 0;
  int64_t ttl_s = 0;  // as granted (etcd raises a TTL below its minimum)
};

// The range_end that makes a range cover every key starting with `prefix`.
std::string prefix_end(const std::string& prefix);

}  // namespace ffleet::etcd
