#include "src/etcd/etcd_client.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "src/etcd/base64.hpp"

namespace ffleet::etcd {

using nlohmann::json;

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

std::optional<std::vector<Endpoint>> parse_endpoints(const std::string& text, std::string* error) {
  std::vector<Endpoint> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string url = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::string scheme = "http://";
    auto fail = [&](const std::string& why) {
      if (error) *error = "etcd endpoint \"" + url + "\": " + why;
      return std::nullopt;
    };
    if (url.compare(0, scheme.size(), scheme) != 0)
      return fail("expected http://HOST:PORT (TLS to etcd is not supported yet)");
    std::string rest = url.substr(scheme.size());
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0) return fail("expected http://HOST:PORT");
    Endpoint e;
    e.host = rest.substr(0, colon);
    std::string port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
      return fail("bad port \"" + port + "\"");
    e.port = std::stoi(port);
    if (e.port < 1 || e.port > 65535) return fail("port out of range");
    out.push_back(e);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.empty()) {
    if (error) *error = "no etcd endpoint given";
    return std::nullopt;
  }
  return out;
}

int64_t json_int(const json& j, const char* field) {
  auto i = j.find(field);
  if (i == j.end()) return 0;  // the gateway leaves out zero values
  if (i->is_string()) {
    try {
      return std::stoll(i->get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return i->is_number() ? i->get<int64_t>() : 0;
}

namespace {

std::string b64_field(const json& j, const char* field) {
  auto i = j.find(field);
  if (i == j.end() || !i->is_string()) return "";
  return base64_decode(i->get<std::string>()).value_or("");
}

std::vector<KeyValue> parse_kvs(const json& j) {
  std::vector<KeyValue> kvs;
  if (auto i = j.find("kvs"); i != j.end() && i->is_array())
    for (auto& kv : *i) kvs.push_back(parse_kv(kv));
  return kvs;
}

int64_t header_revision(const json& j) {
  auto h = j.find("header");
  return h == j.end() ? 0 : json_int(*h, "revision");
}

const char* target_name(Compare::Target t) {
  switch (t) {
    case Compare::Target::create_revision: return "CREATE";
    case Compare::Target::mod_revision: return "MOD";
    case Compare::Target::version: return "VERSION";
    case Compare::Target::value: return "VALUE";
    case Compare::Target::lease: return "LEASE";
  }
  return "CREATE";
}

const char* op_name(Compare::Op op) {
  switch (op) {
    case Compare::Op::equal: return "EQUAL";
    case Compare::Op::not_equal: return "NOT_EQUAL";
    case Compare::Op::greater: return "GREATER";
    case Compare::Op::less: return "LESS";
  }
  return "EQUAL";
}

json compare_json(const Compare& c) {
  json j{{"key", base64_encode(c.key)}, {"target", target_name(c.target)}, {"result", op_name(c.op)}};
  switch (c.target) {
    case Compare::Target::create_revision: j["create_revision"] = std::to_string(c.number); break;
    case Compare::Target::mod_revision: j["mod_revision"] = std::to_string(c.number); break;
    case Compare::Target::version: j["version"] = std::to_string(c.number); break;
    case Compare::Target::lease: j["lease"] = std::to_string(c.number); break;
    case Compare::Target::value: j["value"] = base64_encode(c.value); break;
  }
  return j;
}

json op_json(const Op& op) {
  json body{{"key", base64_encode(op.key)}};
  if (op.kind == Op::Kind::put) {
    body["value"] = base64_encode(op.value);
    if (op.lease != 0) body["lease"] = std::to_string(op.lease);
    return json{{"request_put", body}};
  }
  if (!op.range_end.empty()) body["range_end"] = base64_encode(op.range_end);
  if (op.kind == Op::Kind::del) return json{{"request_delete_range", body}};
  return json{{"request_range", body}};
}

}  // namespace

KeyValue parse_kv(const json& j) {
  KeyValue kv;
  kv.key = b64_field(j, "key");
  kv.value = b64_field(j, "value");
  kv.create_revision = json_int(j, "create_revision");
  kv.mod_revision = json_int(j, "mod_revision");
  kv.version = json_int(j, "version");
  kv.lease = json_int(j, "lease");
  return kv;
}

Client::Client(std::vector<Endpoint> endpoints, std::chrono::milliseconds timeout)
    : endpoints_(std::move(endpoints)), timeout_(timeout) {}

Client::~Client() = default;

httplib::Client& Client::connection() {
  if (!http_) {
    auto& e = endpoints_[current_];
    http_ = std::make_unique<httplib::Client>(e.host, e.port);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout_).count();
    http_->set_connection_timeout(us / 1000000, us % 1000000);
    http_->set_read_timeout(us / 1000000, us % 1000000);
    http_->set_write_timeout(us / 1000000, us % 1000000);
    http_->set_keep_alive(true);
  }
  return *http_;
}

Result<json> Client::call(const std::string& path, const json& body) {
  std::string text = body.dump();
  std::string last_error;
  for (size_t attempt = 0; attempt < endpoints_.size(); ++attempt) {
    auto response = connection().Post(path.c_str(), text, "application/json");
    if (!response) {
      last_error = endpoints_[current_].to_string() + ": " + httplib::to_string(response.error());
      http_.reset();  // a fresh connection next time, to the next member
      current_ = (current_ + 1) % endpoints_.size();
      continue;
    }
    auto answer = json::parse(response->body, nullptr, false);
    if (answer.is_discarded())
      return Error{"etcd " + path + ": HTTP " + std::to_string(response->status) + ", not JSON: " +
                       response->body.substr(0, 200),
                   false};
    if (response->status != 200 || answer.contains("error")) {
      std::string message = answer.value("message", answer.value("error", std::string("HTTP ") +
                                                                             std::to_string(response->status)));
      return Error{"etcd " + path + ": " + message, false};
    }
    return answer;
  }
  return Error{"etcd unreachable (" + last_error + ")", true};
}

Result<int64_t> Client::put(const std::string& key, const std::string& value, int64_t lease) {
  json body{{"key", base64_encode(key)}, {"value", base64_encode(value)}};
  if (lease != 0) body["lease"] = std::to_string(lease);
  auto r = call("/v3/kv/put", body);
  if (!r) return r.error();
  return header_revision(*r);
}

Result<RangeResult> Client::range(const std::string& key, const std::string& range_end) {
  json body{{"key", base64_encode(key)}};
  if (!range_end.empty()) body["range_end"] = base64_encode(range_end);
  auto r = call("/v3/kv/range", body);
  if (!r) return r.error();
  return RangeResult{parse_kvs(*r), header_revision(*r)};
}

Result<int64_t> Client::delete_range(const std::string& key, const std::string& range_end) {
  json body{{"key", base64_encode(key)}};
  if (!range_end.empty()) body["range_end"] = base64_encode(range_end);
  auto r = call("/v3/kv/deleterange", body);
  if (!r) return r.error();
  return json_int(*r, "deleted");
}

Result<TxnResult> Client::txn(const Txn& txn) {
  json body{{"compare", json::array()}, {"success", json::array()}, {"failure", json::array()}};
  for (auto& c : txn.compare) body["compare"].push_back(compare_json(c));
  for (auto& op : txn.success) body["success"].push_back(op_json(op));
  for (auto& op : txn.failure) body["failure"].push_back(op_json(op));
  auto r = call("/v3/kv/txn", body);
  if (!r) return r.error();
  TxnResult out;
  out.succeeded = r->value("succeeded", false);
  out.revision = header_revision(*r);
  if (auto responses = r->find("responses"); responses != r->end() && responses->is_array())
    for (auto& response : *responses)
      if (auto range = response.find("response_range"); range != response.end())
        for (auto& kv : parse_kvs(*range)) out.kvs.push_back(std::move(kv));
  return out;
}

Result<Lease> Client::lease_grant(std::chrono::seconds ttl) {
  auto r = call("/v3/lease/grant", json{{"TTL", std::to_string(ttl.count())}});
  if (!r) return r.error();
  Lease lease{json_int(*r, "ID"), json_int(*r, "TTL")};
  if (lease.id == 0) return Error{"etcd lease/grant: no lease id in the answer", false};
  return lease;
}

Result<bool> Client::lease_revoke(int64_t id) {
  auto r = call("/v3/lease/revoke", json{{"ID", std::to_string(id)}});
  if (!r) return r.error();
  return true;
}

Result<int64_t> Client::lease_keepalive(int64_t id) {
  // The gateway's streaming keepalive answers a plain POST once and closes:
  // a unary renewal. The answer is wrapped in "result".
  auto r = call("/v3/lease/keepalive", json{{"ID", std::to_string(id)}});
  if (!r) return r.error();
  auto result = r->find("result");
  return json_int(result == r->end() ? *r : *result, "TTL");
}

}  // namespace ffleet::etcd
