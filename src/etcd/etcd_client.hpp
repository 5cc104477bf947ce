// A small client for etcd's v3 API over its JSON gateway (HTTP/1.1 POSTs on
// the client port), with cpp-httplib. Every call has a timeout and returns
// its result or an Error; nothing throws. Blocking: call it from a thread of
// its own (a detached actor, the watch thread), never from a shared worker.
//
// Endpoints are tried in turn: a call that cannot reach the current one moves
// on to the next, so a multi-member etcd keeps serving when one member dies.
// Not thread-safe; one client per thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "src/etcd/etcd_types.hpp"

namespace httplib {
class Client;
}

namespace ffleet::etcd {

// One etcd client URL, e.g. http://127.0.0.1:2379.
struct Endpoint {
  std::string host;
  int port = 2379;
  std::string to_string() const { return "http://" + host + ":" + std::to_string(port); }
};

// Parses "http://H:P[,http://H:P...]"; on error returns nothing and says why.
std::optional<std::vector<Endpoint>> parse_endpoints(const std::string& text, std::string* error);

class Client {
 public:
  Client(std::vector<Endpoint> endpoints, std::chrono::milliseconds timeout);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Result<int64_t> put(const std::string& key, const std::string& value, int64_t lease = 0);  // revision
  // range_end "" = the key alone; prefix_end(p) = every key under p.
  Result<RangeResult> range(const std::string& key, const std::string& range_end = "");
  Result<int64_t> delete_range(const std::string& key, const std::string& range_end = "");  // keys deleted
  Result<TxnResult> txn(const Txn& txn);

  Result<Lease> lease_grant(std::chrono::seconds ttl);
  Result<bool> lease_revoke(int64_t id);
  // One renewal. The TTL etcd now counts down from; 0 means the lease is
  // gone (expired or revoked), which is an answer, not an error.
  Result<int64_t> lease_keepalive(int64_t id);

  const std::vector<Endpoint>& endpoints() const { return endpoints_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  // POSTs `body` to `path` and parses the answer; tries each endpoint once.
  Result<nlohmann::json> call(const std::string& path, const nlohmann::json& body);
  httplib::Client& connection();

  std::vector<Endpoint> endpoints_;
  std::chrono::milliseconds timeout_;
  size_t current_ = 0;
  std::unique_ptr<httplib::Client> http_;
};

// Shared with the watch: the gateway's JSON shapes.
KeyValue parse_kv(const nlohmann::json& j);
int64_t json_int(const nlohmann::json& j, const char* field);  // the gateway sends int64 as strings

}  // namespace ffleet::etcd
