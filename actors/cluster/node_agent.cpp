#include "actors/cluster/node_agent.hpp"

#include <csignal>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "actors/control.hpp"
#include "actors/events.hpp"
#include "config/loader.hpp"
#include "src/cluster/cluster_view.hpp"
#include "src/cluster/node_table.hpp"
#include "src/cluster/placement.hpp"
#include "src/etcd/etcd_watch.hpp"
#include "src/util/logging.hpp"
#include "src/util/time_format.hpp"

namespace ffleet {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using namespace std::chrono_literals;
using cluster::Assignment;
using cluster::NodeInfo;

constexpr auto tick_interval = 100ms;
constexpr size_t max_ops_per_txn = 100;  // etcd refuses more than 128 by default

enum class Phase { unregistered, registered, leaving, left };

struct agent_state {
  NodeAgentArgs args;
  supervisor_actor supervisor;
  cluster::Keys keys;
  std::unique_ptr<etcd::Client> etcd;
  cluster::ClusterView view;
  std::unique_ptr<etcd::Watch> watch;
  bool watch_up = false;
  Clock::time_point watch_down_since;

  Phase phase = Phase::unregistered;
  int64_t lease = 0;
  Clock::time_point next_attempt;   // of a registration or a renewal
  Clock::time_point last_renewal;   // sent time of the last successful renewal
  bool fenced = false;
  uint64_t lease_renewals = 0, fencings = 0;  // for /metrics

  bool leader = false;
  Clock::time_point leader_since;
  int64_t awaited_revision = 0;     // the leader's last write; plan again once the view has it

  std::map<std::string, JobSpec> running;  // claimed and handed to the supervisor
  std::set<std::string> releasing;         // let go, waiting for the process to end
  std::map<std::string, JobSpec> sent;     // what the supervisor was last told
  Clock::time_point leave_deadline;
  int signals = 0;

  ~agent_state() { watch.reset(); }  // joins the watch thread before the state goes
  static inline const char* name = "node-agent";
};

using agent_ptr = node_agent_actor::stateful_pointer<agent_state>;

std::chrono::milliseconds renew_every(const agent_state& st) { return st.args.lease_ttl / 4; }
// Killing the jobs this long after the last good renewal leaves a quarter of
// the lease for the kill to land before etcd may expire it.
std::chrono::milliseconds fence_after(const agent_state& st) { return st.args.lease_ttl * 3 / 4; }
// The guard's deadline: after our own fence (so a running daemon fences
// first, with an event), before etcd may expire the lease.
std::chrono::milliseconds guard_after(const agent_state& st) { return st.args.lease_ttl * 7 / 8; }

void feed_guard(agent_state& st) {
  if (st.args.guard) st.args.guard->fence_until(st.last_renewal + guard_after(st));
}

void emit_cluster(agent_ptr self, json event) {
  event["ts"] = rfc3339(std::chrono::system_clock::now());
  emit(self->state.args.events, std::move(event));
}

// ---- the watch ----------------------------------------------------------------

void start_watch(agent_ptr self, int64_t from_revision) {
  auto& st = self->state;
  st.watch.reset();
  caf::weak_actor_ptr weak = caf::actor_cast<caf::weak_actor_ptr>(self->address());
  auto to_self = [weak](auto... xs) {
    if (auto strong = weak.lock()) caf::anon_send(caf::actor_cast<node_agent_actor>(strong), xs...);
  };
  etcd::WatchCallbacks cb;
  cb.on_events = [to_self](std::vector<etcd::Event> events, int64_t) {
    to_self(watch_atom::value, WatchBatch{std::move(events)});
  };
  cb.on_link = [to_self](bool up, std::string why) { to_self(link_atom::value, up, std::move(why)); };
  cb.on_compacted = [to_self](int64_t) { to_self(resync_atom::value); };
  st.watch_up = false;
  st.watch_down_since = Clock::now();  // a new watch gets time to connect before it is replaced
  st.watch = std::make_unique<etcd::Watch>(st.args.endpoints, st.keys.prefix(), etcd::prefix_end(st.keys.prefix()),
                                           from_revision, std::move(cb));
}

// Reads every record and watches from there on. False if etcd did not answer.
bool resync(agent_ptr self) {
  auto& st = self->state;
  auto all = st.etcd->range(st.keys.prefix(), etcd::prefix_end(st.keys.prefix()));
  if (!all) return false;
  st.view.reset(all->kvs, all->revision);
  start_watch(self, all->revision + 1);
  return true;
}

// ---- running the jobs placed here ---------------------------------------------

void tell_supervisor(agent_ptr self, bool immediate) {
  auto& st = self->state;
  bool same = st.sent.size() == st.running.size();
  if (same)
    for (auto& [id, spec] : st.running) {
      auto i = st.sent.find(id);
      if (i == st.sent.end() || !(i->second == spec)) {
        same = false;
        break;
      }
    }
  if (same) return;
  FleetSpec fleet;
  fleet.path = "cluster";
  for (auto& [id, spec] : st.running) fleet.jobs.push_back(spec);
  for (auto& [id, spec] : st.sent)
    if (!st.running.count(id)) st.releasing.insert(id);
  st.sent = st.running;
  self->request(st.supervisor, 30s, apply_atom::value, std::move(fleet), immediate)
      .then([](ReloadResult&) {}, [](caf::error& e) { log_error("", "cluster: the supervisor did not take the jobs: " + caf::to_string(e)); });
}

// Kills every job at once: this node can no longer prove it holds them.
void fence(agent_ptr self, const std::string& why) {
  auto& st = self->state;
  if (st.fenced) return;
  st.fenced = true;
  ++st.fencings;
  st.leader = false;
  log_error("", "cluster: fencing, every job is killed: " + why);
  emit_cluster(self, cluster::node_event(st.args.info.name, "fenced"));
  st.running.clear();
  tell_supervisor(self, true);
}

// Claims the jobs placed here that no node holds, gives up those placed
// elsewhere, and releases claims of jobs no longer running here.
void reconcile(agent_ptr self) {
  auto& st = self->state;
  if (st.phase != Phase::registered || st.fenced) return;
  const auto& me = st.args.info.name;
  std::set<std::string> mine;
  for (auto& id : st.view.jobs_of(me)) mine.insert(id);
  for (auto i = st.running.begin(); i != st.running.end();) {
    if (!mine.count(i->first)) {
      log_info(i->first, "cluster: placed elsewhere now, stopping it here");
      st.releasing.insert(i->first);  // its claim stays until the process is gone
      i = st.running.erase(i);
    } else {
      i->second = st.view.jobs().at(i->first);  // a changed definition restarts it in place
      ++i;
    }
  }
  for (auto& id : mine) {
    if (st.running.count(id) || st.releasing.count(id)) continue;
    auto claim = st.view.claims().find(id);
    if (claim != st.view.claims().end() && claim->second != me) continue;  // its old node still has it
    if (claim == st.view.claims().end()) {
      etcd::Txn t;
      t.compare.push_back(etcd::Compare::absent(st.keys.claim(id)));
      t.success.push_back(etcd::Op::put(st.keys.claim(id), me, st.lease));
      auto r = st.etcd->txn(t);
      if (!r || !r->succeeded) continue;  // retried on the next change or tick
    }
    st.running[id] = st.view.jobs().at(id);
  }
  // Claims of ours that nothing runs under (a release whose delete failed).
  for (auto& [id, holder] : st.view.claims()) {
    if (holder != me || st.running.count(id) || st.releasing.count(id)) continue;
    etcd::Txn t;
    t.compare.push_back(etcd::Compare::value_is(st.keys.claim(id), me));
    t.success.push_back(etcd::Op::del(st.keys.claim(id)));
    st.etcd->txn(t);
  }
  tell_supervisor(self, false);
}

// ---- the leader role ----------------------------------------------------------

void campaign(agent_ptr self) {
  auto& st = self->state;
  const auto& me = st.args.info.name;
  if (st.phase != Phase::registered || st.fenced) return;
  if (st.view.leader() == me && st.leader) return;
  if (!st.view.leader().empty() && st.view.leader() != me) {
    if (st.leader) log_info("", "cluster: no longer the leader");
    st.leader = false;
    return;
  }
  if (!st.view.leader().empty()) return;  // ours, but not known yet as such (it will be on the watch)
  etcd::Txn t;
  t.compare.push_back(etcd::Compare::absent(st.keys.leader()));
  t.success.push_back(etcd::Op::put(st.keys.leader(), me, st.lease));
  auto r = st.etcd->txn(t);
  if (r && r->succeeded) {
    st.leader = true;
    st.leader_since = Clock::now();
    st.awaited_revision = r->revision;
    log_info("", "cluster: elected leader");
  }
}

void lead(agent_ptr self) {
  auto& st = self->state;
  if (!st.leader || st.fenced || st.phase == Phase::unregistered || st.phase == Phase::left) return;
  if (st.view.revision() < st.awaited_revision) return;  // our last writes are not in the view yet
  bool place_new = Clock::now() - st.leader_since >= st.args.lease_ttl;
  auto plan = cluster::plan_placement(st.view, place_new);
  std::vector<etcd::Op> ops;
  for (auto& m : plan.moves) {
    if (m.to.node.empty()) ops.push_back(etcd::Op::del(st.keys.assign(m.job)));
    else ops.push_back(etcd::Op::put(st.keys.assign(m.job), cluster::encode_assignment(m.to)));
  }
  for (auto& job : plan.removed) ops.push_back(etcd::Op::del(st.keys.assign(job)));
  for (size_t start = 0; start < ops.size(); start += max_ops_per_txn) {
    etcd::Txn t;
    // Only while we still hold the leader key: a deposed leader writes nothing.
    t.compare.push_back(etcd::Compare::value_is(st.keys.leader(), st.args.info.name));
    size_t end = std::min(ops.size(), start + max_ops_per_txn);
    t.success.assign(ops.begin() + static_cast<std::ptrdiff_t>(start), ops.begin() + static_cast<std::ptrdiff_t>(end));
    auto r = st.etcd->txn(t);
    if (!r) return;
    if (!r->succeeded) {
      st.leader = false;
      log_warn("", "cluster: lost the leader key");
      return;
    }
    st.awaited_revision = r->revision;
  }
}

// ---- the lease ------------------------------------------------------------------

bool register_node(agent_ptr self) {
  auto& st = self->state;
  auto sent = Clock::now();
  auto ttl = std::chrono::duration_cast<std::chrono::seconds>(st.args.lease_ttl + 999ms);
  auto lease = st.etcd->lease_grant(ttl);
  if (!lease) return false;
  NodeInfo info = st.args.info;
  etcd::Txn t;
  t.success.push_back(etcd::Op::put(st.keys.member(info.name), cluster::encode_node(info)));
  t.success.push_back(etcd::Op::put(st.keys.node(info.name), cluster::encode_node(info), lease->id));
  if (!st.etcd->txn(t)) return false;
  st.lease = lease->id;
  if (!resync(self)) return false;
  st.phase = Phase::registered;
  st.last_renewal = sent;
  st.fenced = false;
  feed_guard(st);
  log_info("", fmt::format("cluster: node {} registered (lease {:x}, ttl {} ms)", info.name, st.lease,
                           st.args.lease_ttl.count()));
  return true;
}

// Applies this node's file when the cluster has none yet.
void seed_fleet(agent_ptr self) {
  auto& st = self->state;
  if (st.args.file.empty() || st.view.has_fleet()) return;
  std::ifstream in(st.args.file);
  std::stringstream text;
  text << in.rdbuf();
  etcd::Txn t;
  t.compare.push_back(etcd::Compare::absent(st.keys.fleet()));
  t.success.push_back(etcd::Op::put(st.keys.fleet(), cluster::encode_fleet({st.args.file, text.str()})));
  if (auto r = st.etcd->txn(t); r && r->succeeded) log_info("", "cluster: stored " + st.args.file + " as the cluster's job file");
}

void renew(agent_ptr self) {
  auto& st = self->state;
  auto sent = Clock::now();
  auto ttl = st.etcd->lease_keepalive(st.lease);
  if (!ttl) {
    st.next_attempt = sent + 200ms;
    log_debug("", "cluster: lease renewal failed: " + ttl.error().message);
    return;
  }
  if (*ttl == 0) {  // expired: every record of ours is gone
    fence(self, "the lease expired in etcd");
    st.phase = Phase::unregistered;
    st.leader = false;
    return;
  }
  st.last_renewal = sent;
  ++st.lease_renewals;
  st.next_attempt = sent + renew_every(st);
  feed_guard(st);
  if (st.fenced) {
    log_info("", "cluster: etcd answers again; the lease is still ours");
    st.fenced = false;
  }
}

void leave_now(agent_ptr self) {
  auto& st = self->state;
  NodeInfo info = st.args.info;
  info.left = true;
  st.etcd->put(st.keys.member(info.name), cluster::encode_node(info));
  st.etcd->lease_revoke(st.lease);
  st.phase = Phase::left;
  st.leader = false;
  st.watch.reset();
  if (st.args.guard) st.args.guard->fence_release();
  log_info("", "cluster: left the cluster");
  self->send(st.supervisor, shutdown_atom::value, StopMode::graceful);
}

void begin_leave(agent_ptr self, bool immediate) {
  auto& st = self->state;
  if (immediate) {
    st.running.clear();
    tell_supervisor(self, true);
  }
  if (st.phase == Phase::leaving || st.phase == Phase::left) {
    if (immediate) self->send(st.supervisor, shutdown_atom::value, StopMode::immediate);
    return;
  }
  if (st.phase != Phase::registered) {
    st.phase = Phase::left;
    self->send(st.supervisor, shutdown_atom::value, immediate ? StopMode::immediate : StopMode::graceful);
    return;
  }
  st.phase = Phase::leaving;
  Duration longest{0};
  for (auto& [id, spec] : st.running) longest = std::max(longest, spec.stop_timeout);
  st.leave_deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(longest) + 2s;
  NodeInfo info = st.args.info;
  info.leaving = true;  // the leader moves our jobs as in a drain
  st.etcd->put(st.keys.node(info.name), cluster::encode_node(info), st.lease);
  log_info("", fmt::format("cluster: leaving, stopping {} jobs", st.running.size()));
  st.running.clear();
  tell_supervisor(self, immediate);
}

void on_tick(agent_ptr self) {
  auto& st = self->state;
  auto now = Clock::now();
  if (st.phase == Phase::unregistered && now >= st.next_attempt) {
    if (register_node(self)) {
      seed_fleet(self);
    } else {
      st.next_attempt = now + 500ms;
    }
  }
  if (st.phase == Phase::registered || st.phase == Phase::leaving) {
    if (now >= st.next_attempt) renew(self);
    if (!st.fenced && now - st.last_renewal >= fence_after(st))
      fence(self, fmt::format("no lease renewal for {} ms",
                              std::chrono::duration_cast<std::chrono::milliseconds>(now - st.last_renewal).count()));
    if (!st.watch_up && now - st.watch_down_since > 2s && now - st.last_renewal < renew_every(st) * 2) {
      st.watch_down_since = now;
      resync(self);  // etcd answers but the watch does not: replace it
    }
  }
  if (st.phase == Phase::leaving && (st.releasing.empty() || now >= st.leave_deadline)) leave_now(self);
  campaign(self);
  lead(self);
  reconcile(self);
  if (st.phase != Phase::left) self->delayed_send(self, tick_interval, renew_atom::value);
}

// ---- operators' changes -----------------------------------------------------------

ControlReply apply_text(agent_ptr self, const std::string& file, const std::string& text) {
  auto& st = self->state;
  auto loaded = load_job_text(text, file);
  if (!loaded.ok()) {
    std::vector<std::string> errors;
    for (auto& e : loaded.errors) errors.push_back(e.to_string());
    return control_failure("invalid_file", "the job file was not applied; the cluster is unchanged",
                           json{{"errors", errors}});
  }
  std::set<std::string> before, after;
  for (auto& [id, spec] : st.view.jobs()) before.insert(id);
  json result{{"added", json::array()}, {"removed", json::array()}, {"changed", json::array()}};
  for (auto& spec : loaded.fleet->jobs) {
    after.insert(spec.id);
    auto old = st.view.jobs().find(spec.id);
    if (old == st.view.jobs().end()) result["added"].push_back(spec.id);
    else if (!same_job_and_placement(old->second, spec)) result["changed"].push_back(spec.id);
  }
  for (auto& id : before)
    if (!after.count(id)) result["removed"].push_back(id);
  auto r = st.etcd->put(st.keys.fleet(), cluster::encode_fleet({file, text}));
  if (!r) return control_failure("failed", "etcd: " + r.error().message);
  log_info("", fmt::format("cluster: applied {}: {} added, {} removed, {} changed", file, result["added"].size(),
                           result["removed"].size(), result["changed"].size()));
  return control_ok(result);
}

ControlReply write_key(agent_ptr self, bool put, const std::string& key, const std::string& what) {
  auto& st = self->state;
  bool ok = put ? st.etcd->put(key, "").ok() : st.etcd->delete_range(key).ok();
  if (!ok) return control_failure("failed", "etcd did not answer; nothing changed");
  return control_ok(json{{"message", what}});
}

ClusterSnapshot snapshot(agent_ptr self) {
  auto& st = self->state;
  ClusterSnapshot s;
  s.self = st.args.info.name;
  s.leader = st.view.leader();
  s.registered = st.phase == Phase::registered;
  s.lease_renewals = st.lease_renewals;
  s.fencings = st.fencings;
  s.nodes = cluster::node_rows(st.view, {});
  for (auto& [name, info] : st.view.alive()) s.addresses[name] = info.address;
  for (auto& [id, spec] : st.view.jobs()) {
    s.autostart[id] = spec.autostart;
    std::string node = st.view.node_of(id);
    if (!node.empty() && !st.view.is_alive(node)) node.clear();
    s.placement[id] = node;
    if (node.empty()) {
      std::string why = cluster::pending_reason(st.view, spec);
      s.pending[id] = why.empty() ? "waiting for the leader to place it" : why;
    }
  }
  return s;
}

node_agent_actor::behavior_type agent_impl(agent_ptr self, NodeAgentArgs args) {
  auto& st = self->state;
  st.args = std::move(args);
  st.keys = cluster::Keys(st.args.prefix);
  st.view = cluster::ClusterView(st.keys);
  // Short timeouts: a call to an unreachable etcd must not hold up fencing.
  st.etcd = std::make_unique<etcd::Client>(st.args.endpoints,
                                           std::min<std::chrono::milliseconds>(1000ms, st.args.lease_ttl / 4));
  st.next_attempt = Clock::now();
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source == self->state.supervisor.address()) self->quit();
  });
  return {
      [=](start_atom, supervisor_actor supervisor) {
        self->state.supervisor = supervisor;
        self->monitor(supervisor);
        self->send(self, renew_atom::value);
      },
      [=](renew_atom) { on_tick(self); },
      [=](watch_atom, WatchBatch& batch) {
        auto& st = self->state;
        for (auto& e : batch.events)
          for (auto& event : st.view.apply(e)) emit_cluster(self, std::move(event));
        campaign(self);
        lead(self);
        reconcile(self);
      },
      [=](link_atom, bool up, const std::string& why) {
        auto& st = self->state;
        if (!up && st.watch_up) {
          log_warn("", "cluster: etcd watch lost: " + why);
          st.watch_down_since = Clock::now();
        }
        st.watch_up = up;
      },
      [=](resync_atom) { resync(self); },
      [=](released_atom, const std::string& id) {
        auto& st = self->state;
        st.releasing.erase(id);
        if (st.phase == Phase::unregistered || st.phase == Phase::left) return;
        etcd::Txn t;
        t.compare.push_back(etcd::Compare::value_is(st.keys.claim(id), st.args.info.name));
        t.success.push_back(etcd::Op::del(st.keys.claim(id)));
        st.etcd->txn(t);  // if etcd does not answer, reconcile retries
      },
      [=](signal_atom, int32_t signo) {
        auto& st = self->state;
        if (signo == SIGHUP) {
          if (st.args.file.empty()) {
            log_warn("", "SIGHUP: this node was started without a job file; nothing to apply");
            return;
          }
          std::ifstream in(st.args.file);
          std::stringstream text;
          text << in.rdbuf();
          auto reply = apply_text(self, st.args.file, text.str());
          if (reply.code != 0) log_error("", "SIGHUP: " + reply.body);
          return;
        }
        ++st.signals;
        log_info("", st.signals == 1 ? "cluster: leaving the cluster" : "cluster: killing every job and leaving");
        begin_leave(self, st.signals > 1);
      },
      [=](snapshot_atom) { return snapshot(self); },
      [=](apply_atom, const std::string& file, const std::string& text) { return apply_text(self, file, text); },
      [=](reload_atom) -> ControlReply {
        auto& st = self->state;
        if (st.args.file.empty()) return control_failure("refused", "this node was started without a job file");
        std::ifstream in(st.args.file);
        if (!in) return control_failure("invalid_file", "cannot read " + st.args.file);
        std::stringstream text;
        text << in.rdbuf();
        return apply_text(self, st.args.file, text.str());
      },
      [=](drain_atom, const std::string& node) -> ControlReply {
        if (!self->state.view.members().count(node)) return control_failure("refused", "no node named " + node);
        return write_key(self, true, self->state.keys.cordon(node), "draining " + node);
      },
      [=](uncordon_atom, const std::string& node) -> ControlReply {
        if (!self->state.view.members().count(node)) return control_failure("refused", "no node named " + node);
        return write_key(self, false, self->state.keys.cordon(node), node + " takes jobs again");
      },
      [=](forget_atom, const std::string& node) -> ControlReply {
        auto& st = self->state;
        if (st.view.is_alive(node)) return control_failure("refused", node + " is not down; only a down node can be forgotten");
        if (!st.view.members().count(node)) return control_failure("refused", "no node named " + node);
        st.etcd->delete_range(st.keys.cordon(node));
        return write_key(self, false, st.keys.member(node), "forgot " + node);
      },
      [=](shutdown_atom, bool immediate) { begin_leave(self, immediate); },
  };
}

}  // namespace

node_agent_actor spawn_node_agent(caf::actor_system& sys, NodeAgentArgs args) {
  return sys.spawn<caf::detached>(agent_impl, std::move(args));
}

}  // namespace ffleet
