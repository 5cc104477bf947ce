#include "actors/reader.hpp"

#include "src/ffmpeg/line_splitter.hpp"

namespace ffleet {

namespace {

struct reader_state {
  ReaderArgs args;
  LineSplitter splitter;
  OutputParser parser;
  std::optional<ChildId> child;
  bool ack_pending = false;  // an ack was asked for before we knew the child id
  std::chrono::steady_clock::time_point staler_told{};
  std::string last_line;
  static inline const char* name = "reader";
};

using reader_ptr = reader_actor::stateful_pointer<reader_state>;

// Parses the lines of one chunk (or the tail at the end) into a batch.
template <class Feed>
OutputBatch parse_lines(reader_ptr self, Feed&& feed, bool& progressed) {
  auto& st = self->state;
  OutputBatch batch;
  auto now = std::chrono::steady_clock::now();
  auto wall = std::chrono::system_clock::now();
  std::string_view last;
  feed([&](std::string_view line, bool truncated) {
    uint64_t amount = st.parser.parse(line, now, wall);
    if (amount > 0) progressed = true;
    if (!st.parser.last_line_was_progress()) {
      std::string text(line);
      if (truncated) text += " [truncated]";
      batch.lines.push_back(LogEntry{wall, std::move(text)});
    }
    last = line;
  });
  if (!last.empty()) st.last_line.assign(last.data(), last.size());
  return batch;
}

void deliver(reader_ptr self, OutputBatch batch, bool progressed) {
  auto& st = self->state;
  if (!batch.lines.empty() || batch.final) self->send(st.args.job, output_atom::value, st.args.run, std::move(batch));
  if (progressed && st.args.staler) {
    auto now = std::chrono::steady_clock::now();
    if (now - st.staler_told >= st.args.staler_every) {
      st.staler_told = now;
      self->send(st.args.staler, progress_atom::value);
    }
  }
}

reader_actor::behavior_type reader_impl(reader_ptr self, ReaderArgs args) {
  self->state.args = std::move(args);
  return {
      [=](register_atom, ChildId id) {
        self->state.child = id;
        if (self->state.ack_pending) {
          self->state.ack_pending = false;
          self->state.args.reactor->resume(id);
        }
      },
      [=](output_atom, const std::string& chunk, bool ack_requested) {
        bool progressed = false;
        auto batch = parse_lines(
            self, [&](auto&& on_line) { self->state.splitter.feed(chunk, on_line); }, progressed);
        deliver(self, std::move(batch), progressed);
        if (ack_requested) {
          // Everything sent so far is processed: the reactor may read on.
          if (self->state.child) self->state.args.reactor->resume(*self->state.child);
          else self->state.ack_pending = true;
        }
      },
      [=](status_atom) { return ReaderSnapshot{self->state.parser.progress(), self->state.last_line}; },
      [=](exit_atom, const ExitStatus& status) {
        auto& st = self->state;
        bool progressed = false;
        auto batch = parse_lines(
            self, [&](auto&& on_line) { st.splitter.finish(on_line); }, progressed);
        batch.final = true;
        batch.prelude = st.parser.prelude();
        batch.levels = st.parser.levels();
        batch.progress = st.parser.progress();
        batch.last_line = st.last_line;
        deliver(self, std::move(batch), progressed);
        self->send(st.args.waiter, exit_atom::value, status);
        self->quit();
      },
  };
}

}  // namespace

reader_actor spawn_reader(caf::local_actor* parent, ReaderArgs args) {
  return parent->spawn<caf::linked>(reader_impl, std::move(args));
}

}  // namespace ffleet
