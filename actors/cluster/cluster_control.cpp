#include "actors/cluster/cluster_control.hpp"

#include <caf/io/all.hpp>

#include <charconv>

#include "actors/control.hpp"
#include "src/cluster/metrics_merge.hpp"
#include "src/control/host_port.hpp"
#include "src/control/token.hpp"
#include "src/net/tcp_probe.hpp"
#include "src/util/logging.hpp"

namespace ffleet {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A job command may wait for a process to stop; a status query should not
// wait long for a node that froze (CAF fails no pending request when the
// link drops, only the timeout does).
constexpr auto peer_timeout = 10s;
constexpr auto status_timeout = 3s;
constexpr auto connect_timeout = 2s;

struct cluster_control_state {
  ClusterControlArgs args;
  std::map<std::string, control_actor> peers;  // by address; dropped when the link goes down
  static inline const char* name = "cluster-control";
};

using cc_ptr = control_actor::stateful_pointer<cluster_control_state>;
using Reply = caf::typed_response_promise<ControlReply>;
using Words = std::vector<std::string>;

// Asks the middleman to dial `address` (which has just answered a probe)
// and calls `then` with the peer's control actor, or with null.
template <class F>
void dial_peer(cc_ptr self, const std::string& address, const HostPort& at, F then, std::chrono::milliseconds timeout) {
  self->request(self->system().middleman().actor_handle(), timeout, caf::connect_atom::value, at.host, at.port)
      .then(
          [=](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>& interface) mutable {
            if (!ptr || !self->system().assignable<control_actor>(interface)) {
              then(control_actor{});
              return;
            }
            auto peer = caf::actor_cast<control_actor>(std::move(ptr));
            self->monitor(peer);
            self->state.peers[address] = peer;
            then(peer);
          },
          [=](caf::error&) mutable { then(control_actor{}); });
}

// Answers once whether `target` accepts a TCP connection within `timeout`,
// then quits. (It takes its values as arguments, not captures: CAF 0.17
// dereferences a null pointer when it spawns a function actor without
// arguments, which UBSan reports.)
caf::behavior probe_impl(caf::event_based_actor* self, HostPort target, std::chrono::milliseconds timeout) {
  return {[=](caf::connect_atom) {
    self->quit();
    return tcp_answers(target, timeout);
  }};
}

// Calls `then` with the peer's control actor, or with null when it cannot be
// reached within `timeout`. The middleman dials only an address that has
// just answered a probe (src/net/tcp_probe.hpp says why: its dial blocks
// every other one, for minutes when the address is cut off). The probe runs
// on a thread of its own, which ends once it has answered.
template <class F>
void with_peer(cc_ptr self, const std::string& address, F then,
               std::chrono::milliseconds timeout = std::chrono::duration_cast<std::chrono::milliseconds>(connect_timeout)) {
  auto known = self->state.peers.find(address);
  if (known != self->state.peers.end()) {
    then(known->second);
    return;
  }
  auto at = parse_host_port(address, nullptr);
  if (!at) {
    then(control_actor{});
    return;
  }
  HostPort target = *at;
  auto probe = self->system().spawn<caf::detached>(probe_impl, target, timeout);
  self->request(probe, timeout + 1s, caf::connect_atom::value)
      .then(
          [=](bool answers) mutable {
            if (answers) dial_peer(self, address, target, then, timeout);
            else then(control_actor{});
          },
          [=](caf::error&) mutable { then(control_actor{}); });
}

// Who answers a command sent to another node: its single-node control actor
// (`local ...`, a command about its own jobs), or its cluster door (a
// node-to-node command such as node-metrics).
enum class Door { local, cluster };

// Sends words to one node (this one: the local control actor) and calls
// `done` with its reply; a node that cannot be reached gives a failure reply.
template <class F>
void ask_node(cc_ptr self, const PeerList& snap, const std::string& node, Words words, F done,
              Door door = Door::local) {
  auto& st = self->state;
  auto timeout = words[0] == "status" ? status_timeout : peer_timeout;
  if (node == snap.self) {
    self->request(st.args.local, timeout, ControlRequest{st.args.token, std::move(words)})
        .then([=](ControlReply& r) mutable { done(std::move(r)); },
              [=](caf::error& e) mutable { done(control_failure("failed", node + ": " + caf::to_string(e))); });
    return;
  }
  auto known = snap.addresses.find(node);
  if (known == snap.addresses.end()) {
    done(control_failure("failed", "node " + node + " is not up"));
    return;
  }
  if (door == Door::local) words.insert(words.begin(), "local");
  std::string token = st.args.token;
  std::string address = known->second;  // a copy: `snap` is gone when the callbacks run
  with_peer(self, address, [=](control_actor peer) mutable {
    if (!peer) {
      done(control_failure("failed", "node " + node + " cannot be reached at " + address));
      return;
    }
    self->request(peer, timeout, ControlRequest{token, words})
        .then([=](ControlReply& r) mutable { done(std::move(r)); },
              [=](caf::error& e) mutable {
                done(control_failure("failed", "node " + node + " did not answer: " + caf::to_string(e)));
              });
  });
}

// Asks every live node of `snap` (ask(node, done) sends the question and
// calls done with the reply) and calls `finish` with the "ok" replies' bodies
// by node, sorted, once every node has answered or failed.
template <class Ask, class Finish>
void ask_every_node(const PeerList& snap, Ask ask, Finish finish) {
  struct Gather {
    std::map<std::string, std::string> bodies;
    size_t pending = 0;
  };
  auto gather = std::make_shared<Gather>();
  gather->pending = snap.addresses.size();
  if (gather->pending == 0) {
    finish(gather->bodies);
    return;
  }
  for (auto& [node, address] : snap.addresses) {
    std::string name = node;
    ask(name, [=](ControlReply r) mutable {
      if (r.kind == "ok") gather->bodies[name] = std::move(r.body);
      if (--gather->pending == 0) finish(gather->bodies);
    });
  }
}

// ---- failsafe rounds (docs/cluster.md, "Coordinator outage") ----------------------

// A round number, lease id or timeout: decimal digits that fit an int64.
bool parse_count(const std::string& text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty() && text[0] != '-';
}

// `failsafe ask|vouch LEADER ROUND` to node `name`: the leader's own node
// answers through its agent, the others over their control door.
template <class F>
void failsafe_call(cc_ptr self, const std::string& leader, const std::string& name, const std::string& address,
                   Words words, std::chrono::milliseconds timeout, F done) {
  auto fail = [=](const std::string& why) mutable { done(control_failure("failed", why)); };
  if (name == leader) {
    int64_t number = 0;
    parse_count(words[3], number);  // checked by the caller
    self->request(self->state.args.agent, timeout, failsafe_atom::value, words[1], words[2], number)
        .then([=](ControlReply& r) mutable { done(std::move(r)); },
              [=](caf::error& e) mutable { fail(caf::to_string(e)); });
    return;
  }
  std::string token = self->state.args.token;
  with_peer(
      self, address,
      [=](control_actor peer) mutable {
        if (!peer) {
          fail("cannot be reached at " + address);
          return;
        }
        self->request(peer, timeout, ControlRequest{token, words})
            .then([=](ControlReply& r) mutable { done(std::move(r)); },
                  [=](caf::error& e) mutable { fail("did not answer: " + caf::to_string(e)); });
      },
      timeout);
}

// `failsafe round LEADER ROUND TIMEOUT_MS NAME ADDRESS...`, from this node's
// agent while it leads and etcd does not answer: asks every node listed
// whether it reaches etcd, and only if each answered "no" within TIMEOUT_MS
// of the start tells each one it is vouched for.
void failsafe_round(cc_ptr self, Reply promise, const Words& cmd) {
  std::string leader = cmd[2], round = cmd[3];
  int64_t timeout_ms = 0;
  parse_count(cmd[4], timeout_ms);  // checked by the caller
  auto timeout = std::chrono::milliseconds(timeout_ms);
  auto started = std::chrono::steady_clock::now();
  struct Round {
    std::vector<std::pair<std::string, std::string>> nodes;  // name, address
    size_t pending = 0;
    json refused = json::array();  // why a node keeps the round from vouching
  };
  auto r = std::make_shared<Round>();
  for (size_t i = 5; i + 1 < cmd.size(); i += 2) r->nodes.emplace_back(cmd[i], cmd[i + 1]);
  r->pending = r->nodes.size();
  auto finish = [=]() mutable {
    bool all = r->refused.empty();
    if (all)
      for (auto& [name, address] : r->nodes)
        failsafe_call(self, leader, name, address, Words{"failsafe", "vouch", leader, round}, timeout,
                      [](ControlReply) {});  // a node that misses it fences at its deadline
    promise.deliver(control_ok(json{{"vouched", all}, {"refused", r->refused}}));
  };
  for (auto& [name, address] : r->nodes) {
    std::string node = name;
    failsafe_call(self, leader, node, address, Words{"failsafe", "ask", leader, round}, timeout,
                  [=](ControlReply reply) mutable {
                    json body = json::parse(reply.body, nullptr, false);
                    bool late = std::chrono::steady_clock::now() - started > timeout;
                    if (reply.kind != "ok") r->refused.push_back(node + ": " + reply.body);
                    else if (late) r->refused.push_back(node + ": answered too late");
                    else if (!body.is_object() || body.value("etcd", true)) r->refused.push_back(node + ": reaches etcd");
                    if (--r->pending == 0) finish();
                  });
  }
  if (r->nodes.empty()) promise.deliver(control_failure("bad_request", "a failsafe round needs nodes"));
}

// A section 4 object for a job no node runs right now.
json idle_status(const std::string& id, bool autostart) {
  JobStatus s;
  s.id = id;
  s.order = autostart ? Order::start : Order::stop;
  s.since = std::chrono::system_clock::now();
  return json(s);
}

// Every job's status, from the nodes that run them, with node and placement.
void cluster_status(cc_ptr self, Reply promise, std::optional<std::string> only) {
  self->request(self->state.args.agent, peer_timeout, snapshot_atom::value)
      .then(
          [=](ClusterSnapshot& snap) mutable {
            auto finish = [=](const std::map<std::string, std::string>& bodies) mutable {
              std::map<std::string, json> by_node;  // node -> its status array
              for (auto& [n, body] : bodies) by_node[n] = json::parse(body, nullptr, false);
              json all = json::array();
              for (auto& [id, node] : snap.placement) {
                if (only && id != *only) continue;
                json status;
                std::string running_on;
                auto from = [&](const std::string& n) {
                  auto statuses = by_node.find(n);
                  if (statuses == by_node.end() || !statuses->second.is_array()) return false;
                  for (auto& s : statuses->second)
                    if (s.value("id", "") == id) {
                      status = s;
                      running_on = n;
                      return true;
                    }
                  return false;
                };
                // The node it is placed on first; during a move the old one may still run it.
                if (!(node.empty() ? false : from(node)))
                  for (auto& [n, statuses] : by_node)
                    if (from(n)) break;
                if (status.is_null()) {
                  status = idle_status(id, snap.autostart[id]);
                  running_on = node;
                }
                status["node"] = running_on.empty() ? json(nullptr) : json(running_on);
                auto why = snap.pending.find(id);
                status["placement"] = why == snap.pending.end() ? json(nullptr) : json(why->second);
                all.push_back(std::move(status));
              }
              if (!only) {
                promise.deliver(control_ok(all));
              } else if (all.empty()) {
                promise.deliver(control_failure("unknown_job", "unknown job \"" + *only + "\""));
              } else {
                promise.deliver(control_ok(all[0]));
              }
            };
            ask_every_node(
                snap, [=](const std::string& node, auto done) { ask_node(self, snap, node, Words{"status"}, done); },
                finish);
          },
          [=](caf::error& e) mutable { promise.deliver(control_failure("failed", "cluster view: " + caf::to_string(e))); });
}

// This node's own exposition with its own counters, given to `done`: what
// it contributes to the whole-cluster /metrics of any node.
template <class F>
void node_metrics(cc_ptr self, F done) {
  self->request(self->state.args.local, status_timeout, ControlRequest{self->state.args.token, Words{"metrics"}})
      .then(
          [=](ControlReply& local) mutable {
            if (local.kind != "ok") {
              done(std::move(local));
              return;
            }
            self->request(self->state.args.agent, status_timeout, snapshot_atom::value)
                .then(
                    [=](ClusterSnapshot& snap) mutable {
                      local.body += cluster::format_own_node_metrics(snap.lease_renewals, snap.fencings);
                      done(std::move(local));
                    },
                    [=](caf::error& e) mutable { done(control_failure("failed", caf::to_string(e))); });
          },
          [=](caf::error& e) mutable { done(control_failure("failed", caf::to_string(e))); });
}

// Every node's exposition, labelled with its node, plus the node table.
// A node that does not answer contributes only its row of the node table.
void cluster_metrics(cc_ptr self, Reply promise) {
  self->request(self->state.args.agent, peer_timeout, snapshot_atom::value)
      .then(
          [=](ClusterSnapshot& snap) mutable {
            auto finish = [=](const std::map<std::string, std::string>& bodies) mutable {
              std::vector<cluster::NodeMetrics> nodes;  // sorted by node: the same text from every node
              for (auto& [node, text] : bodies) nodes.push_back({node, text});
              promise.deliver(ControlReply{
                  0, "ok", cluster::merge_node_metrics(nodes) + cluster::format_node_table_metrics(snap.nodes)});
            };
            ask_every_node(
                snap,
                [=](const std::string& node, auto done) {
                  if (node == snap.self) node_metrics(self, done);
                  else ask_node(self, snap, node, Words{"node-metrics"}, done, Door::cluster);
                },
                finish);
          },
          [=](caf::error& e) mutable { promise.deliver(control_failure("failed", "cluster view: " + caf::to_string(e))); });
}

std::optional<uint64_t> parse_event_number(const std::string& text) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return std::nullopt;  // beyond 64 bits
  }
}

// This node's own events after number `after`, as {"from","events","last"}.
void node_events(cc_ptr self, Reply promise, uint64_t after) {
  self->request(self->state.args.events, status_timeout, since_atom::value, after)
      .then(
          [=](uint64_t from, std::vector<std::string>& lines, uint64_t last) mutable {
            promise.deliver(control_ok(json{{"from", from}, {"events", std::move(lines)}, {"last", last}}));
          },
          [=](caf::error& e) mutable { promise.deliver(control_failure("failed", caf::to_string(e))); });
}

// The same, asked of another node over its cluster door.
void peer_events(cc_ptr self, Reply promise, const std::string& node, const std::string& after) {
  self->request(self->state.args.agent, peer_timeout, peers_atom::value)
      .then(
          [=](PeerList& snap) mutable {
            ask_node(
                self, snap, node, Words{"node-events", after},
                [=](ControlReply r) mutable { promise.deliver(std::move(r)); }, Door::cluster);
          },
          [=](caf::error& e) mutable { promise.deliver(control_failure("failed", "cluster view: " + caf::to_string(e))); });
}

// A command about one job goes to the node that runs it.
void job_command(cc_ptr self, Reply promise, Words words) {
  std::string id = words[1];
  self->request(self->state.args.agent, peer_timeout, snapshot_atom::value)
      .then(
          [=](ClusterSnapshot& snap) mutable {
            auto placed = snap.placement.find(id);
            if (placed == snap.placement.end()) {
              promise.deliver(control_failure("unknown_job", "unknown job \"" + id + "\""));
              return;
            }
            if (placed->second.empty()) {
              promise.deliver(control_failure("refused", id + " runs on no node: " + snap.pending[id]));
              return;
            }
            ask_node(self, snap, placed->second, words, [=](ControlReply r) mutable { promise.deliver(std::move(r)); });
          },
          [=](caf::error& e) mutable { promise.deliver(control_failure("failed", "cluster view: " + caf::to_string(e))); });
}

template <class... Ts>
void ask_agent(cc_ptr self, Reply promise, Ts... xs) {
  self->request(self->state.args.agent, 60s, xs...)
      .then([=](ControlReply& r) mutable { promise.deliver(std::move(r)); },
            [=](caf::error& e) mutable { promise.deliver(control_failure("failed", "node agent: " + caf::to_string(e))); });
}

caf::result<ControlReply> dispatch(cc_ptr self, const ControlRequest& req) {
  auto& st = self->state;
  const Words& cmd = req.command;
  const std::string& name = cmd[0];
  size_t n = cmd.size();
  auto usage = [](const char* form) { return control_failure("bad_request", std::string("usage: ") + form); };
  if (name == "local") {
    if (n < 2) return usage("local COMMAND...");
    return self->delegate(st.args.local, ControlRequest{req.token, Words(cmd.begin() + 1, cmd.end())});
  }
  auto promise = self->make_response_promise<ControlReply>();
  if (name == "status") {
    if (n > 2) return usage("status [ID]");
    cluster_status(self, promise, n == 2 ? std::optional<std::string>(cmd[1]) : std::nullopt);
    return promise;
  }
  if (name == "start" || name == "stop" || name == "restart" || name == "kill" || name == "logs" ||
      name == "report") {
    if (n < 2) return usage("start|stop|restart|kill|logs|report ID");
    job_command(self, promise, cmd);
    return promise;
  }
  if (name == "nodes") {
    if (n != 1) return usage("nodes");
    self->request(st.args.agent, peer_timeout, snapshot_atom::value)
        .then([=](ClusterSnapshot& snap) mutable { promise.deliver(control_ok(snap.nodes)); },
              [=](caf::error& e) mutable { promise.deliver(control_failure("failed", caf::to_string(e))); });
    return promise;
  }
  if (name == "apply") {
    if (n != 3) return usage("apply FILE (the client sends the file's name and text)");
    ask_agent(self, promise, apply_atom::value, cmd[1], cmd[2]);
    return promise;
  }
  if (name == "drain" || name == "uncordon" || name == "forget") {
    if (n != 2) return usage("drain|uncordon|forget NODE");
    if (name == "drain") ask_agent(self, promise, drain_atom::value, cmd[1]);
    else if (name == "uncordon") ask_agent(self, promise, uncordon_atom::value, cmd[1]);
    else ask_agent(self, promise, forget_atom::value, cmd[1]);
    return promise;
  }
  if (name == "metrics") {
    if (n != 1) return usage("metrics");
    cluster_metrics(self, promise);
    return promise;
  }
  if (name == "node-metrics") {  // from another node's cluster_metrics
    if (n != 1) return usage("node-metrics");
    node_metrics(self, [=](ControlReply r) mutable { promise.deliver(std::move(r)); });
    return promise;
  }
  if (name == "node-events" || name == "peer-events") {
    bool here = name == "node-events";
    if (n != (here ? 2u : 3u)) return usage(here ? "node-events AFTER" : "peer-events NODE AFTER");
    auto after = parse_event_number(cmd.back());
    if (!after) return usage(here ? "node-events AFTER (a number)" : "peer-events NODE AFTER (a number)");
    if (here) node_events(self, promise, *after);
    else peer_events(self, promise, cmd[1], cmd[2]);
    return promise;
  }
  if (name == "reload") {
    if (n != 1) return usage("reload");
    ask_agent(self, promise, reload_atom::value);
    return promise;
  }
  if (name == "failsafe") {
    // Between nodes only, while etcd does not answer (docs/cluster.md).
    int64_t number = 0, timeout_ms = 0;
    bool numbered = n >= 4 && parse_count(cmd[3], number);
    if (numbered && n >= 7 && n % 2 == 1 && cmd[1] == "round" && parse_count(cmd[4], timeout_ms) &&
        timeout_ms < 3600000) {
      failsafe_round(self, promise, cmd);
      return promise;
    }
    if (n == 5 && cmd[1] == "relay" && !cmd[2].empty() && parse_count(cmd[4], number)) {
      // From this node's agent: have the node at ADDRESS renew lease LEASE.
      failsafe_call(self, "", cmd[2], cmd[2], Words{"failsafe", "renew", cmd[3], cmd[4]},
                    std::chrono::duration_cast<std::chrono::milliseconds>(connect_timeout),
                    [=](ControlReply r) mutable { promise.deliver(std::move(r)); });
      return promise;
    }
    if (numbered && n == 4 && (cmd[1] == "ask" || cmd[1] == "vouch" || cmd[1] == "renew")) {
      self->request(st.args.agent, 5s, failsafe_atom::value, cmd[1], cmd[2], number)
          .then([=](ControlReply& r) mutable { promise.deliver(std::move(r)); },
                [=](caf::error& e) mutable { promise.deliver(control_failure("failed", caf::to_string(e))); });
      return promise;
    }
    return usage(
        "failsafe ask|vouch LEADER ROUND | failsafe round LEADER ROUND TIMEOUT_MS NAME ADDRESS... | "
        "failsafe relay ADDRESS NODE LEASE | failsafe renew NODE LEASE");
  }
  if (name == "shutdown") {
    if (n != 1) return usage("shutdown");
    self->send(st.args.agent, shutdown_atom::value, false);
    return control_ok(json{{"message", "leaving the cluster"}});
  }
  // ping and anything else: this node's own answer.
  return self->delegate(st.args.local, req);
}

control_actor::behavior_type cluster_control_impl(cc_ptr self, ClusterControlArgs args) {
  self->state.args = std::move(args);
  // The agent reaches the other nodes through us (failsafe rounds).
  self->send(self->state.args.agent, door_atom::value, caf::actor_cast<control_actor>(self), self->state.args.token);
  // The local control actor is ours alone: it goes when we go.
  self->link_to(self->state.args.local);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& peers = self->state.peers;
    for (auto i = peers.begin(); i != peers.end(); ++i)
      if (i->second.address() == dm.source) {
        peers.erase(i);
        break;
      }
  });
  return {
      [=](const ControlRequest& req) -> caf::result<ControlReply> {
        auto& st = self->state;
        if (!st.args.token.empty() && !tokens_equal(st.args.token, req.token))
          return control_failure("unauthorized", "unauthorized");
        if (req.command.empty()) return control_failure("bad_request", "empty command");
        return dispatch(self, req);
      },
  };
}

}  // namespace

control_actor spawn_cluster_control(caf::actor_system& sys, ClusterControlArgs args) {
  return sys.spawn(cluster_control_impl, std::move(args));
}

}  // namespace ffleet
