#include "actors/cluster/event_relay.hpp"

#include <limits>
#include <map>
#include <set>

#include "src/util/logging.hpp"

namespace ffleet {

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr auto fetch_timeout = 5s;
// "After this number" for a node met for the first time: past anything it
// has, so the answer is only where its numbers stand now.
constexpr uint64_t from_now = std::numeric_limits<uint64_t>::max();

struct relay_state {
  EventRelayArgs args;
  std::map<std::string, uint64_t> after;  // node -> number of the last event passed on
  std::set<std::string> asking;           // nodes with a fetch under way
  static inline const char* name = "event-relay";
};

using relay_ptr = event_relay_actor::stateful_pointer<relay_state>;

// One node's answer: {"from": first number sent, "events": [...], "last": newest kept}.
void take_answer(relay_ptr self, const std::string& node, const ControlReply& reply) {
  auto& st = self->state;
  auto body = json::parse(reply.body, nullptr, false);
  if (reply.kind != "ok" || !body.is_object() || !body["events"].is_array()) return;
  uint64_t from = body.value("from", uint64_t{0});
  uint64_t last = body.value("last", uint64_t{0});
  auto known = st.after.find(node);
  if (known == st.after.end()) {  // first contact: from now on
    st.after[node] = last;
    return;
  }
  if (last < known->second) {  // its numbers went back: a new daemon
    known->second = 0;
    return;
  }
  if (from > known->second + 1)
    log_warn("", "cluster: " + std::to_string(from - known->second - 1) + " events of node " + node +
                     " were dropped before this node fetched them");
  for (auto& line : body["events"])
    if (line.is_string()) self->send(st.args.events, relayed_atom::value, line.get<std::string>());
  known->second = from + body["events"].size() - 1;
  if (body["events"].empty()) known->second = std::max(known->second, from - 1);
}

void fetch(relay_ptr self) {
  auto& st = self->state;
  self->request(st.args.agent, fetch_timeout, peers_atom::value)
      .then(
          [=](PeerList& snap) {
            auto& st = self->state;
            for (auto i = st.after.begin(); i != st.after.end();)  // forget nodes that left
              i = snap.addresses.count(i->first) ? std::next(i) : st.after.erase(i);
            for (auto& [node, address] : snap.addresses) {
              if (node == snap.self || st.asking.count(node)) continue;
              auto known = st.after.find(node);
              uint64_t after = known == st.after.end() ? from_now : known->second;
              std::string name = node;
              st.asking.insert(name);
              self->request(st.args.door, fetch_timeout,
                            ControlRequest{st.args.token, {"peer-events", name, std::to_string(after)}})
                  .then(
                      [=](ControlReply& reply) {
                        self->state.asking.erase(name);
                        take_answer(self, name, reply);
                      },
                      [=](caf::error&) { self->state.asking.erase(name); });
            }
          },
          [](caf::error&) {});
  self->delayed_send(self, st.args.fetch_interval, fetch_atom::value);
}

event_relay_actor::behavior_type relay_impl(relay_ptr self, EventRelayArgs args) {
  self->state.args = std::move(args);
  // It works for the door and the agent: it goes when either goes (a link
  // would not: a normal exit does not end linked actors).
  self->monitor(self->state.args.door);
  self->monitor(self->state.args.agent);
  self->set_down_handler([=](caf::down_msg&) { self->quit(); });
  self->send(self, fetch_atom::value);
  return {
      [=](fetch_atom) { fetch(self); },
  };
}

}  // namespace

event_relay_actor spawn_event_relay(caf::actor_system& sys, EventRelayArgs args) {
  return sys.spawn(relay_impl, std::move(args));
}

}  // namespace ffleet
