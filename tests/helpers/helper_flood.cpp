// Writes that many bytes (default 100 MB) of numbered lines to stderr as fast
// as it can, in big writes, then a final count line, and exits 0.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  unsigned long long total = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100ULL << 20;
  std::vector<char> block;
  block.reserve(64 * 1024 + 128);
  unsigned long long written = 0, line = 0;
  while (written < total) {
    block.clear();
    while (block.size() < 64 * 1024 && written + block.size() < total) {
      char text[64];
      int n = std::snprintf(text, sizeof text, "flood line %llu\n", line++);
      size_t take = static_cast<size_t>(n);
      if (written + block.size() + take > total) take = static_cast<size_t>(total - written - block.size());
      block.insert(block.end(), text, text + take);
    }
    size_t off = 0;
    while (off < block.size()) {
      ssize_t w = write(2, block.data() + off, block.size() - off);
      if (w < 0) return 1;
      off += static_cast<size_t>(w);
    }
    written += block.size();
  }
  std::fprintf(stderr, "\nflood done: %llu bytes\n", written);
  return 0;
}
