#include "config/yaml_shape.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace ffleet {

namespace {

// Thrown by the checker to stop the parser at the first problem.
struct Stop {
  ShapeProblem problem;
};

class ShapeChecker : public YAML::EventHandler {
 public:
  ShapeChecker(const std::string& text, const LoadLimits& limits) : text_(text), limits_(limits) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ == 1) return;
    // yaml-cpp reads a stray character after the first document (the ","
    // of "[a],") as the start of an empty document, again and again.
    size_t at = mark.pos >= 0 ? std::min(static_cast<size_t>(mark.pos), text_.size()) : text_.size();
    if (text_.compare(at, 3, "---") == 0)
      throw Stop{{mark, "more than one YAML document: put all jobs in one"}};
    std::string got = at < text_.size() ? std::string(1, text_[at]) : "end of file";
    throw Stop{{mark, "invalid YAML: unexpected \"" + got + "\" after the end of the document"}};
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { node(mark, anchor, 0); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    add(mark, anchor < anchor_sizes_.size() ? anchor_sizes_[anchor] : expanded_node_bytes);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    node(mark, anchor, value.size());
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    size_t expanded_before;
    YAML::anchor_t anchor;
  };

  void add(const YAML::Mark& mark, size_t bytes) {
    expanded_ += bytes;
    if (expanded_ > limits_.max_expanded_bytes)
      throw Stop{{mark, "the file is too large once its aliases are spelled out: more than " +
                            format_limit_bytes(limits_.max_expanded_bytes) + " (see docs/job-file.md, limits)"}};
  }

  // yaml-cpp numbers the anchors of a document 1, 2, ... in order.
  void define(YAML::anchor_t anchor, size_t bytes) {
    if (anchor == YAML::NullAnchor) return;
    if (anchor_sizes_.size() <= anchor) anchor_sizes_.resize(anchor + 1, expanded_node_bytes);
    anchor_sizes_[anchor] = bytes;
  }

  // Nodes as written (an alias is no new node: yaml-cpp shares the anchored one).
  void count_node(const YAML::Mark& mark) {
    if (++nodes_ > limits_.max_nodes)
      throw Stop{{mark, "more than " + std::to_string(limits_.max_nodes) +
                            " YAML nodes (values, lists and maps; see docs/job-file.md, limits)"}};
  }

  void node(const YAML::Mark& mark, YAML::anchor_t anchor, size_t text_bytes) {
    count_node(mark);
    size_t bytes = text_bytes + expanded_node_bytes;
    add(mark, bytes);
    define(anchor, bytes);
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (open_.size() >= limits_.max_depth)
      throw Stop{{mark, "nested deeper than " + std::to_string(limits_.max_depth) +
                            " levels (a job file needs six; see docs/job-file.md, limits)"}};
    count_node(mark);
    add(mark, expanded_node_bytes);
    open_.push_back(Open{expanded_ - expanded_node_bytes, anchor});
  }

  void close() {
    if (open_.empty()) return;
    Open o = open_.back();
    open_.pop_back();
    define(o.anchor, expanded_ - o.expanded_before);
  }

  const std::string& text_;
  const LoadLimits& limits_;
  int documents_ = 0;
  size_t nodes_ = 0;
  size_t expanded_ = 0;
  std::vector<Open> open_;
  std::vector<size_t> anchor_sizes_;
};

}  // namespace

std::string format_limit_bytes(size_t bytes) {
  if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (1 << 10) && bytes % (1 << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

ShapeCheck check_yaml_shape(const std::string& text, const LoadLimits& limits) {
  std::istringstream in(text);
  ShapeChecker checker(text, limits);
  ShapeCheck result;
  try {
    YAML::Parser parser(in);
    // The second call only looks for a second document: the checker stops
    // at its first event.
    result.has_document = parser.HandleNextDocument(checker);
    if (result.has_document) parser.HandleNextDocument(checker);
  } catch (const Stop& stop) {
    result.problem = stop.problem;
  } catch (const YAML::Exception& e) {
    result.problem = ShapeProblem{e.mark, "invalid YAML: " + e.msg};
  }
  return result;
}

}  // namespace ffleet
