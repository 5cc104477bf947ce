#include "actors/cluster/node_agent.hpp"

#include <algorithm>
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
constexpr auto full_pass_every = 1s;
constexpr size_t max_ops_per_txn = 100;  // etcd refuses more than 128 by default

enum class Phase { unregistered, registered, leaving, left };

// Renews a lease: its TTL in seconds (0 = expired), or -1 and why not. A
// helper actor on its own thread, because a renewal that gets no answer
// blocks for the client's whole timeout, and the agent must meanwhile answer
// a failsafe round at once.
using lease_renewer = caf::typed_actor<caf::replies_to<renew_atom, int64_t>::with<int64_t, std::string>>;

lease_renewer::behavior_type renewer_impl(lease_renewer::pointer, std::vector<etcd::Endpoint> endpoints,
                                          std::chrono::milliseconds timeout) {
  auto etcd = std::make_shared<etcd::Client>(endpoints, timeout);
  return {
      [=](renew_atom, int64_t lease) -> caf::result<int64_t, std::string> {
        auto ttl = etcd->lease_keepalive(lease);
        if (!ttl) return {int64_t{-1}, ttl.error().message};
        return {*ttl, std::string()};
      },
  };
}

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
  bool renew_failing = false;       // the last renewal or registration got no answer from etcd
  lease_renewer renewer;            // renews off this thread, so a silent etcd never holds us up
  bool renewing = false;            // a renewal is on its way
  Clock::time_point renew_sent;
  bool fenced = false;
  uint64_t lease_renewals = 0, fencings = 0;  // for /metrics

  // Failsafe (docs/cluster.md, "Coordinator outage").
  control_actor door;                   // the node's control door: reaches the other nodes
  std::string token;
  struct Answer {
    int64_t round = 0;
    Clock::time_point at;  // when we answered: a vouch counts from here
    bool etcd = false;
  };
  std::map<std::string, Answer> answers;  // by the leader that asked
  Clock::time_point vouched_at;           // our answer to the last round that vouched for every node
  Clock::time_point promise_until;        // we said "no etcd": no campaign, no placement before this
  bool on_failsafe = false;               // running on vouches alone (for the log)
  int64_t round = 0;                      // as leader: the last round we started
  bool relaying = false;                  // a renewal through the leader is on its way
  Clock::time_point next_relay;
  bool round_in_flight = false;
  Clock::time_point next_round;

  bool plan_queued = false;  // a plan_atom is on its way to us
  bool unsettled = true;     // the last plan or reconcile left work for the next tick
  Clock::time_point last_full_pass;
  bool not_elector_logged = false;
  bool leader = false;
  Clock::time_point leader_since;
  int64_t awaited_revision = 0;     // the leader's last write; plan again once the view has it

  std::map<std::string, JobSpec> running;  // claimed and handed to the supervisor
  std::set<std::string> releasing;         // let go, waiting for the process to end
  std::set<std::string> reclaim;           // running under a lease that expired: claim them again
  std::vector<std::string> released;       // process gone: delete the claim on the next tick
  std::map<std::string, JobSpec> sent;     // what the supervisor was last told
  Clock::time_point leave_deadline;
  int signals = 0;

  ~agent_state() { watch.reset(); }  // joins the watch thread before the state goes
  static inline const char* name = "node-agent";
};

using agent_ptr = node_agent_actor::stateful_pointer<agent_state>;

std::chrono::milliseconds renew_every(const agent_state& st) { return st.args.lease_ttl / 4; }
// How long one step may spend writing to etcd before it leaves the rest to
// the next tick: the agent renews the lease and feeds the guard between
// steps, so a long step (a thousand placements on a slow etcd) would fence
// this node. Half of the slack between two renewals.
std::chrono::milliseconds write_budget(const agent_state& st) { return st.args.lease_ttl / 8; }
// Killing the jobs this long after the last good renewal leaves a quarter of
// the lease for the kill to land before etcd may expire it.
std::chrono::milliseconds fence_after(const agent_state& st) { return st.args.lease_ttl * 3 / 4; }
// The guard's deadline: after our own fence (so a running daemon fences
// first, with an event), before etcd may expire the lease.
std::chrono::milliseconds guard_after(const agent_state& st) { return st.args.lease_ttl * 7 / 8; }

// A failsafe round gets this long for every answer; a node that promised
// keeps its promise for lease_ttl + this (see promise_for).
std::chrono::milliseconds round_timeout(const agent_state& st) { return st.args.lease_ttl / 2; }
// Every answer of one round lies within round_timeout of the others, and a
// vouched node is killed by its guard 7/8 lease_ttl after its answer, so a
// node that answered the same round keeps its promise until then and more.
std::chrono::milliseconds promise_for(const agent_state& st) { return st.args.lease_ttl + round_timeout(st); }

// The moment our fence deadlines count from: the last good renewal, or our
// answer to the last round in which the leader vouched for every node.
Clock::time_point alive_since(const agent_state& st) { return std::max(st.last_renewal, st.vouched_at); }

bool vouched(const agent_state& st) {
  return st.vouched_at > st.last_renewal && Clock::now() < st.vouched_at + fence_after(st);
}

// Whether etcd answers us now: registered, the last renewal worked, and the
// one on its way (if any) is not overdue. What we tell a failsafe round.
bool etcd_answers(const agent_state& st) {
  return st.phase == Phase::registered && !st.renew_failing &&
         !(st.renewing && Clock::now() - st.renew_sent > renew_every(st) / 2);
}

// While we promised a failsafe leader not to, we neither campaign nor place.
bool promised(const agent_state& st) { return Clock::now() < st.promise_until; }

void feed_guard(agent_state& st) {
  if (st.args.guard) st.args.guard->fence_until(alive_since(st) + guard_after(st));
}

void end_failsafe(agent_state& st, const std::string& why) {
  if (!st.on_failsafe) return;
  st.on_failsafe = false;
  log_info("", "cluster: failsafe ends: " + why);
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
  st.on_failsafe = false;
  st.reclaim.clear();
  log_error("", "cluster: fencing, every job is killed: " + why);
  emit_cluster(self, cluster::node_event(st.args.info.name, "fenced"));
  st.running.clear();
  tell_supervisor(self, true);
}

enum class ClaimWrite { claim, release };

// Claims `jobs` on our lease where no node holds them (`claim`), or deletes
// our claims of `jobs` (`release`), in as few etcd round trips as it can:
// up to max_ops_per_txn jobs in one transaction, which is all or nothing.
// When a batch fails because some job's claim is not as expected, the
// failure branch reads every claim of the batch in the same round trip,
// and the batch is tried again without those jobs. One round trip per job
// would block the agent for seconds at a thousand jobs, and a blocked agent
// neither renews its lease nor feeds the guard: it would fence itself.
// Returns the jobs settled: claimed by us (`claim`), or no claim of ours
// left (`release`). Stops early
// when etcd does not answer or the write budget is spent; the caller
// retries the rest on a later tick.
std::set<std::string> write_claims(agent_ptr self, const std::vector<std::string>& jobs, ClaimWrite what) {
  auto& st = self->state;
  const auto& me = st.args.info.name;
  std::set<std::string> settled;
  auto deadline = Clock::now() + write_budget(st);
  for (size_t start = 0; start < jobs.size() && Clock::now() < deadline; start += max_ops_per_txn) {
    size_t end = std::min(jobs.size(), start + max_ops_per_txn);
    std::vector<std::string> batch(jobs.begin() + static_cast<std::ptrdiff_t>(start),
                                   jobs.begin() + static_cast<std::ptrdiff_t>(end));
    for (int attempt = 0; attempt < 3 && !batch.empty(); ++attempt) {
      etcd::Txn t;
      for (auto& id : batch) {
        auto key = st.keys.claim(id);
        if (what == ClaimWrite::claim) {
          t.compare.push_back(etcd::Compare::absent(key));
          t.success.push_back(etcd::Op::put(key, me, st.lease));
        } else {
          t.compare.push_back(etcd::Compare::value_is(key, me));
          t.success.push_back(etcd::Op::del(key));
        }
        t.failure.push_back(etcd::Op::get(key));
      }
      auto r = st.etcd->txn(t);
      if (!r) return settled;
      if (r->succeeded) {
        settled.insert(batch.begin(), batch.end());
        break;
      }
      std::map<std::string, std::string> holder;  // claim key -> node, as etcd has them now
      for (auto& kv : r->kvs) holder[kv.key] = kv.value;
      std::vector<std::string> again;
      for (auto& id : batch) {
        auto h = holder.find(st.keys.claim(id));
        bool held = h != holder.end(), mine = held && h->second == me;
        if (what == ClaimWrite::claim ? mine : !mine) settled.insert(id);
        else if (what == ClaimWrite::claim ? !held : mine) again.push_back(id);
      }
      batch = std::move(again);
    }
  }
  return settled;
}

// Claims the jobs placed here that no node holds (and again those we run
// whose claim went with an expired lease while we ran on failsafe), gives
// up those placed elsewhere, and releases claims of jobs no longer running
// here.
void reconcile(agent_ptr self) {
  auto& st = self->state;
  if (st.phase != Phase::registered || st.fenced || !etcd_answers(st)) return;
  const auto& me = st.args.info.name;
  std::set<std::string> mine;
  for (auto& id : st.view.jobs_of(me)) mine.insert(id);
  bool kill_now = false;
  std::vector<std::string> to_reclaim;
  for (auto i = st.running.begin(); i != st.running.end();) {
    auto claim = st.view.claims().find(i->first);
    if (claim != st.view.claims().end() && claim->second != me) {
      // Cannot happen while the claims work; if it does, the other node's
      // claim wins and ours must stop at once.
      log_error(i->first, "cluster: claimed by " + claim->second + " while running here; killing it here");
      kill_now = true;
      i = st.running.erase(i);
    } else if (!mine.count(i->first)) {
      log_info(i->first, "cluster: placed elsewhere now, stopping it here");
      st.releasing.insert(i->first);  // its claim stays until the process is gone
      i = st.running.erase(i);
    } else {
      // Our claim went with an expired lease (failsafe): claimed again below.
      if (st.reclaim.count(i->first) && claim == st.view.claims().end()) to_reclaim.push_back(i->first);
      else st.reclaim.erase(i->first);
      const auto& wanted = st.view.jobs().at(i->first);
      if (!(i->second == wanted)) i->second = wanted;  // a changed definition restarts it in place
      ++i;
    }
  }
  for (auto& id : write_claims(self, to_reclaim, ClaimWrite::claim)) st.reclaim.erase(id);  // the rest: retried on the next tick
  if (!st.reclaim.empty()) st.unsettled = true;
  std::vector<std::string> to_claim;
  for (auto& id : mine) {
    if (st.running.count(id) || st.releasing.count(id)) continue;
    auto claim = st.view.claims().find(id);
    if (claim != st.view.claims().end() && claim->second != me) continue;  // its old node still has it
    if (claim == st.view.claims().end()) to_claim.push_back(id);
    else st.running[id] = st.view.jobs().at(id);  // ours already
  }
  auto claimed = write_claims(self, to_claim, ClaimWrite::claim);
  for (auto& id : claimed) st.running[id] = st.view.jobs().at(id);
  if (claimed.size() < to_claim.size()) st.unsettled = true;  // the rest: on the next tick
  // Claims of ours that nothing runs under (a release whose delete failed).
  std::vector<std::string> stray;
  for (auto& [id, holder] : st.view.claims())
    if (holder == me && !st.running.count(id) && !st.releasing.count(id)) stray.push_back(id);
  if (write_claims(self, stray, ClaimWrite::release).size() < stray.size()) st.unsettled = true;
  tell_supervisor(self, kill_now);
}

// ---- the leader role ----------------------------------------------------------

void campaign(agent_ptr self) {
  auto& st = self->state;
  const auto& me = st.args.info.name;
  if (st.phase != Phase::registered || st.fenced || !etcd_answers(st) || promised(st)) return;
  if (st.view.leader() == me && st.leader) return;
  if (!st.view.leader().empty() && st.view.leader() != me) {
    if (st.leader) log_info("", "cluster: no longer the leader");
    st.leader = false;
    return;
  }
  if (!st.view.leader().empty()) {
    // Ours but we do not lead: we fenced (etcd did not answer) and the lease
    // survived, so the key is still ours; or it is on a lease of ours that
    // expired and will vanish from the view. Lead again only in the first case.
    auto key = st.etcd->range(st.keys.leader());
    if (key && key->kvs.size() == 1 && key->kvs[0].value == me && key->kvs[0].lease == st.lease) {
      st.leader = true;
      st.leader_since = Clock::now();
      st.unsettled = true;
      log_info("", "cluster: leading again (the leader key is still ours)");
    }
    return;
  }
  if (!st.view.may_lead(me)) {
    // The electors may include nodes running on failsafe right now, their
    // leases expired in etcd while they vouch for each other; a leader from
    // outside them would move their jobs while they still run them.
    if (!st.not_elector_logged)
      log_warn("", "cluster: not campaigning: only the electors " + fmt::format("{}", fmt::join(st.view.electors(), ",")) +
                       " may lead until one of them adds this node (if they are gone for good, `ffleet ctl forget` them)");
    st.not_elector_logged = true;
    return;
  }
  st.not_elector_logged = false;
  etcd::Txn t;
  t.compare.push_back(etcd::Compare::absent(st.keys.leader()));
  t.success.push_back(etcd::Op::put(st.keys.leader(), me, st.lease));
  auto r = st.etcd->txn(t);
  if (r && r->succeeded) {
    st.leader = true;
    st.leader_since = Clock::now();
    st.unsettled = true;
    st.awaited_revision = r->revision;
    log_info("", "cluster: elected leader");
  }
}

void lead(agent_ptr self) {
  auto& st = self->state;
  if (!st.leader || st.fenced || st.phase == Phase::unregistered || st.phase == Phase::left) return;
  if (!etcd_answers(st) || promised(st)) return;  // no placement without etcd, nor while a failsafe promise holds
  if (st.view.revision() < st.awaited_revision) return;  // our last writes are not in the view yet
  if (auto wanted = st.view.wanted_electors(); wanted != st.view.electors()) {
    etcd::Txn t;
    t.compare.push_back(etcd::Compare::value_is(st.keys.leader(), st.args.info.name));
    t.success.push_back(etcd::Op::put(st.keys.electors(), cluster::encode_electors(wanted)));
    auto r = st.etcd->txn(t);
    st.unsettled = true;  // planned again once the view has it, or on the next tick
    if (!r || !r->succeeded) return;
    st.awaited_revision = r->revision;
    return;
  }
  bool place_new = Clock::now() - st.leader_since >= st.args.lease_ttl;
  if (!place_new) st.unsettled = true;  // plan again when the wait is over
  auto plan = cluster::plan_placement(st.view, place_new);
  std::vector<etcd::Op> ops;
  for (auto& m : plan.moves) {
    if (m.to.node.empty()) ops.push_back(etcd::Op::del(st.keys.assign(m.job)));
    else ops.push_back(etcd::Op::put(st.keys.assign(m.job), cluster::encode_assignment(m.to)));
  }
  for (auto& job : plan.removed) ops.push_back(etcd::Op::del(st.keys.assign(job)));
  auto deadline = Clock::now() + write_budget(st);  // the rest is planned again on a later tick
  if (!ops.empty()) st.unsettled = true;  // the view shows our writes, or the next tick plans again
  for (size_t start = 0; start < ops.size() && Clock::now() < deadline; start += max_ops_per_txn) {
    etcd::Txn t;
    // Only while we still hold the leader key: a deposed leader writes nothing.
    t.compare.push_back(etcd::Compare::value_is(st.keys.leader(), st.args.info.name));
    size_t end = std::min(ops.size(), start + max_ops_per_txn);
    t.success.assign(ops.begin() + static_cast<std::ptrdiff_t>(start), ops.begin() + static_cast<std::ptrdiff_t>(end));
    auto r = st.etcd->txn(t);
    if (!r) {
      st.unsettled = true;
      return;
    }
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
  st.renew_failing = true;  // until every step below has worked
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
  st.renew_failing = false;
  st.last_renewal = sent;
  st.fenced = false;
  st.unsettled = true;
  feed_guard(st);
  log_info("", fmt::format("cluster: node {} registered (lease {:x}, ttl {} ms)", info.name, st.lease,
                           st.args.lease_ttl.count()));
  if (!st.running.empty()) {
    // Back after a failsafe outage: what we run is still placed here (the
    // placements carry no lease); only the claims went with the old lease.
    for (auto& [id, spec] : st.running) st.reclaim.insert(id);
    log_info("", fmt::format("cluster: registered again; keeping our {} jobs and claiming them again", st.running.size()));
  }
  end_failsafe(st, "registered again");
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

// etcd says our lease expired: every record of ours is gone.
void lease_gone(agent_ptr self, Clock::time_point sent) {
  auto& st = self->state;
  st.phase = Phase::unregistered;
  st.leader = false;
  st.next_attempt = sent;
  if (vouched(st)) {
    // Every node promised not to move our jobs before our vouch runs out:
    // register again and keep them.
    log_warn("", fmt::format("cluster: our lease expired in etcd while we ran on failsafe; registering again with "
                             "our {} jobs",
                             st.running.size()));
    return;
  }
  fence(self, "the lease expired in etcd");
}

void renewed(agent_ptr self, Clock::time_point sent, int64_t lease, int64_t ttl, const std::string& error) {
  auto& st = self->state;
  st.renewing = false;
  if (lease != st.lease || (st.phase != Phase::registered && st.phase != Phase::leaving)) return;  // stale
  if (ttl < 0) {
    st.next_attempt = sent + 200ms;
    if (!st.renew_failing) log_warn("", "cluster: lease renewal failed: " + error);
    st.renew_failing = true;
    return;
  }
  if (ttl == 0) {
    lease_gone(self, sent);
    return;
  }
  st.renew_failing = false;
  st.last_renewal = sent;
  ++st.lease_renewals;
  st.next_attempt = sent + renew_every(st);
  feed_guard(st);
  end_failsafe(st, "etcd renews our lease again");
  if (st.fenced) {
    log_info("", "cluster: etcd answers again; the lease is still ours");
    st.fenced = false;
    st.unsettled = true;
  }
}

void renew(agent_ptr self) {
  auto& st = self->state;
  if (st.renewing) return;
  st.renewing = true;
  auto sent = st.renew_sent = Clock::now();
  int64_t lease = st.lease;
  self->request(st.renewer, st.args.lease_ttl, renew_atom::value, lease)
      .then([=](int64_t ttl, std::string& error) { renewed(self, sent, lease, ttl, error); },
            [=](caf::error& e) { renewed(self, sent, lease, -1, caf::to_string(e)); });
}

// ---- failsafe: etcd unreachable, the nodes still reach each other ----------------

// As leader while our renewals fail: ask every node we know alive whether it
// reaches etcd; the control door vouches for all of them only if none does.
void failsafe_round(agent_ptr self) {
  auto& st = self->state;
  auto now = Clock::now();
  if (!st.leader || st.fenced || etcd_answers(st) || st.phase != Phase::registered || !st.door ||
      st.round_in_flight || now < st.next_round)
    return;
  st.next_round = now + renew_every(st);
  st.round_in_flight = true;
  const auto& me = st.args.info.name;
  std::vector<std::string> words = {"failsafe", "round", me, std::to_string(++st.round),
                                    std::to_string(round_timeout(st).count())};
  auto alive = st.view.alive();
  alive[me] = st.args.info;  // we answer too
  for (auto& [name, info] : alive) {
    words.push_back(name);
    words.push_back(info.address);
  }
  self->request(st.door, round_timeout(st) * 2, ControlRequest{st.token, std::move(words)})
      .then(
          [=](ControlReply& r) {
            self->state.round_in_flight = false;
            if (r.code != 0) log_debug("", "cluster: failsafe round: " + r.body);
          },
          [=](caf::error& e) {
            self->state.round_in_flight = false;
            log_debug("", "cluster: failsafe round: " + caf::to_string(e));
          });
}

// Not the leader, and etcd does not answer us: ask the leader to renew our
// lease (any holder of a lease id may renew it). A renewal through it counts
// from when we asked, as our own would, so a node that reaches the leader
// but not etcd keeps its jobs and holds its lease for real.
void relay_renewal(agent_ptr self) {
  auto& st = self->state;
  auto now = Clock::now();
  if (st.phase != Phase::registered || !st.renew_failing || st.leader || st.fenced || !st.door || st.relaying ||
      now < st.next_relay)
    return;
  auto leader = st.view.alive().find(st.view.leader());
  if (leader == st.view.alive().end() || leader->first == st.args.info.name) return;
  st.relaying = true;
  st.next_relay = now + renew_every(st);
  int64_t lease = st.lease;
  std::string name = leader->first;
  std::vector<std::string> words = {"failsafe", "relay", leader->second.address, st.args.info.name, std::to_string(lease)};
  self->request(st.door, st.args.lease_ttl, ControlRequest{st.token, std::move(words)})
      .then(
          [=](ControlReply& r) {
            auto& st = self->state;
            st.relaying = false;
            json body = json::parse(r.body, nullptr, false);
            if (r.code != 0 || !body.is_object() || !body["ttl"].is_number_integer()) {
              log_debug("", "cluster: renewal through the leader failed: " + r.body);
              return;
            }
            if (lease != st.lease || st.phase != Phase::registered) return;  // stale
            if (body["ttl"].get<int64_t>() <= 0) {
              lease_gone(self, now);
              return;
            }
            ++st.lease_renewals;
            if (now > st.last_renewal) {
              st.last_renewal = now;
              feed_guard(st);
            }
            if (!st.on_failsafe) {
              st.on_failsafe = true;
              log_warn("", fmt::format("cluster: etcd unreachable; our lease is renewed through leader {}", name));
            }
          },
          [=](caf::error& e) {
            self->state.relaying = false;
            log_debug("", "cluster: renewal through the leader failed: " + caf::to_string(e));
          });
}

ControlReply failsafe_answer(agent_ptr self, const std::string& verb, const std::string& leader, int64_t round) {
  auto& st = self->state;
  auto now = Clock::now();
  if (verb == "ask") {
    bool etcd = etcd_answers(st);
    st.answers[leader] = agent_state::Answer{round, now, etcd};
    // A "no" is a promise: while it holds we take no leadership and move no
    // job, so nothing we do can start a job that a vouched node still runs.
    if (!etcd) st.promise_until = std::max(st.promise_until, now + promise_for(st));
    return control_ok(json{{"node", st.args.info.name}, {"etcd", etcd}});
  }
  if (verb == "vouch") {
    auto a = st.answers.find(leader);
    if (a == st.answers.end() || a->second.round != round || a->second.etcd)
      return control_failure("refused", "not a round this node answered without etcd");
    if (st.fenced || st.phase == Phase::left) return control_ok(json{{"vouched", false}});
    if (a->second.at > st.vouched_at) {
      st.vouched_at = a->second.at;
      feed_guard(st);
    }
    if (!st.on_failsafe && st.vouched_at > st.last_renewal) {
      st.on_failsafe = true;
      log_warn("", fmt::format("cluster: etcd unreachable; running on failsafe with our {} jobs, vouched by leader {}",
                               st.running.size(), leader));
    }
    return control_ok(json{{"vouched", true}});
  }
  return control_failure("bad_request", "usage: failsafe ask|vouch LEADER ROUND");
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
    auto settled = write_claims(self, st.released, ClaimWrite::release);
    st.released.erase(std::remove_if(st.released.begin(), st.released.end(),
                                     [&](const std::string& id) { return settled.count(id) > 0; }),
                      st.released.end());
    if (!st.watch_up && !st.renew_failing && now - st.watch_down_since > 2s &&
        now - st.last_renewal < renew_every(st) * 2) {
      st.watch_down_since = now;
      resync(self);  // etcd answers but the watch does not: replace it
    }
  }
  // Unregistered with jobs: our lease expired while we ran on failsafe.
  bool holds_jobs = st.phase == Phase::registered || st.phase == Phase::leaving ||
                    (st.phase == Phase::unregistered && !st.running.empty());
  now = Clock::now();
  if (holds_jobs && !st.fenced && now - alive_since(st) >= fence_after(st)) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - alive_since(st)).count();
    fence(self, st.vouched_at > st.last_renewal
                    ? fmt::format("neither a lease renewal nor a failsafe vouch for {} ms", ms)
                    : fmt::format("no lease renewal for {} ms", ms));
  }
  if (st.phase == Phase::leaving && (st.releasing.empty() || now >= st.leave_deadline)) leave_now(self);
  failsafe_round(self);
  relay_renewal(self);
  campaign(self);
  // Planning and reconciling cost O(jobs). Every change of the view runs
  // them at once (plan_atom); a tick runs them only to finish what a step
  // left (write budget, etcd not answering, a wait) and, as a safety net,
  // once a second.
  if (st.unsettled || now - st.last_full_pass >= full_pass_every) {
    st.unsettled = false;
    st.last_full_pass = now;
    lead(self);
    reconcile(self);
  }
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
  auto pending = cluster::pending_reasons(st.view);
  for (auto& [id, spec] : st.view.jobs()) {
    s.autostart[id] = spec.autostart;
    auto why = pending.find(id);
    if (why == pending.end()) {
      s.placement[id] = st.view.node_of(id);
      continue;
    }
    s.placement[id] = "";
    s.pending[id] = why->second.empty() ? "waiting for the leader to place it" : why->second;
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
  st.renewer = self->spawn<caf::detached + caf::linked>(renewer_impl, st.args.endpoints,
                                                        std::min<std::chrono::milliseconds>(1000ms, st.args.lease_ttl / 4));
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
        // Planning costs O(jobs): once for every batch queued so far, not
        // once per batch, or a burst of batches would keep the agent from
        // its tick (renewal, guard) for seconds.
        if (!st.plan_queued) {
          st.plan_queued = true;
          self->send(self, plan_atom::value);
        }
      },
      [=](plan_atom) {
        self->state.plan_queued = false;
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
        st.unsettled = true;  // a job waiting for this release may be claimed now
        // Deleted with the others on the next tick, in as few round trips
        // as it takes; if etcd does not answer, reconcile retries.
        if (st.phase != Phase::unregistered && st.phase != Phase::left) st.released.push_back(id);
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
      [=](peers_atom) {
        auto& st = self->state;
        PeerList peers{st.args.info.name, {}};
        for (auto& [name, info] : st.view.alive()) peers.addresses[name] = info.address;
        return peers;
      },
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
      [=](door_atom, control_actor door, const std::string& token) {
        self->state.door = std::move(door);
        self->state.token = token;
      },
      [=](failsafe_atom, const std::string& verb, const std::string& who, int64_t number) -> caf::result<ControlReply> {
        if (verb != "renew") return failsafe_answer(self, verb, who, number);
        // Node `who` cannot reach etcd: renew its lease `number` for it.
        auto& st = self->state;
        if (!etcd_answers(st)) return control_failure("failed", "this node does not reach etcd either");
        auto promise = self->make_response_promise<ControlReply>();
        self->request(st.renewer, st.args.lease_ttl, renew_atom::value, number)
            .then(
                [=](int64_t ttl, std::string& error) mutable {
                  promise.deliver(ttl < 0 ? control_failure("failed", error) : control_ok(json{{"ttl", ttl}}));
                },
                [=](caf::error& e) mutable { promise.deliver(control_failure("failed", caf::to_string(e))); });
        return promise;
      },
  };
}

}  // namespace

node_agent_actor spawn_node_agent(caf::actor_system& sys, NodeAgentArgs args) {
  return sys.spawn<caf::detached>(agent_impl, std::move(args));
}

}  // namespace ffleet
