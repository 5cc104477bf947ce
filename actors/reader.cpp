#include "actors/reader.hpp"

#include "src/ffmpeg/ffmpeg_parser.hpp"
#include "src/ffmpeg/line_splitter.hpp"

namespace ffleet {

namespace {

struct reader_state {
  ReaderArgs args;
  LineSplitter splitter;
  OutputParser parser;
  std::chrono::steady_clock::time_point staler_told{};
  static inline const char* name = "reader";
};

using reader_ptr = reader_actor::stateful_pointer<reader_state>;

// Parses the lines `feed` produces (of one chunk, or the tail at the end):
// returns the log lines among them, notes progress for the staler.
template <class Feed>
std::vector<LogEntry> parse_lines(reader_ptr self, Feed&& feed) {
  auto& st = self->state;
  std::vector<LogEntry> lines;
  auto now = std::chrono::steady_clock::now();
  auto wall = std::chrono::system_clock::now();
  bool progressed = false;
  std::string_view last;
  feed([&](std::string_view line, bool truncated) {
    if (st.parser.parse(line, now, wall) > 0) progressed = true;
    if (!st.parser.last_line_was_progress()) {
      std::string text(line);
      if (truncated) text += " [truncated]";
      lines.push_back(LogEntry{wall, std::move(text)});
    }
    last = line;
  });
  if (!last.empty()) st.args.last_line.assign(last.data(), last.size());
  if (progressed && st.args.staler && now - st.staler_told >= st.args.staler_every) {
    st.staler_told = now;
    self->send(st.args.staler, progress_atom::value);
  }
  return lines;
}

void on_chunk(reader_ptr self, const StderrChunk& chunk) {
  auto& st = self->state;
  auto lines = parse_lines(self, [&](auto&& on_line) { st.splitter.feed(chunk.bytes, on_line); });
  if (!lines.empty()) self->send(st.args.job, LogLines{st.args.run, std::move(lines)});
  // Everything sent so far is handled: the reactor may read on.
  if (chunk.ack_requested) st.args.reactor->resume(st.args.child);
}

void on_exited(reader_ptr self, const ExitStatus& status) {
  auto& st = self->state;
  auto lines = parse_lines(self, [&](auto&& on_line) { st.splitter.finish(on_line); });
  if (!lines.empty()) self->send(st.args.job, LogLines{st.args.run, std::move(lines)});
  OutputSummary summary{st.parser.progress(), st.args.last_line, st.parser.prelude(), st.parser.levels()};
  self->send(st.args.job, RunSummary{st.args.run, std::move(summary)});
  self->send(st.args.waiter, drained_atom::value, status);
  self->quit();
}

reader_actor::behavior_type reader_impl(reader_ptr self, ReaderArgs args) {
  self->state.args = std::move(args);
  return {
      [=](const StderrChunk& chunk) { on_chunk(self, chunk); },
      [=](exited_atom, const ExitStatus& status) { on_exited(self, status); },
      [=](live_atom) { return LiveOutput{self->state.parser.progress(), self->state.args.last_line}; },
  };
}

}  // namespace

reader_actor spawn_reader(caf::local_actor* parent, ReaderArgs args) {
  return parent->spawn<caf::linked>(reader_impl, std::move(args));
}

}  // namespace ffleet
